"""The value reads (matrix and stories per objective) and the story service, against hand-built sets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from charter.models import Beneficiary, Horizon
from charter.selectors.stories import stories, stories_by_objective, value_matrix
from charter.services.stories import value_story_create
from tests.charter.factories import CharterFactory, ObjectiveFactory, ValueStoryFactory
from tests.factories import CommunityFactory

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SHORT, LONG = Horizon.SHORT, Horizon.LONG
MEMBERS, ORG = Beneficiary.MEMBERS, Beneficiary.ORGANISATION


def story(community, horizon, beneficiary, n, minutes=None, **kwargs):
    return ValueStoryFactory(
        community=community, horizon=horizon, beneficiary=beneficiary, minutes_saved=minutes,
        title=f"{horizon}-{beneficiary}-{n}", created_at=T0 + timedelta(days=n), **kwargs,
    )


def cell(matrix, horizon, beneficiary):
    return matrix["cells"][(horizon, beneficiary)]


def test_the_matrix_counts_each_cell_and_keeps_its_three_latest(community):
    for n in range(5):
        story(community, SHORT, ORG, n, minutes=30)
    story(community, LONG, MEMBERS, 1)
    story(community, SHORT, MEMBERS, 1, minutes=15)
    story(CommunityFactory(), SHORT, ORG, 9, minutes=1000)  # another community's story

    matrix = value_matrix(community)

    short_org = cell(matrix, SHORT, ORG)
    assert short_org["count"] == 5
    assert [s.title for s in short_org["latest"]] == ["short-organisation-4", "short-organisation-3",
                                                       "short-organisation-2"]
    assert short_org["minutes_saved"] == 150
    assert cell(matrix, LONG, MEMBERS)["count"] == 1
    assert cell(matrix, LONG, ORG)["count"] == 0 and cell(matrix, LONG, ORG)["latest"] == []
    assert matrix["total"] == 7
    assert matrix["minutes_saved"] == 165
    assert matrix["hours_saved"] == 2.8


def test_the_matrix_is_laid_out_as_in_the_source_table(community):
    matrix = value_matrix(community)

    assert [c["label"] for c in matrix["columns"]] == ["Short term", "Long term"]
    assert [r["label"] for r in matrix["rows"]] == ["Organisation", "Members"]
    assert [(c["horizon"], c["beneficiary"]) for c in matrix["rows"][1]["cells"]] == [(SHORT, MEMBERS), (LONG, MEMBERS)]
    assert matrix["total"] == 0 and matrix["minutes_saved"] == 0


def test_the_matrix_costs_one_query(community, django_assert_num_queries):
    for n in range(8):
        story(community, [SHORT, LONG][n % 2], [ORG, MEMBERS][n // 4], n, minutes=n)

    with django_assert_num_queries(1):
        matrix = value_matrix(community)
        titles = [s.title for c in matrix["cells"].values() for s in c["latest"]]

    assert len(titles) == 8


def test_stories_by_objective_gives_each_objective_its_latest_stories_and_count(community):
    charter = CharterFactory(community=community)
    busy, quiet, empty = (ObjectiveFactory(charter=charter) for _ in range(3))
    for n in range(5):
        story(community, SHORT, ORG, n, objective=busy)
    story(community, LONG, MEMBERS, 1, objective=quiet)
    story(community, LONG, MEMBERS, 2)  # no objective

    found = stories_by_objective(community, [busy.pk, quiet.pk, empty.pk])

    assert [s.title for s in found[busy.pk]] == ["short-organisation-4", "short-organisation-3",
                                                 "short-organisation-2"]
    assert (found[busy.pk].total, found[busy.pk].more) == (5, 2)
    assert (len(found[quiet.pk]), found[quiet.pk].total, found[quiet.pk].more) == (1, 1, 0)
    assert list(found[empty.pk]) == [] and found[empty.pk].total == 0
    assert found[busy.pk].objective_id == busy.pk


def test_stories_by_objective_costs_one_query_and_none_without_ids(community, django_assert_num_queries):
    objective = ObjectiveFactory(charter=CharterFactory(community=community))
    for n in range(6):
        story(community, SHORT, ORG, n, objective=objective)

    with django_assert_num_queries(1):
        found = stories_by_objective(community, [objective.pk])
        [s.author.name for s in found[objective.pk]]
    with django_assert_num_queries(0):
        assert stories_by_objective(community, []) == {}


def test_stories_filter_by_cell_and_objective(community):
    objective = ObjectiveFactory(charter=CharterFactory(community=community))
    a = story(community, SHORT, ORG, 1, objective=objective)
    b = story(community, SHORT, MEMBERS, 2)
    c = story(community, LONG, ORG, 3)

    assert list(stories(community)) == [c, b, a]
    assert list(stories(community, horizon=SHORT, beneficiary=ORG)) == [a]
    assert list(stories(community, beneficiary=ORG)) == [c, a]
    assert list(stories(community, objective_id=objective.pk)) == [a]


def test_a_member_records_a_story(community, member):
    objective = ObjectiveFactory(charter=CharterFactory(community=community))

    recorded = value_story_create(
        community=community, author=member, title=" Runbook ", what_happened="We used it.",
        who_benefited="On-call", horizon=SHORT, beneficiary=ORG, objective=objective, minutes_saved=90,
    )

    assert (recorded.title, recorded.objective, recorded.minutes_saved) == ("Runbook", objective, 90)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": " "}, "needs a title"),
        ({"horizon": "forever"}, "one cell"),
        ({"minutes_saved": -5}, "between 0"),
        ({"minutes_saved": 10**7}, "between 0"),
    ],
)
def test_a_story_must_be_complete_and_in_a_real_cell(community, member, changes, message):
    fields = {"title": "T", "what_happened": "W", "who_benefited": "B", "horizon": SHORT, "beneficiary": ORG}

    with pytest.raises(ValidationError, match=message):
        value_story_create(community=community, author=member, **(fields | changes))


def test_a_story_cannot_link_to_a_retired_or_foreign_objective(community, private_community, member):
    retired = ObjectiveFactory(charter=CharterFactory(community=community), is_retired=True)
    foreign = ObjectiveFactory(charter=CharterFactory(community=private_community))
    fields = {"title": "T", "what_happened": "W", "who_benefited": "B", "horizon": SHORT, "beneficiary": ORG}

    for objective in (retired, foreign):
        with pytest.raises(ValidationError, match="current objectives"):
            value_story_create(community=community, author=member, objective=objective, **fields)
