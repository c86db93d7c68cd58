"""Query budgets of the list and detail pages.

Each test renders a page over 5 items, then over 200, and asserts the number of
queries is the same: a query per row (an N+1) would make the second count grow.
It then pins the budget with `django_assert_max_num_queries`, so a new query on
the page is a deliberate decision. The docstrings name the N+1 each test guards.

The first request of a test warms per-process caches (content types, the site)
so that they do not count against the page.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import JoinRequest, Membership, Role
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    MembershipFactory,
    NotificationFactory,
    UnitFactory,
    UserFactory,
)
from tests.queries import page_queries

FEW, MANY = 5, 200

# Every budget for a signed-in person includes the session, the user and the bell's unread count.
# Community pages add the community, my membership and my pending request (policy.community_access_or_404).
DIRECTORY_BUDGET = 7  # + page count, page, tags, my memberships
ANONYMOUS_DIRECTORY_BUDGET = 3  # page count, page, tags
DETAIL_BUDGET = 12  # + community pages' 3, counts, tags, stewards, approved charter, latest help requests
# ... and the "Next meeting" card: one query for the occurrence with its series, organiser and community.
MEMBERS_BUDGET = 11  # + community pages' 3, page count, counts, page, expertise, units
PEOPLE_BUDGET = 7  # + page count, units for the filter, page, expertise
NOTIFICATIONS_BUDGET = 5  # + page count, page
# + invitations, pending requests, recent notifications, mine and suggestions (each: page, tags, my roles)
DASHBOARD_BUDGET = 12
ANONYMOUS_HOME_BUDGET = 2  # featured, their tags
JOIN_REQUESTS_BUDGET = 8  # + community pages' 3, pending, recently answered
INVITATIONS_BUDGET = 8  # + community pages' 3, page count, page
AUDIT_LOG_BUDGET = 8  # + community pages' 3, page count, page
PROFILE_BUDGET = 6  # + person, expertise, memberships with their communities


def assert_flat_then_pinned(client, url, grow, budget, django_assert_max_num_queries, **params):
    """Count the queries over FEW items, grow to MANY, count again, and hold the page to its budget."""
    grow(FEW)
    client.get(url, params)  # warm the caches
    few = page_queries(client, url, **params)
    grow(MANY - FEW)
    many = page_queries(client, url, **params)
    assert few == many, f"{url}: {few} queries for {FEW} items but {many} for {MANY}"
    with django_assert_max_num_queries(budget):
        client.get(url, params)


@pytest.fixture
def units(db):
    return [UnitFactory(name=f"Budget unit {n}", slug=f"budget-unit-{n}") for n in range(6)]


@pytest.fixture
def pool(units):
    """A few people who belong to many communities, each from a unit, each with expertise."""
    return [
        UserFactory(unit=units[n % len(units)], expertise=[f"skill-{n}", "shared"])
        for n in range(4)
    ]


def test_directory_queries_do_not_grow_with_communities(
    client, member, pool, django_assert_max_num_queries
):
    """Guards the tags, the member and unit counts, and my role on each community card."""
    made = []

    def grow(n):
        for _ in range(n):
            community = CommunityFactory(tags=[f"topic-{len(made) % 9}", "practice"])
            for person in pool[:2]:
                MembershipFactory(community=community, user=person)
            if len(made) % 2:
                MembershipFactory(community=community, user=member, role=Role.CORE)
            made.append(community)

    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("communities:directory"),
        grow,
        DIRECTORY_BUDGET,
        django_assert_max_num_queries,
    )


def test_directory_for_anonymous_queries_do_not_grow(client, pool, django_assert_max_num_queries):
    """Guards the tags and the member and unit counts on each card an anonymous visitor sees."""

    def grow(n):
        for _ in range(n):
            community = CommunityFactory(tags=["practice"])
            MembershipFactory(community=community, user=pool[0])

    assert_flat_then_pinned(
        client,
        reverse("communities:directory"),
        grow,
        ANONYMOUS_DIRECTORY_BUDGET,
        django_assert_max_num_queries,
    )


def test_detail_queries_do_not_grow_with_members_and_stewards(
    client, member, community, units, django_assert_max_num_queries, settings
):
    """Guards each steward's user and unit in "Who runs it", and the community's tags."""
    # Every request reads the cards (communities/cards.py) as on a cache miss: the costly path is
    # the one held flat here; tests/communities/test_cards.py pins the cached one.
    settings.COMMUNITY_CARDS_SECONDS = 0
    roles = [Role.MODERATOR, Role.SPONSOR, Role.MEMBER, Role.CORE]
    count = [0]

    def grow(n):
        for _ in range(n):
            person = UserFactory(unit=units[count[0] % len(units)])
            MembershipFactory(community=community, user=person, role=roles[count[0] % len(roles)])
            community.tags.add(f"topic-{count[0]}")
            count[0] += 1

    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("communities:detail", args=[community.slug]),
        grow,
        DETAIL_BUDGET,
        django_assert_max_num_queries,
    )


def test_members_queries_do_not_grow_with_members(
    client, moderator, community, units, django_assert_max_num_queries
):
    """Guards each member's user, unit and expertise tags, and the units-represented list."""
    count = [0]

    def grow(n):
        for _ in range(n):
            person = UserFactory(
                unit=units[count[0] % len(units)], expertise=[f"skill-{count[0]}", "kubernetes"]
            )
            MembershipFactory(community=community, user=person)
            count[0] += 1

    client.force_login(moderator)
    assert_flat_then_pinned(
        client,
        reverse("communities:members", args=[community.slug]),
        grow,
        MEMBERS_BUDGET,
        django_assert_max_num_queries,
    )


