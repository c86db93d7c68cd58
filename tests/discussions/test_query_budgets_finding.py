"""Query budgets of search, similar questions and help wanted: flat in the number of requests.

Same method as tests/test_query_budgets.py: count over FEW requests, grow to MANY,
count again (an N+1 would grow it), then pin the budget.
"""

import pytest
from django.urls import reverse

from tests.discussions.finding_helpers import ask
from tests.factories import CommunityFactory, MembershipFactory
from tests.test_query_budgets import assert_flat_then_pinned

# Every signed-in page: session, user, unread notifications count.
# Search: + readable communities for the filter, tags for the filter, page count, page, tags of the page.
SEARCH_BUDGET = 8
# Search with filters only (no words): + the chosen community (the form checks it is readable).
FILTER_BUDGET = 9
# Similar fragment: session, user, community + my membership + my pending request, the five results.
SIMILAR_BUDGET = 6
# Help wanted everywhere: + my expertise (for the filter), page count, page, tags of the page.
HELP_WANTED_BUDGET = 7
# "Matches my expertise" adds nothing: the expertise is a subquery of the same queries.
HELP_WANTED_MINE_BUDGET = 7
# Community help wanted: + community pages' 3 (community, membership, pending request).
COMMUNITY_HELP_WANTED_BUDGET = 10


@pytest.fixture
def grow(community, private_community, member):
    """Requests with replies and tags in the member's two communities and one they cannot read."""
    member.expertise.set(["helm"])
    elsewhere = CommunityFactory(private=True)
    made = []

    def grow(n):
        for _ in range(n):
            i = len(made)
            target = (community, private_community, elsewhere)[i % 3]
            made.append(
                ask(
                    target,
                    f"Helm release rollback fails {i}",
                    tags=["helm", f"topic-{i % 7}"],
                    replies=["Try helm history."] if i % 2 else (),
                )
            )

    return grow


def test_search_queries_do_not_grow_with_requests(
    client, member, grow, django_assert_max_num_queries
):
    """Guards the community, tags and reply count of each result."""
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:search"),
        grow,
        SEARCH_BUDGET,
        django_assert_max_num_queries,
        q="helm",
    )


def test_search_by_filters_only_does_not_grow(
    client, member, grow, community, django_assert_max_num_queries
):
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:search"),
        grow,
        FILTER_BUDGET,
        django_assert_max_num_queries,
        unanswered="on",
        tag="helm",
        community=community.slug,
    )


def test_similar_queries_do_not_grow_with_requests(
    client, member, community, grow, django_assert_max_num_queries
):
    """Guards the community name shown for requests from other communities."""
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:similar", args=[community.slug]),
        grow,
        SIMILAR_BUDGET,
        django_assert_max_num_queries,
        title="Helm release rollback",
    )


def test_help_wanted_queries_do_not_grow_with_requests(
    client, member, grow, django_assert_max_num_queries
):
    """Guards the community, tags, reply count and age of each request."""
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:help_wanted"),
        grow,
        HELP_WANTED_BUDGET,
        django_assert_max_num_queries,
    )


def test_help_wanted_matching_my_expertise_does_not_grow(
    client, member, grow, django_assert_max_num_queries
):
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:help_wanted"),
        grow,
        HELP_WANTED_MINE_BUDGET,
        django_assert_max_num_queries,
        mine="1",
    )


def test_community_help_wanted_queries_do_not_grow(
    client, member, community, grow, django_assert_max_num_queries
):
    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:community_help_wanted", args=[community.slug]),
        grow,
        COMMUNITY_HELP_WANTED_BUDGET,
        django_assert_max_num_queries,
    )


def test_help_wanted_does_not_grow_with_my_communities(
    client, member, django_assert_max_num_queries
):
    """Guards a query per community the person belongs to."""
    made = []

    def grow(n):
        for _ in range(n // 10 or 1):
            c = CommunityFactory()
            MembershipFactory(community=c, user=member)
            made.append(ask(c, f"Question {len(made)}"))

    client.force_login(member)
    assert_flat_then_pinned(
        client,
        reverse("discussions:help_wanted"),
        grow,
        HELP_WANTED_BUDGET,
        django_assert_max_num_queries,
    )
