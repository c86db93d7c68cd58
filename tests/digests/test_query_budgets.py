"""Digests are built and recorded per batch of people with a fixed number of queries.

Ten people or sixty with the same mix of roles and the same kinds of news cost the
same queries; a new per-person query (an N+1 over people or over sections) fails here.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DigestFrequency, User
from charter.models import CharterState
from communities.models import Role
from digests import delivery as digest_delivery
from discussions.models import RequestStatus
from notifications.models import DigestDelivery
from tests.charter.factories import CharterFactory, CharterVersionFactory
from tests.discussions.factories import FlagFactory, FollowFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, JoinRequestFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

NOW = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)
BUILD_BUDGET = 14
ROLES = [Role.MEMBER, Role.MEMBER, Role.CORE, Role.MODERATOR, Role.SPONSOR]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def places(db):
    """Three communities (one private) with a week of everything a digest shows."""
    made = [CommunityFactory(), CommunityFactory(), CommunityFactory(private=True)]
    for community in made:
        for hours in (5, 30, 60, 100):
            HelpRequestFactory(
                community=community,
                tags=["kubernetes"],
                created_at=NOW - dt.timedelta(hours=hours),
                author=UserFactory(digest_frequency=DigestFrequency.NEVER),
            )
        HelpRequestFactory(community=community, created_at=NOW - dt.timedelta(hours=2))  # no tags
        solved = HelpRequestFactory(community=community, created_at=NOW - dt.timedelta(days=3))
        solved.accepted_reply = ReplyFactory(help_request=solved)
        solved.accepted_at = NOW - dt.timedelta(days=1)
        solved.status = RequestStatus.SOLVED
        solved.save()
        community.solved = solved
        FlagFactory(help_request=solved, community=community)
        JoinRequestFactory(community=community)
        charter = CharterFactory(community=community, state=CharterState.IN_REVIEW)
        CharterVersionFactory(charter=charter, number=1)
        series = MeetingSeriesFactory(community=community)
        community.meetings = [
            OccurrenceFactory(series=series, starts_at=NOW + dt.timedelta(hours=h)) for h in (20, 72)
        ]
    return made


def people(places, n: int) -> list:
    made = []
    for i in range(n):
        user = UserFactory(
            expertise=["Kubernetes"], digest_frequency=DigestFrequency.DAILY, digest_hour=8
        )
        for community in (places[i % 3], places[(i + 1) % 3]):
            MembershipFactory(community=community, user=user, role=ROLES[i % len(ROLES)])
            FollowFactory(user=user, help_request=community.solved)
            RsvpFactory(occurrence=community.meetings[0], user=user)
        made.append(user)
    return made


def deliveries_for(users) -> list[DigestDelivery]:
    rows = [
        DigestDelivery.objects.create(
            user=user,
            frequency=DigestFrequency.DAILY,
            period_start=NOW.date(),
            covers_from=NOW - dt.timedelta(days=1, minutes=i),
            covers_to=NOW,
        )
        for i, user in enumerate(users)
    ]
    return list(DigestDelivery.objects.filter(pk__in=[r.pk for r in rows]).select_related("user"))


def count_queries(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def test_building_a_batch_costs_the_same_queries_for_ten_or_sixty_people(places):
    small = deliveries_for(people(places, 10))
    large = deliveries_for(people(places, 60))

    small_queries, small_digests = count_queries(lambda: digest_delivery.build_digests(small, now=NOW))
    large_queries, large_digests = count_queries(lambda: digest_delivery.build_digests(large, now=NOW))

    assert small_queries == large_queries <= BUILD_BUDGET
    # Every section was built, so every query really ran.
    keys = {s.key for d in large_digests for s in d.sections}
    assert keys == {
        "new_requests",
        "for_you",
        "accepted",
        "meetings",
        "join_requests",
        "flags",
        "unanswered",
        "charters",
    }
    assert all(
        d.health for d in large_digests if d.user.memberships.filter(role=Role.SPONSOR).exists()
    )
    assert len(small_digests) == 10


def test_recording_who_is_due_costs_two_queries_per_batch(places):
    due = people(places, 60)
    User.objects.exclude(pk__in=[u.pk for u in due]).update(digest_frequency=DigestFrequency.NEVER)

    queries, recorded = count_queries(lambda: digest_delivery.record_due(now=NOW, batch_size=500))
    assert recorded == 60
    assert queries == 3  # the batch, its insert, and the empty read that ends the walk

    DigestDelivery.objects.all().delete()
    queries, recorded = count_queries(lambda: digest_delivery.record_due(now=NOW, batch_size=25))
    assert recorded == 60
    assert queries == 3 * 2 + 1


def test_delivering_costs_the_batch_plus_one_update_per_email_sent(places, mailoutbox):
    users = people(places, 12)
    ids = [d.pk for d in deliveries_for(users)]

    queries, result = count_queries(lambda: digest_delivery.deliver(ids, now=NOW))

    assert result.sent == 12
    assert len(mailoutbox) == 12
    # Claim (lock and stamp), build, mark any empty ones, then each email's sent_at.
    assert queries <= 2 + BUILD_BUDGET + 1 + 12