def test_people_queries_do_not_grow_with_people(
    client, outsider, units, django_assert_max_num_queries
):
    """Guards each person's unit and expertise tags in the people directory."""
    count = [0]

    def grow(n):
        for _ in range(n):
            UserFactory(
                unit=units[count[0] % len(units)], expertise=[f"skill-{count[0]}", "python"]
            )
            count[0] += 1

    client.force_login(outsider)
    assert_flat_then_pinned(
        client, reverse("accounts:people"), grow, PEOPLE_BUDGET, django_assert_max_num_queries
    )


def test_notifications_queries_do_not_grow_with_notifications(
    client, member, moderator, community, django_assert_max_num_queries
):
    """Guards each notification's actor and community."""

    def grow(n):
        for i in range(n):
            NotificationFactory(
                recipient=member,
                actor=moderator,
                community=community,
                read_at=timezone.now() if i % 2 else None,
            )

    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("notifications:list"),
        grow,
        NOTIFICATIONS_BUDGET,
        django_assert_max_num_queries,
    )


def test_dashboard_queries_do_not_grow(
    client, member, moderator, pool, django_assert_max_num_queries
):
    """Guards my communities' tags, counts and my role on each card, and the community of each
    open invitation, each pending request and each recent notification."""

    def grow(n):
        for _ in range(n):
            mine = CommunityFactory(tags=["practice", "mine"])
            MembershipFactory(community=mine, user=member, role=Role.CORE)
            MembershipFactory(community=mine, user=pool[0])
            invited = CommunityFactory(private=True)
            InvitationFactory(community=invited, email=member.email, invited_by=moderator)
            asked = CommunityFactory(listed=True, tags=["suggested"])
            MembershipFactory(community=asked, user=pool[1])
            JoinRequest.objects.create(community=asked, user=member)
            NotificationFactory(recipient=member, actor=moderator, community=mine)

    client.force_login(member)
    assert_flat_then_pinned(
        client, reverse("home"), grow, DASHBOARD_BUDGET, django_assert_max_num_queries
    )
    assert Membership.objects.filter(user=member, is_active=True).count() == MANY + 2


def test_home_for_anonymous_queries_do_not_grow(client, pool, django_assert_max_num_queries):
    """Guards the tags and counts on each featured community card."""

    def grow(n):
        for _ in range(n):
            community = CommunityFactory(tags=["practice"])
            MembershipFactory(community=community, user=pool[0])

    assert_flat_then_pinned(
        client, reverse("home"), grow, ANONYMOUS_HOME_BUDGET, django_assert_max_num_queries
    )


def test_join_requests_queries_do_not_grow(client, moderator, units, django_assert_max_num_queries):
    """Guards each requester's user and unit, and who answered each recent request."""
    community = CommunityFactory(listed=True)
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    count = [0]

    def grow(n):
        for _ in range(n):
            JoinRequest.objects.create(
                community=community, user=UserFactory(unit=units[count[0] % len(units)])
            )
            JoinRequest.objects.create(
                community=community,
                user=UserFactory(),
                status="declined",
                decided_by=moderator,
                decided_at=timezone.now(),
                reason="Not now",
            )
            count[0] += 1

    client.force_login(moderator)
    assert_flat_then_pinned(
        client,
        reverse("communities:join_requests", args=[community.slug]),
        grow,
        JOIN_REQUESTS_BUDGET,
        django_assert_max_num_queries,
    )


def test_invitations_queries_do_not_grow(
    client, moderator, private_community, django_assert_max_num_queries
):
    """Guards who sent and who accepted each invitation."""
    count = [0]

    def grow(n):
        for _ in range(n):
            accepted = count[0] % 2 == 0
            InvitationFactory(
                community=private_community,
                invited_by=moderator,
                status="accepted" if accepted else "pending",
                accepted_by=UserFactory() if accepted else None,
            )
            count[0] += 1

    client.force_login(moderator)
    assert_flat_then_pinned(
        client,
        reverse("communities:invitations", args=[private_community.slug]),
        grow,
        INVITATIONS_BUDGET,
        django_assert_max_num_queries,
    )


def test_audit_log_queries_do_not_grow(client, moderator, community, django_assert_max_num_queries):
    """Guards the actor and the subject of each audit event."""

    def grow(n):
        for _ in range(n):
            community.audit_events.create(
                actor=moderator,
                subject=UserFactory(),
                action="role_changed",
                detail={"old": "member", "new": "core"},
            )

    client.force_login(moderator)
    assert_flat_then_pinned(
        client,
        reverse("communities:audit_log", args=[community.slug]),
        grow,
        AUDIT_LOG_BUDGET,
        django_assert_max_num_queries,
    )


def test_profile_queries_do_not_grow_with_communities(
    client, outsider, member, django_assert_max_num_queries
):
    """Guards the community of each membership listed on a profile."""

    def grow(n):
        for i in range(n):
            MembershipFactory(community=CommunityFactory(), user=member, role=Role.CORE)
            member.expertise.add(f"skill-{member.expertise.count()}-{i}")

    client.force_login(outsider)
    assert_flat_then_pinned(
        client,
        reverse("accounts:profile", args=[member.pk]),
        grow,
        PROFILE_BUDGET,
        django_assert_max_num_queries,
    )
