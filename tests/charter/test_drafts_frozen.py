"""A submitted version never changes; only its review is recorded."""

import pytest
from django.core.exceptions import ValidationError

from charter.models import CharterVersion
from charter.services import drafts as services
from tests.charter.drafts_support import edit, in_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purpose", "Rewritten"),
        ("vision", "Rewritten"),
        ("strategy", "x"),
        ("pitch", "x"),
        ("objectives", [{"title": "x"}]),
    ],
)
def test_a_versions_content_cannot_change(community, moderator, sponsor, field, value):
    _, version = in_review(community, by=moderator)
    setattr(version, field, value)

    with pytest.raises(ValidationError, match="frozen"):
        version.save()


def test_a_versions_review_can_be_recorded(community, moderator, sponsor):
    _, version = in_review(community, by=moderator)

    services.charter_approve(version=version, by=sponsor, comment="Yes")

    assert CharterVersion.objects.get(pk=version.pk).review_comment == "Yes"


def test_editing_the_draft_after_approval_leaves_the_version_as_it_was(
    community, moderator, sponsor
):
    charter, version = in_review(community, by=moderator)
    services.charter_approve(version=version, by=sponsor)
    frozen_vision = version.vision
    objective_ids = [o["id"] for o in version.objectives]

    edit(charter, moderator, vision="Completely different", objectives=[])

    version.refresh_from_db()
    assert version.vision == frozen_vision
    assert [o["id"] for o in version.objectives] == objective_ids
