"""The health figures cost a fixed number of queries, whatever the community's size.

Guards against per-member, per-request or per-week queries creeping into
`community_health`: a community of 3 members and 5 requests and one of 200
members and 400 replies must cost exactly the same.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from charter.models import VersionStatus
from health.metrics import community_health, period_for
from meetings.models import RsvpResponse
from tests.charter.factories import (
    CharterFactory,
    CharterVersionFactory,
    ObjectiveFactory,
    ValueStoryFactory,
)
from tests.discussions.factories import HelpfulVoteFactory
from tests.factories import CommunityFactory, UnitFactory
from tests.health.factories import accept, ask, person_with_history, reply
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory
from tests.queries import call_queries

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
# Membership, active people, help counts, medians, reach, meetings, charter, objectives,
# value matrix (1 each); weekly asked, answered and active (3).
QUERIES = 12


def ago(days=0, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def build(members: int, requests: int, replies: int):
    community = CommunityFactory()
    units = [UnitFactory() for _ in range(5)]
    people = [
        person_with_history(
            community,
            *(((ago(200), ago(50)), (ago(20), None)) if n % 7 == 0 else ((ago(100 - n % 90), None),)),
            unit=units[n % 5],
        )
        for n in range(members)
    ]
    cycle = itertools.cycle(people)
    asked = [ask(community, next(cycle), ago(n % 60, hours=3)) for n in range(requests)]
    for n in range(replies):
        request = asked[n % len(asked)]
        answer = reply(request, next(cycle), request.created_at + timedelta(hours=1 + n % 30))
        if n % 9 == 0 and request.accepted_reply_id is None:
            accept(request, answer, answer.created_at + timedelta(hours=2))
        if n % 4 == 0:
            HelpfulVoteFactory(reply=answer, user=next(cycle), created_at=answer.created_at)
    series = MeetingSeriesFactory(community=community)
    for n in range(max(1, members // 50)):
        meeting = OccurrenceFactory(series=series, starts_at=ago(7 * n + 1), ends_at=ago(7 * n + 1) + timedelta(hours=1))
        for person in people[n::4][:20]:
            RsvpFactory(occurrence=meeting, user=person, response=RsvpResponse.GOING, attended=True)
    charter = CharterFactory(community=community)
    version = CharterVersionFactory(charter=charter, status=VersionStatus.APPROVED, reviewed_at=ago(40))
    charter.approved_version = version
    charter.save()
    for _ in range(max(1, members // 40)):
        ValueStoryFactory(community=community, objective=ObjectiveFactory(charter=charter))
    return community


def queries_for(community, days: int) -> int:
    period = period_for(days, now=NOW)
    return call_queries(lambda: community_health(community, period=period, now=NOW))[0]


@pytest.mark.django_db
@pytest.mark.parametrize("days", [30, 365])
def test_a_small_and_a_large_community_cost_the_same_queries(days):
    with time_machine.travel(NOW, tick=False):
        small = build(members=3, requests=5, replies=6)
        large = build(members=200, requests=80, replies=400)

        assert queries_for(small, days) == QUERIES
        assert queries_for(large, days) == QUERIES


@pytest.mark.django_db
def test_an_empty_community_costs_the_same_queries():
    with time_machine.travel(NOW, tick=False):
        assert queries_for(CommunityFactory(), 90) == QUERIES
