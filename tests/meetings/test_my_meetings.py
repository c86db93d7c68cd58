"""My meetings: what I answered, what else is coming up in my communities, what I attended."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from communities.models import Membership, Role
from meetings.models import OccurrenceStatus, RsvpResponse
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
MY = reverse("meetings:my_meetings")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def meeting(community, title, *, days=7, **kwargs):
    series = MeetingSeriesFactory(community=community, title=title)
    return OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=days), **kwargs)


def titles(rows) -> list[str]:
    return [row["occurrence"].series.title for row in rows]


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(MY)

    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_my_answers_come_first_in_time_order_then_the_rest_of_my_communities(
    client, community, private_community, member
):
    later = meeting(community, "Later clinic", days=9)
    sooner = meeting(private_community, "Sooner review", days=2)
    waiting = meeting(community, "Full workshop", days=5)
    declined = meeting(community, "Declined sync", days=3)
    unanswered = meeting(private_community, "Unanswered retro", days=4)
    RsvpFactory(occurrence=later, user=member, response=RsvpResponse.MAYBE)
    RsvpFactory(occurrence=sooner, user=member)
    RsvpFactory(occurrence=waiting, user=member, waitlisted=True)
    RsvpFactory(occurrence=declined, user=member, response=RsvpResponse.NOT_GOING)
    client.force_login(member)

    response = client.get(MY)

    assert response.status_code == 200
    assert titles(response.context["upcoming"]) == [
        "Sooner review",
        "Full workshop",
        "Later clinic",
    ]
    assert titles(response.context["others"]) == [unanswered.series.title]
    html = response.content.decode()
    assert "you are #1 on the waiting list" in html
    assert "Declined sync" not in html


def test_the_waiting_list_place_counts_those_ahead(client, community, member):
    full = meeting(community, "Full workshop")
    for hours in (3, 2):
        RsvpFactory(
            occurrence=full,
            user=UserFactory(),
            waitlisted=True,
            responded_at=NOW - dt.timedelta(hours=hours),
        )
    RsvpFactory(
        occurrence=full, user=member, waitlisted=True, responded_at=NOW - dt.timedelta(hours=1)
    )
    client.force_login(member)

    response = client.get(MY)

    assert response.context["upcoming"][0]["position"] == 3


def test_meetings_of_communities_i_do_not_belong_to_are_not_offered(client, member):
    elsewhere = CommunityFactory(name="Elsewhere")
    meeting(elsewhere, "Someone else's meeting")
    client.force_login(member)

    assert "Someone else" not in client.get(MY).content.decode()


def test_an_answer_in_a_private_community_i_left_disappears(client, private_community, member):
    private = meeting(private_community, "Private clinic")
    RsvpFactory(occurrence=private, user=member)
    Membership.objects.filter(user=member, community=private_community).update(is_active=False)
    client.force_login(member)

    assert "Private clinic" not in client.get(MY).content.decode()


def test_an_answer_in_a_public_community_i_left_stays_but_cannot_be_changed(
    client, community, member
):
    public = meeting(community, "Public clinic")
    RsvpFactory(occurrence=public, user=member)
    Membership.objects.filter(user=member, community=community).update(is_active=False)
    client.force_login(member)

    response = client.get(MY)

    [row] = response.context["upcoming"]
    assert row["occurrence"] == public and row["can_answer"] is False


def test_past_and_cancelled_meetings_are_not_upcoming_but_cancelled_answers_show_why(
    client, community, member
):
    past = meeting(community, "Last week's clinic", days=-7)
    cancelled = meeting(
        community, "Cancelled clinic", status=OccurrenceStatus.CANCELLED, cancel_reason="Offsite"
    )
    meeting(community, "Cancelled and unanswered", status=OccurrenceStatus.CANCELLED)
    RsvpFactory(occurrence=past, user=member)
    RsvpFactory(occurrence=cancelled, user=member)
    client.force_login(member)

    response = client.get(MY)

    assert titles(response.context["upcoming"]) == ["Cancelled clinic"]
    assert response.context["others"] == []
    html = response.content.decode()
    assert "Cancelled</span>" in html


def test_attended_meetings_are_listed_below_latest_first(client, community, member):
    older = meeting(community, "Older clinic", days=-14)
    newer = meeting(community, "Newer clinic", days=-7)
    missed = meeting(community, "Missed clinic", days=-3)
    RsvpFactory(occurrence=older, user=member, attended=True)
    RsvpFactory(occurrence=newer, user=member, attended=True)
    RsvpFactory(occurrence=missed, user=member, attended=False)
    client.force_login(member)

    response = client.get(MY)

    assert [o.series.title for o in response.context["attended"]] == [
        "Newer clinic",
        "Older clinic",
    ]


def test_each_row_has_an_rsvp_control_that_comes_back_here(client, community, member):
    upcoming = meeting(community, "Clinic")
    client.force_login(member)

    html = client.get(MY).content.decode()

    assert reverse("meetings:rsvp", args=[community.slug, upcoming.pk]) in html
    assert f'name="next" value="{MY}"' in html
    assert reverse("meetings:occurrence_ics", args=[community.slug, upcoming.pk]) in html


def test_no_rsvp_buttons_in_an_archived_community(client, community, member):
    meeting(community, "Clinic")
    community.is_archived = True
    community.save()
    client.force_login(member)

    response = client.get(MY)

    [row] = response.context["others"]
    assert row["can_answer"] is False
    assert 'value="going"' not in response.content.decode()


def test_times_are_in_my_zone(client, community, member):
    member.timezone = "Asia/Tokyo"
    member.save()
    OccurrenceFactory(
        series=MeetingSeriesFactory(community=community, title="Clinic"),
        starts_at=dt.datetime(2031, 3, 10, 8, 30, tzinfo=dt.UTC),
    )
    client.force_login(member)

    html = client.get(MY).content.decode()

    assert "Monday 10 March 2031, 17:30" in html and "Asia/Tokyo" in html


def test_someone_with_no_communities_gets_friendly_empty_sections(client, outsider):
    client.force_login(outsider)

    html = client.get(MY).content.decode()

    assert "You have not answered going or maybe" in html
    assert "No other upcoming meetings" in html


def test_a_site_admin_sees_only_their_own_communities_meetings_to_answer(
    client, community, site_admin
):
    meeting(community, "Not mine")
    mine = CommunityFactory()
    MembershipFactory(community=mine, user=site_admin, role=Role.MEMBER)
    meeting(mine, "Mine")
    client.force_login(site_admin)

    assert titles(client.get(MY).context["others"]) == ["Mine"]
