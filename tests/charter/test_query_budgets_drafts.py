"""Query budgets of the charter pages: the same whether a charter has 2 versions or 20.

Each test builds the history through the services, counts the queries of the page,
grows the history, counts again, then pins the budget. Budgets include the session,
the user and the bell (3) and the community lookup with my membership and pending
request (3), as in tests/test_query_budgets.py.
"""

import pytest
from django.urls import reverse

from charter.services import drafts as services
from tests.charter.drafts_support import fresh_charter, in_review
from tests.charter.factories import ObjectiveFactory, ValueStoryFactory
from tests.factories import CommunityFactory, MembershipFactory
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 20

# + charter with its approved version and approver, value matrix, stories per objective, latest version
DETAIL_BUDGET = 10
HISTORY_BUDGET = 8  # + charter, versions with authors and reviewers
# + charter, version and previous, last approved before it
REVIEW_BUDGET = 9
AWAITING_BUDGET = 4  # + the charters with their communities and latest versions


def grow_history(charter, *, editor, sponsor, rounds: int) -> None:
    """`rounds` more versions, alternately approved and sent back; the last one stays in review."""
    for _ in range(rounds):
        charter.refresh_from_db()
        version = charter.versions.order_by("-number").first()
        if version is not None and version.status == "in_review":
            if version.number % 2:
                services.charter_approve(version=version, by=sponsor, comment="Fine")
            else:
                services.charter_request_changes(version=version, by=sponsor, comment="Again")
        charter.refresh_from_db()
        services.charter_draft_update(
            charter=charter,
            by=editor,
            data={"vision": f"Vision take {charter.draft_revision + 1}"},
            expected_revision=charter.draft_revision,
        )
        services.charter_submit(charter=charter, by=editor)


def flat_then_pinned(client, url, grow, budget, django_assert_max_num_queries):
    grow(FEW)
    client.get(url)  # warm per-process caches
    few = page_queries(client, url)
    grow(MANY - FEW)
    many = page_queries(client, url)
    assert few == many, f"{url}: {few} queries for {FEW} versions but {many} for {MANY}"
    with django_assert_max_num_queries(budget):
        client.get(url)


@pytest.fixture
def history(community, moderator, sponsor):
    charter = fresh_charter(community)
    for n in range(4):
        objective = ObjectiveFactory(charter=charter, title=f"Objective {n}")
        for _ in range(3):
            ValueStoryFactory(community=community, objective=objective)

    def grow(rounds):
        grow_history(charter, editor=moderator, sponsor=sponsor, rounds=rounds)

    return grow


def test_charter_page_queries_do_not_grow_with_versions(
    client, community, moderator, history, django_assert_max_num_queries
):
    """Guards an N+1 over versions or over objectives' stories on the charter page."""
    client.force_login(moderator)

    flat_then_pinned(
        client,
        reverse("charter:detail", args=[community.slug]),
        history,
        DETAIL_BUDGET,
        django_assert_max_num_queries,
    )


def test_history_queries_do_not_grow_with_versions(
    client, community, moderator, history, django_assert_max_num_queries
):
    """Guards a query per version for its author or reviewer."""
    client.force_login(moderator)

    flat_then_pinned(
        client,
        reverse("charter:history", args=[community.slug]),
        history,
        HISTORY_BUDGET,
        django_assert_max_num_queries,
    )


def test_review_queries_do_not_grow_with_versions(
    client, community, sponsor, history, django_assert_max_num_queries
):
    """Guards walking the history to find the last approved version."""
    client.force_login(sponsor)

    def url():
        number = community.charter.versions.order_by("-number").first().number
        return reverse("charter:review", args=[community.slug, number])

    history(FEW)
    client.get(url())
    few = page_queries(client, url())
    history(MANY - FEW)
    many = page_queries(client, url())
    assert few == many
    latest = url()
    with django_assert_max_num_queries(REVIEW_BUDGET):
        client.get(latest)


def test_awaiting_review_queries_do_not_grow_with_communities(
    client, moderator, sponsor, django_assert_max_num_queries
):
    """Guards a query per charter for its community or its latest version."""
    client.force_login(sponsor)
    url = reverse("charter:awaiting_review")

    def grow(n):
        for _ in range(n):
            c = CommunityFactory()
            MembershipFactory(community=c, user=sponsor, role="sponsor")
            MembershipFactory(community=c, user=moderator, role="moderator")
            in_review(c, by=moderator)

    flat_then_pinned(client, url, grow, AWAITING_BUDGET, django_assert_max_num_queries)
