"""The notifications page, marking notifications read, and the bell in the header."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import NotificationFactory, UserFactory

LIST = reverse("notifications:list")
READ_ALL = reverse("notifications:mark_all_read")


def read_url(notification) -> str:
    return reverse("notifications:mark_read", args=[notification.pk])


def shown(response) -> list[str]:
    return [n.message for n in response.context["page"].object_list]


def bell_count(response) -> int:
    match = re.search(
        rb'<span class="bell-count" aria-hidden="true">(\d+)</span>', response.content
    )
    return int(match.group(1)) if match else 0


@pytest.fixture
def mine(member):
    return [
        NotificationFactory(recipient=member, message="Unread one", url="/communities/"),
        NotificationFactory(recipient=member, message="Unread two"),
        NotificationFactory(recipient=member, message="Already read", read_at=timezone.now()),
    ]


@pytest.fixture
def theirs(core):
    return NotificationFactory(recipient=core, message="Not for Mia")


def test_list_shows_only_my_notifications_newest_first(client, member, mine, theirs):
    client.force_login(member)

    response = client.get(LIST)

    assert response.status_code == 200
    assert shown(response) == ["Already read", "Unread two", "Unread one"]
    assert b"Not for Mia" not in response.content


def test_unread_filter_hides_what_i_read(client, member, mine):
    client.force_login(member)

    response = client.get(LIST, {"unread": "1"})

    assert shown(response) == ["Unread two", "Unread one"]
    assert b"Show all" in response.content


def test_unread_filter_says_when_everything_is_read(client, member):
    NotificationFactory(recipient=member, read_at=timezone.now())
    client.force_login(member)

    response = client.get(LIST, {"unread": "1"})

    assert b"You have read everything." in response.content


def test_empty_list_explains_what_will_appear(client, member):
    client.force_login(member)

    assert b"No notifications yet." in client.get(LIST).content


def test_list_is_paged_by_30(client, member):
    NotificationFactory.create_batch(31, recipient=member)
    client.force_login(member)

    assert len(shown(client.get(LIST))) == 30
    assert len(shown(client.get(LIST, {"page": 2}))) == 1


def test_marking_one_read(client, member, mine):
    unread = mine[1]
    client.force_login(member)

    response = client.post(read_url(unread))

    assert response.url == LIST
    unread.refresh_from_db()
    assert unread.read_at is not None
    mine[0].refresh_from_db()
    assert mine[0].read_at is None


def test_marking_read_again_keeps_the_first_time(client, member, mine):
    already = mine[2]
    first = already.read_at
    client.force_login(member)

    client.post(read_url(already))

    already.refresh_from_db()
    assert already.read_at == first


def test_marking_one_read_with_htmx_returns_the_item(client, member, mine):
    unread = mine[1]
    client.force_login(member)

    response = client.post(read_url(unread), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li id="notification-{unread.pk}">')
    assert "Unread two" in body
    assert "Mark read" not in body
    assert "<html" not in body


def test_following_a_notification_marks_it_read_and_opens_its_page(client, member, mine):
    client.force_login(member)

    response = client.post(read_url(mine[0]), {"follow": "1"})

    assert response.url == "/communities/"
    mine[0].refresh_from_db()
    assert mine[0].read_at is not None


def test_following_never_leaves_the_site(client, member):
    phishing = NotificationFactory(recipient=member, url="https://evil.example.com/login")
    client.force_login(member)

    response = client.post(read_url(phishing), {"follow": "1"})

    assert response.url == LIST


def test_cannot_mark_someone_elses_notification_read(client, member, theirs):
    client.force_login(member)

    response = client.post(read_url(theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_touches_only_mine(client, member, mine, theirs):
    client.force_login(member)

    response = client.post(READ_ALL)

    assert response.url == LIST
    for notification in mine:
        notification.refresh_from_db()
        assert notification.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_button_shows_only_with_unread(client, member, mine):
    client.force_login(member)
    assert b"Mark all as read" in client.get(LIST).content

    client.post(READ_ALL)

    assert b"Mark all as read" not in client.get(LIST).content


def test_bell_shows_my_unread_count(client, member, mine, theirs):
    client.force_login(member)

    response = client.get(reverse("communities:directory"))

    assert bell_count(response) == 2
    assert b'aria-label="Notifications, 2 unread"' in response.content


def test_bell_count_drops_as_i_read(client, member, mine):
    client.force_login(member)
    client.post(read_url(mine[0]))

    assert bell_count(client.get(LIST)) == 1

    client.post(READ_ALL)

    response = client.get(LIST)
    assert bell_count(response) == 0
    assert b'aria-label="Notifications"' in response.content


def test_no_bell_for_anonymous(client, db):
    response = client.get(reverse("communities:directory"))

    assert b'class="bell"' not in response.content


def test_someone_elses_notifications_do_not_ring_my_bell(client, member):
    NotificationFactory.create_batch(3, recipient=UserFactory())
    client.force_login(member)

    assert bell_count(client.get(LIST)) == 0
