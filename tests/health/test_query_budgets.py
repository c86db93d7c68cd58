"""Query budgets of the health pages: a small community, then a much bigger one, the same queries.

The first request of a test warms per-process caches so that they do not count.
Every request pays: session, user, the bell's unread count; community pages add
the community, my membership and my pending request (one query with its two
prefetches = 3).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from charter.models import CharterState, VersionStatus
from communities.kinds import AuditAction
from communities.models import AuditEvent, Role
from tests.charter.factories import (
    CharterFactory,
    CharterVersionFactory,
    ObjectiveFactory,
    ValueStoryFactory,
)
from tests.discussions.factories import HelpfulVoteFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory
from tests.queries import page_queries

FEW, MANY = 3, 30

# 6 for every community page + the 12 queries of health.metrics.community_health.
PAGE_BUDGET = 18
CSV_BUDGET = 17  # no page around it: no bell
# 3 for every page + the 9 queries of health.overview.sponsor_overview.
OVERVIEW_BUDGET = 12


def assert_flat(client, url, grow, budget, django_assert_max_num_queries):
    grow(FEW)
    client.get(url)
    few = page_queries(client, url)
    grow(MANY - FEW)
    many = page_queries(client, url)
    assert few == many, f"{url}: {few} queries with {FEW} of everything but {many} with {MANY}"
    with django_assert_max_num_queries(budget):
        client.get(url)


def grow_community(community):
    """`n` more of everything the health figures count, spread over units and both periods."""
    now = timezone.now()
    charter = CharterFactory(community=community)
    if charter.approved_version is None:
        version = CharterVersionFactory(
            charter=charter,
            number=1,
            status=VersionStatus.APPROVED,
            reviewed_at=now - dt.timedelta(days=45),
            revisit_by=(now + dt.timedelta(days=300)).date(),
        )
        charter.approved_version = version
        charter.state = CharterState.APPROVED
        charter.save()
    series = MeetingSeriesFactory(community=community)
    made = []

    def grow(n: int) -> None:
        for i in range(len(made), len(made) + n):
            made.append(i)
            asker, helper = UserFactory(), UserFactory()  # each from a unit of their own
            for person, days_ago in ((asker, 5 + i % 50), (helper, 200)):
                joined = now - dt.timedelta(days=days_ago)
                MembershipFactory(
                    community=community, user=person, joined_at=joined, first_joined_at=joined
                )
                AuditEvent.objects.create(
                    community=community,
                    actor=person,
                    subject=person,
                    action=AuditAction.JOINED,
                    created_at=joined,
                )
            asked = now - dt.timedelta(days=1 + i % 55, hours=3)
            request = HelpRequestFactory(community=community, author=asker, created_at=asked)
            if i % 3:
                reply = ReplyFactory(
                    help_request=request,
                    author=helper,
                    created_at=asked + dt.timedelta(hours=i + 1),
                )
                HelpfulVoteFactory(reply=reply, user=asker, created_at=reply.created_at)
                request.first_reply_at = reply.created_at
                request.reply_count = 1
                if i % 2:
                    request.accepted_reply = reply
                    request.accepted_at = reply.created_at + dt.timedelta(hours=1)
                request.save()
            starts = now - dt.timedelta(days=2 + i % 50, minutes=i)
            occurrence = OccurrenceFactory(series=series, starts_at=starts, original_start=starts)
            RsvpFactory(occurrence=occurrence, user=asker, attended=bool(i % 2))
            objective = ObjectiveFactory(charter=charter)
            ValueStoryFactory(community=community, author=helper, objective=objective)

    return grow


@pytest.mark.parametrize("persona", ["moderator", "sponsor"])
def test_health_page_queries_do_not_grow_with_the_community(
    client, request, community, persona, django_assert_max_num_queries
):
    """Guards figures per member, per request and per reply, the weekly series, the unit
    matrix (unit names), objectives' story counts and the value matrix."""
    client.force_login(request.getfixturevalue(persona))
    url = reverse("health:community", args=[community.slug])

    assert_flat(client, url, grow_community(community), PAGE_BUDGET, django_assert_max_num_queries)


@pytest.mark.parametrize("days", [90, 365])
def test_longer_periods_cost_the_same(
    client, moderator, community, days, django_assert_max_num_queries
):
    client.force_login(moderator)
    url = reverse("health:community", args=[community.slug]) + f"?days={days}"

    assert_flat(client, url, grow_community(community), PAGE_BUDGET, django_assert_max_num_queries)


def test_csv_queries_do_not_grow_with_the_community(
    client, sponsor, community, django_assert_max_num_queries
):
    client.force_login(sponsor)
    url = reverse("health:community_csv", args=[community.slug])

    assert_flat(client, url, grow_community(community), CSV_BUDGET, django_assert_max_num_queries)


def test_overview_queries_do_not_grow_with_communities_or_their_size(
    client, sponsor, django_assert_max_num_queries
):
    """Guards each community's figures, its verdict and its charter awaiting review."""
    client.force_login(sponsor)
    url = reverse("health:overview")
    growers = []

    def grow(n: int) -> None:
        for _ in range(n):
            community = CommunityFactory()
            MembershipFactory(community=community, user=sponsor, role=Role.SPONSOR)
            growers.append(grow_community(community))
            charter = community.charter
            CharterVersionFactory(charter=charter, number=2)
            charter.state = CharterState.IN_REVIEW
            charter.save()
        for g in growers:
            g(1)

    assert_flat(client, url, grow, OVERVIEW_BUDGET, django_assert_max_num_queries)


def test_site_admin_overview_of_every_community_stays_flat(
    client, site_admin, django_assert_max_num_queries
):
    client.force_login(site_admin)
    url = reverse("health:overview")

    def grow(n: int) -> None:
        for _ in range(n):
            grow_community(CommunityFactory())(2)

    assert_flat(client, url, grow, OVERVIEW_BUDGET, django_assert_max_num_queries)
