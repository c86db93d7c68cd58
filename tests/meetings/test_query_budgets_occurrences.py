"""Query budgets of the meeting page and My meetings: the same count at 2 and at 30 RSVPs or meetings.

The N+1s guarded: on the meeting page, a query per RSVP for its person (the
attendee list is read with its users in one query) and per linked help request;
on My meetings, a query per row for its series or community (select_related),
for my place on each waiting list (one subquery annotation, not a count per
row) and for whether I may answer there (my memberships read once).
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from communities.models import Role
from meetings.models import RsvpResponse
from meetings.views.occurrences import MY_OTHERS_LIMIT, MY_PAST_LIMIT
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)

# session, user, bell; community pages' 3 (community, my membership, my join request);
# the occurrence (with series, organiser); my RSVP; my place on the waiting list;
# who is coming (with their users); the linked help requests.
OCCURRENCE_BUDGET = 11
# session, user, bell; my memberships (with communities); my answered upcoming meetings (with
# series, community, waiting-list place); others in my communities; meetings I attended.
MY_MEETINGS_BUDGET = 7


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def busy_meeting(community, member, rsvps: int, threads: int):
    occurrence = OccurrenceFactory(
        series__community=community,
        series__capacity=rsvps // 2,
        starts_at=NOW + dt.timedelta(days=2),
    )
    for i in range(rsvps):
        person = UserFactory()
        MembershipFactory(community=community, user=person, role=Role.MEMBER)
        response = [RsvpResponse.GOING, RsvpResponse.MAYBE][i % 2]
        RsvpFactory(occurrence=occurrence, user=person, response=response, waitlisted=i % 4 == 0)
    RsvpFactory(occurrence=occurrence, user=member, waitlisted=True)
    for _ in range(threads):
        occurrence.threads.add(HelpRequestFactory(community=community))
    return occurrence


def test_the_meeting_page_costs_the_same_at_2_and_at_30_rsvps(client, community, member):
    """Guards: a person per RSVP in the attendee list, a query per linked thread."""
    small = busy_meeting(community, member, rsvps=2, threads=1)
    large = busy_meeting(community, member, rsvps=30, threads=12)
    client.force_login(member)

    small_count = page_queries(
        client, reverse("meetings:occurrence", args=[community.slug, small.pk])
    )
    large_count = page_queries(
        client, reverse("meetings:occurrence", args=[community.slug, large.pk])
    )

    assert small_count == large_count
    assert large_count <= OCCURRENCE_BUDGET


def test_the_meeting_page_stays_in_budget_for_a_manager(
    client, community, moderator, django_assert_max_num_queries
):
    occurrence = busy_meeting(community, moderator, rsvps=30, threads=5)
    client.force_login(moderator)

    with django_assert_max_num_queries(OCCURRENCE_BUDGET):
        response = client.get(reverse("meetings:occurrence", args=[community.slug, occurrence.pk]))

    assert response.status_code == 200


def my_world(member, meetings: int) -> None:
    """`meetings` answered upcoming meetings across communities, as many unanswered, as many attended."""
    for i in range(meetings):
        community = CommunityFactory()
        MembershipFactory(community=community, user=member, role=Role.MEMBER)
        series = MeetingSeriesFactory(community=community, capacity=1)
        answered = OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=1, hours=i))
        RsvpFactory(occurrence=answered, user=UserFactory())
        RsvpFactory(occurrence=answered, user=member, waitlisted=bool(i % 2))
        OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(days=8, hours=i))
        past = OccurrenceFactory(series=series, starts_at=NOW - dt.timedelta(days=7, hours=i))
        RsvpFactory(occurrence=past, user=member, attended=True)


def test_my_meetings_costs_the_same_at_2_and_at_30_meetings(client):
    """Guards: series/community per row, a waiting-list count per row, memberships per row."""
    few, many = UserFactory(), UserFactory()
    my_world(few, 2)
    my_world(many, 30)

    client.force_login(few)
    few_count = page_queries(client, reverse("meetings:my_meetings"))
    client.force_login(many)
    response = client.get(reverse("meetings:my_meetings"))
    many_count = page_queries(client, reverse("meetings:my_meetings"))

    assert len(response.context["upcoming"]) == 30
    assert len(response.context["others"]) == MY_OTHERS_LIMIT
    assert len(response.context["attended"]) == MY_PAST_LIMIT
    assert few_count == many_count
    assert many_count <= MY_MEETINGS_BUDGET
