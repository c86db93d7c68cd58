"""Writes for value stories: what happened, who benefited, and which cell of the value table it fills.

The view decides who may record one (charter.permissions.can_record_story); this
guards the data: a known cell, an objective of this community's charter that is
not retired, a plausible number of minutes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from communities.models import Community

from ..models import Beneficiary, Horizon, Objective, ValueStory

# A story claiming more than a working year saved is a typo, not evidence.
MAX_MINUTES_SAVED = 60 * 8 * 230


@transaction.atomic
def value_story_create(
    *,
    community: Community,
    author,
    title: str,
    what_happened: str,
    who_benefited: str,
    horizon: str,
    beneficiary: str,
    objective: Objective | None = None,
    minutes_saved: int | None = None,
) -> ValueStory:
    title, what_happened, who_benefited = title.strip(), what_happened.strip(), who_benefited.strip()
    if not (title and what_happened and who_benefited):
        raise ValidationError("A story needs a title, what happened and who benefited.", code="incomplete")
    if horizon not in Horizon.values or beneficiary not in Beneficiary.values:
        raise ValidationError("Choose one cell of the value table.", code="bad_cell")
    if objective is not None and (
        objective.is_retired or objective.charter.community_id != community.pk
    ):
        raise ValidationError("Link the story to one of this community's current objectives.", code="bad_objective")
    if minutes_saved is not None and not (0 <= minutes_saved <= MAX_MINUTES_SAVED):
        raise ValidationError(
            f"Minutes saved must be between 0 and {MAX_MINUTES_SAVED:,}.", code="bad_minutes"
        )
    return ValueStory.objects.create(
        community=community,
        author=author,
        title=title,
        what_happened=what_happened,
        who_benefited=who_benefited,
        horizon=horizon,
        beneficiary=beneficiary,
        objective=objective,
        minutes_saved=minutes_saved,
    )
