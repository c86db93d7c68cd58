"""Query budgets of the vision round and value story pages: 5 items, then 50, the same queries.

The first request of a test warms per-process caches so that they do not count.
Budgets for a signed-in member: session, user, the bell's unread count, and the
community pages' 3 (community, my membership, my pending request).
"""

import pytest
from django.urls import reverse

from charter.models import Endorsement, Prompt
from tests.charter.factories import (
    CharterFactory,
    ContributionFactory,
    ObjectiveFactory,
    ValueStoryFactory,
    VisionRoundFactory,
)
from tests.factories import UnitFactory, UserFactory
from tests.queries import page_queries

FEW, MANY = 5, 50

ROUND_BUDGET = 9  # + the round, its contributions with authors, my endorsements
ROUNDS_BUDGET = 8  # + the charter (get_or_create), the rounds with counts and who opened/closed them
STORIES_BUDGET = 10  # + objectives for the filter, the matrix (one query), page count, page
STORY_BUDGET = 7  # + the story with author, unit and objective


def assert_flat(client, url, grow, budget, django_assert_max_num_queries):
    grow(FEW)
    client.get(url)
    few = page_queries(client, url)
    grow(MANY - FEW)
    many = page_queries(client, url)
    assert few == many, f"{url}: {few} queries for {FEW} items but {many} for {MANY}"
    with django_assert_max_num_queries(budget):
        client.get(url)


def test_round_page_queries_do_not_grow_with_contributions(client, member, community, django_assert_max_num_queries):
    """Guards each idea's author (and unit), role badge, and whether I endorsed it."""
    vision_round = VisionRoundFactory(charter=CharterFactory(community=community))
    units = [UnitFactory(name=f"Unit {n}", slug=f"unit-{n}") for n in range(3)]
    prompts = list(Prompt.values)

    def grow(n):
        for i in range(n):
            idea = ContributionFactory(
                vision_round=vision_round, prompt=prompts[i % 4], author=UserFactory(unit=units[i % 3])
            )
            if i % 2:
                Endorsement.objects.create(contribution=idea, user=member)

    client.force_login(member)
    url = reverse("charter:vision_round", args=[community.slug, vision_round.pk])
    assert_flat(client, url, grow, ROUND_BUDGET, django_assert_max_num_queries)


def test_rounds_list_queries_do_not_grow_with_rounds(client, member, community, django_assert_max_num_queries):
    """Guards each round's opener, closer and counts of ideas and used ideas."""
    charter = CharterFactory(community=community)

    def grow(n):
        for _ in range(n):
            vision_round = VisionRoundFactory(charter=charter, opened_by=UserFactory(), closed_by=UserFactory())
            ContributionFactory(vision_round=vision_round, used_in_draft=True)

    client.force_login(member)
    assert_flat(client, reverse("charter:vision_rounds", args=[community.slug]), grow, ROUNDS_BUDGET,
                django_assert_max_num_queries)


def test_stories_page_queries_do_not_grow_with_stories(client, member, community, django_assert_max_num_queries):
    """Guards each story's author and objective, and the matrix's counts and latest titles."""
    charter = CharterFactory(community=community)
    objectives = [ObjectiveFactory(charter=charter) for _ in range(3)]
    cells = [("short", "members"), ("short", "organisation"), ("long", "members"), ("long", "organisation")]

    def grow(n):
        for i in range(n):
            horizon, beneficiary = cells[i % 4]
            ValueStoryFactory(
                community=community, author=UserFactory(), horizon=horizon, beneficiary=beneficiary,
                objective=objectives[i % 3] if i % 2 else None,
            )

    client.force_login(member)
    assert_flat(client, reverse("charter:stories", args=[community.slug]), grow, STORIES_BUDGET,
                django_assert_max_num_queries)


def test_story_page_has_a_fixed_budget(client, member, community, django_assert_max_num_queries):
    story = ValueStoryFactory(
        community=community, author=UserFactory(unit=UnitFactory()),
        objective=ObjectiveFactory(charter=CharterFactory(community=community)),
    )
    client.force_login(member)
    url = reverse("charter:story", args=[community.slug, story.pk])
    client.get(url)

    with django_assert_max_num_queries(STORY_BUDGET):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [FEW, MANY])
def test_the_anonymous_stories_page_costs_the_same_for_few_or_many(client, community, n, django_assert_max_num_queries):
    ValueStoryFactory.create_batch(n, community=community)
    client.get(reverse("charter:stories", args=[community.slug]))

    with django_assert_max_num_queries(5):
        client.get(reverse("charter:stories", args=[community.slug]))
