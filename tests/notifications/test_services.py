"""Notifications: telling one person something happened, in the app and by email."""

from datetime import UTC, datetime

import pytest
import time_machine

from charter.kinds import Kind as CharterKind
from communities.kinds import Kind
from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read, notify
from tests.factories import NotificationFactory, UserFactory

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def person(db):
    return UserFactory(display_name="Mia Member", email="mia@example.org")


def test_notify_creates_an_unread_notification(person, community):
    actor = UserFactory()

    notification = notify(
        recipient=person,
        kind=Kind.ROLE_CHANGED,
        message="You are now core group.",
        url="/c/kubernetes/",
        actor=actor,
        community=community,
    )

    assert Notification.objects.get() == notification
    assert notification.recipient == person
    assert notification.actor == actor
    assert notification.community == community
    assert notification.url == "/c/kubernetes/"
    assert not notification.is_read
    assert list(Notification.objects.for_user(person).unread()) == [notification]


def test_a_long_message_is_cut_to_fit(person):
    notification = notify(recipient=person, kind=Kind.ROLE_CHANGED, message="x" * 500)

    notification.refresh_from_db()
    assert len(notification.message) == 300


def test_notify_sends_one_email_copy_after_commit(
    person, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=person, kind=Kind.ROLE_CHANGED, message="You are now core group."
        )
        assert mailoutbox == []  # nothing is sent before the transaction commits

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mia@example.org"]
    assert "You are now core group." in mailoutbox[0].subject
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_notify_sends_no_email_to_someone_who_turned_copies_off(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email_notifications=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(recipient=person, kind=Kind.ROLE_CHANGED, message="Quietly.")

    assert callbacks == []
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_notify_sends_no_email_to_a_deactivated_account(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=person, kind=Kind.ROLE_CHANGED, message="Gone.")

    assert mailoutbox == []
    assert Notification.objects.filter(recipient=person).exists()


def test_marking_a_notification_read(person):
    notification = NotificationFactory(recipient=person)

    with time_machine.travel(MONDAY, tick=False):
        notification_mark_read(notification=notification)

    notification.refresh_from_db()
    assert notification.is_read
    assert notification.read_at == MONDAY


def test_marking_a_notification_read_again_keeps_when_it_was_first_read(person):
    notification = NotificationFactory(recipient=person)
    with time_machine.travel(MONDAY, tick=False):
        notification_mark_read(notification=notification)

    with time_machine.travel(TUESDAY, tick=False):
        notification_mark_read(notification=notification)

    notification.refresh_from_db()
    assert notification.read_at == MONDAY


def test_mark_all_read_marks_only_my_unread_notifications(person):
    mine = NotificationFactory.create_batch(2, recipient=person)
    already_read = NotificationFactory(recipient=person, read_at=MONDAY)
    someone_elses = NotificationFactory()

    with time_machine.travel(TUESDAY, tick=False):
        marked = notifications_mark_all_read(user=person)

    assert marked == 2
    for notification in mine:
        notification.refresh_from_db()
        assert notification.read_at == TUESDAY
    already_read.refresh_from_db()
    assert already_read.read_at == MONDAY
    someone_elses.refresh_from_db()
    assert not someone_elses.is_read
    assert Notification.objects.for_user(person).unread().count() == 0


def test_mark_all_read_with_nothing_unread_marks_nothing(person):
    assert notifications_mark_all_read(user=person) == 0


def test_notify_many_tells_the_active_people_and_emails_those_who_want_it(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.models import User
    from notifications.services import notify_many

    wants = UserFactory(email="wants@example.org")
    quiet = UserFactory(email_notifications=False)
    gone = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        told = notify_many(
            recipients=User.objects.filter(pk__in=[wants.pk, quiet.pk, gone.pk]),
            kind=CharterKind.VISION_ROUND_OPENED,
            message="x" * 500,
            url="/c/kubernetes/",
        )

    assert told == 2
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {wants.pk, quiet.pk}
    assert {len(m) for m in Notification.objects.values_list("message", flat=True)} == {300}
    assert [m.to for m in mailoutbox] == [["wants@example.org"]]
