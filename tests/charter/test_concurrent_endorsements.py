"""Endorsing ideas at the same time as other people, and as the round closes, on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError

from charter.models import Contribution, Endorsement, VisionRound
from charter.services import vision as services
from tests.charter.factories import CharterFactory, ContributionFactory
from tests.concurrency import at_once, errors, needs_row_locks, while_open
from tests.factories import MembershipFactory, UserFactory

pytestmark = [needs_row_locks, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idea(community, moderator):
    vision_round = services.vision_round_open(
        charter=CharterFactory(community=community), by=moderator, title="Where next?"
    )
    return ContributionFactory(vision_round=vision_round)


def fresh(idea) -> Contribution:
    return Contribution.objects.select_related("vision_round").get(pk=idea.pk)


def test_many_people_endorsing_one_idea_at_once_are_each_counted(community, idea):
    crowd = [UserFactory() for _ in range(8)]
    for person in crowd:
        MembershipFactory(community=community, user=person)

    outcomes = at_once(
        *[
            lambda p=p: services.contribution_endorse(contribution=fresh(idea), user=p)
            for p in crowd
        ]
    )

    assert errors(outcomes) == []
    idea.refresh_from_db()
    assert idea.endorsement_count == Endorsement.objects.filter(contribution=idea).count() == 8


def test_a_double_click_on_endorse_keeps_the_count_equal_to_the_endorsements(idea, member):
    outcomes = at_once(
        *[lambda: services.contribution_toggle_endorsement(contribution=fresh(idea), user=member)]
        * 2
    )

    assert errors(outcomes) == []
    idea.refresh_from_db()
    assert idea.endorsement_count == Endorsement.objects.filter(contribution=idea).count()


def test_an_endorsement_sent_while_the_round_closes_is_refused_not_slipped_in(
    idea, member, moderator
):
    seen_open = fresh(idea)  # the page the endorsement came from showed the round open
    assert seen_open.vision_round.is_open

    _, error = while_open(
        lambda: services.vision_round_close(
            vision_round=VisionRound.objects.get(pk=idea.vision_round_id), by=moderator
        ),
        lambda: services.contribution_endorse(contribution=seen_open, user=member),
    )

    assert isinstance(error, ValidationError)
    assert "closed" in str(error)
    idea.refresh_from_db()
    assert idea.endorsement_count == Endorsement.objects.filter(contribution=idea).count() == 0
