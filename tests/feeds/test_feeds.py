import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from discussions.services.posting import help_request_create
from tests.factories import CommunityFactory

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[str]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    return [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]


def test_a_public_communitys_feed_lists_its_new_requests(client, community, member):
    help_request_create(community=community, by=member, title="Pods restart", body="x")
    response = client.get(reverse("feeds:community", args=[community.slug]))
    assert entries(response) == ["Help wanted: Pods restart"]


def test_a_private_communitys_feed_is_404_even_for_its_members(client, private_community, member):
    client.force_login(member)
    assert client.get(reverse("feeds:community", args=[private_community.slug])).status_code == 404


@pytest.mark.django_db
def test_a_listed_communitys_feed_is_open(client):
    listed = CommunityFactory(listed=True)
    assert entries(client.get(reverse("feeds:community", args=[listed.slug]))) == []


def test_help_wanted_lists_open_requests_of_public_communities_only(
    client, community, private_community, member
):
    help_request_create(community=community, by=member, title="Open one", body="x")
    help_request_create(community=private_community, by=member, title="Secret one", body="x")
    titles = entries(client.get(reverse("feeds:help_wanted")))
    assert titles == [f"Open one ({community.name})"]


def test_the_community_page_links_its_feed(client, community, member):
    client.force_login(member)
    page = client.get(community.get_absolute_url()).content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert reverse("feeds:community", args=[community.slug]) in page


def test_a_moderator_makes_replaces_and_turns_off_the_community_calendar_link(
    client, moderator, community
):
    from feeds.models import CommunityCalendarLink

    client.force_login(moderator)
    page = reverse("feeds:calendar_link", args=[community.slug])
    client.post(page, {"action": "reset"})
    first = CommunityCalendarLink.objects.get(community=community).token
    client.logout()
    response = client.get(reverse("feeds:community_calendar", args=[first]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in response.content
    client.force_login(moderator)
    client.post(page, {"action": "reset"})
    assert client.get(reverse("feeds:community_calendar", args=[first])).status_code == 404
    client.post(page, {"action": "revoke"})
    assert not CommunityCalendarLink.objects.exists()


def test_an_unknown_calendar_token_is_404(client, db):
    assert client.get(reverse("feeds:community_calendar", args=["nope"])).status_code == 404
