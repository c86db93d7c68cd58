"""Query budgets of the calendar feeds: the same count at 2 and at 30 meetings.

The N+1s guarded: a query per meeting for its series, the series' organiser
(ORGANIZER) or its community (SUMMARY and URL) — all read in the one query for
the meetings — and, in the personal feed, per community for "may I read it".
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.services.calendars import calendar_token_reset
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory
from tests.queries import page_response_queries

pytestmark = pytest.mark.django_db

# session, user; community pages' 3 (community, my membership, my join request); the meetings.
COMMUNITY_FEED_BUDGET = 6
# The person behind the token; the meetings (communities and RSVPs are subqueries of it).
PERSONAL_FEED_BUDGET = 2


def add_meetings(community, count: int, *, rsvp_user=None) -> None:
    """`count` meetings over several series with different organisers, one of them cancelled."""
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    series = [MeetingSeriesFactory(community=community, organiser=UserFactory()) for _ in range(3)]
    for n in range(count):
        occurrence = OccurrenceFactory(
            series=series[n % 3],
            starts_at=start + dt.timedelta(days=n),
            status="cancelled" if n == 1 else "scheduled",
        )
        if rsvp_user is not None:
            RsvpFactory(occurrence=occurrence, user=rsvp_user)


def count_queries(client, url) -> tuple[int, int]:
    queries, response = page_response_queries(client, url)
    return queries, response.content.count(b"BEGIN:VEVENT")


def test_the_community_feed_costs_the_same_at_2_and_at_30_meetings(client, member, community):
    url = reverse("meetings:community_feed", args=[community.slug])
    client.force_login(member)
    add_meetings(community, 2)
    client.get(url)  # warm per-process caches

    few, few_events = count_queries(client, url)
    add_meetings(community, 28)
    many, many_events = count_queries(client, url)

    assert (few_events, many_events) == (2, 30)
    assert few == many <= COMMUNITY_FEED_BUDGET


def test_the_personal_feed_costs_the_same_at_2_and_at_30_meetings(
    client, member, community, private_community
):
    calendar_token_reset(user=member)
    url = reverse("meetings:personal_feed", args=[member.calendar_token])
    add_meetings(private_community, 1)
    # A public community the member does not belong to but said they are going to.
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere)
    add_meetings(elsewhere, 1, rsvp_user=member)
    client.get(url)

    few, few_events = count_queries(client, url)
    add_meetings(community, 14)
    add_meetings(private_community, 7)
    add_meetings(CommunityFactory(), 7, rsvp_user=member)
    many, many_events = count_queries(client, url)

    assert (few_events, many_events) == (2, 30)
    assert few == many <= PERSONAL_FEED_BUDGET
