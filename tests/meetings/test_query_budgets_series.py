"""Query budgets of the meetings list, the series page and the community page's "Next meeting" card.

Each test counts a page's queries over 2 items, grows to 20, counts again and
asserts the counts are equal (a query per row would make the second grow), then
pins the budget. The docstrings name the N+1 each guards.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Occurrence, RsvpResponse
from meetings.services import recurrence
from tests.factories import UserFactory
from tests.meetings.factories import MeetingSeriesFactory, RsvpFactory
from tests.test_query_budgets import DETAIL_BUDGET

FEW, MANY = 2, 20
# Every signed-in community page: session, user, bell count; the community, my membership, my request.
LIST_BUDGET = (
    9  # + page count, page (occurrences with series, organiser, community), running series
)
PAST_BUDGET = 9  # + page count, page, running series
SERIES_BUDGET = 8  # + the series with its organiser, its next meetings

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def queries_for(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def assert_flat_then_pinned(client, url, grow, budget, django_assert_max_num_queries, **params):
    grow(FEW)
    client.get(url, params)  # warm the caches
    few = queries_for(client, url, **params)
    grow(MANY - FEW)
    many = queries_for(client, url, **params)
    assert few == many, f"{url}: {few} queries for {FEW} items but {many} for {MANY}"
    with django_assert_max_num_queries(budget):
        client.get(url, params)


def grow_series(community, *, start=dt.date(2026, 1, 8), since=None):
    """Weekly series, each with its meetings made from `since` (default now) and one RSVP."""

    def grow(n):
        for _ in range(n):
            series = MeetingSeriesFactory(
                community=community,
                organiser=UserFactory(),
                rrule="FREQ=WEEKLY;BYDAY=TH",
                start_date=start,
            )
            recurrence.extend_series(series, now=since)
            first = series.occurrences.earliest("starts_at")
            RsvpFactory(occurrence=first, response=RsvpResponse.GOING)

    return grow


def test_list_queries_do_not_grow_with_series_and_meetings(
    client, member, community, django_assert_max_num_queries
):
    """Guards each meeting's series and community (title, place, link), and each series' organiser
    and schedule in "Regular meetings"."""
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("meetings:list", args=[community.slug]),
        grow_series(community),
        LIST_BUDGET,
        django_assert_max_num_queries,
    )


def test_past_list_queries_do_not_grow(client, member, community, django_assert_max_num_queries):
    """Guards each past meeting's series and community."""
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("meetings:list", args=[community.slug]),
        grow_series(community, start=dt.date(2025, 10, 2), since=NOW - dt.timedelta(days=90)),
        PAST_BUDGET,
        django_assert_max_num_queries,
        past="1",
    )


def test_series_page_queries_do_not_grow_with_meetings(
    client, member, community, django_assert_max_num_queries
):
    """Guards the series, organiser and community of each of the next meetings."""
    series = MeetingSeriesFactory(community=community, rrule="", start_date=dt.date(2026, 1, 8))
    made = [0]

    def grow(n):
        # More meetings of one series: one-off-like extra occurrences on later days.
        for _ in range(n):
            made[0] += 1
            start = dt.datetime(2026, 1, 8, 9, tzinfo=dt.UTC) + dt.timedelta(days=made[0])
            Occurrence.objects.create(
                series=series,
                community=community,
                original_start=start,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
            )

    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("meetings:series", args=[community.slug, series.pk]),
        grow,
        SERIES_BUDGET,
        django_assert_max_num_queries,
    )


def test_the_next_meeting_card_costs_the_community_page_one_query(
    client, member, community, django_assert_max_num_queries, settings
):
    """The card reads one occurrence with its series, organiser and community in one query,
    whatever the number of series and meetings."""
    # Every request reads the cards (communities/cards.py) as on a cache miss: the costly path is
    # the one held flat here; tests/communities/test_cards.py pins the cached one.
    settings.COMMUNITY_CARDS_SECONDS = 0
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("communities:detail", args=[community.slug]),
        grow_series(community),
        DETAIL_BUDGET,
        django_assert_max_num_queries,
    )
