"""The demo's vision rounds and value stories (charter/demo_vision.py through seed_demo)."""

from io import StringIO

import pytest
from django.core.management import call_command

from charter import demo_vision
from charter.models import Contribution, Endorsement, ValueStory, VisionRound
from charter.selectors.stories import value_matrix
from communities.models import Community


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_clinical_data_quality_has_an_open_round_with_ideas_on_every_prompt(seeded):
    vision_round = VisionRound.objects.get(charter__community__slug="clinical-data-quality")

    assert vision_round.is_open
    ideas = Contribution.objects.filter(vision_round=vision_round)
    assert set(ideas.values_list("prompt", flat=True)) == {"discover", "dream", "design", "deliver"}
    assert {"sponsor", "moderator", "core", "member", ""} <= set(ideas.values_list("author_role", flat=True))
    assert Endorsement.objects.filter(contribution__vision_round=vision_round).count() > 20
    for idea in ideas:
        assert idea.endorsement_count == idea.endorsements.count()


def test_python_practitioners_has_a_closed_round_with_ideas_used_in_the_draft(seeded):
    vision_round = VisionRound.objects.get(charter__community__slug="python-practitioners")

    assert not vision_round.is_open and vision_round.summary
    assert vision_round.contributions.filter(used_in_draft=True).count() >= 3


def test_stories_fill_all_four_cells_of_python_practitioners(seeded):
    matrix = value_matrix(Community.objects.get(slug="python-practitioners"))

    assert 8 <= matrix["total"] <= 12
    assert all(cell["count"] >= 2 for cell in matrix["cells"].values())
    assert ValueStory.objects.exclude(community__slug="python-practitioners").exists()


def test_seeding_again_creates_nothing(seeded):
    before = (VisionRound.objects.count(), Contribution.objects.count(), ValueStory.objects.count())

    demo_vision.seed(stdout=StringIO())

    assert (VisionRound.objects.count(), Contribution.objects.count(), ValueStory.objects.count()) == before
