"""The working draft: who edits what, the edit conflict, objectives, and submission."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from charter.kinds import AuditAction, Kind
from charter.models import Charter, CharterState, CharterVersion, Objective
from charter.services import drafts as services
from communities.models import AuditEvent
from notifications.models import Notification
from tests.charter.drafts_support import approved, changes_requested, edit, fresh_charter, in_review
from tests.charter.factories import ObjectiveFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# Who edits what ---------------------------------------------------------------


def test_sponsor_edits_the_purpose(community, sponsor):
    charter = fresh_charter(community)

    edit(charter, sponsor, purpose="Build a safe deployment capability.")

    charter.refresh_from_db()
    assert charter.purpose == "Build a safe deployment capability."
    assert charter.draft_revision == 1
    assert charter.updated_by == sponsor
    assert AuditEvent.objects.filter(action=AuditAction.PURPOSE_EDITED, actor=sponsor).exists()


@pytest.mark.parametrize("persona", ["core", "moderator"])
def test_core_group_and_moderators_edit_vision_strategy_pitch_and_revisit_date(
    request, community, persona
):
    user = request.getfixturevalue(persona)
    charter = fresh_charter(community)

    edit(
        charter,
        user,
        vision="A new vision",
        strategy="A new strategy",
        pitch="A new pitch",
        revisit_by=datetime.date(2027, 1, 31),
    )

    charter.refresh_from_db()
    assert (charter.vision, charter.strategy, charter.pitch) == (
        "A new vision",
        "A new strategy",
        "A new pitch",
    )
    assert charter.revisit_by == datetime.date(2027, 1, 31)


@pytest.mark.parametrize("persona", ["core", "moderator"])
def test_core_group_and_moderators_cannot_change_the_purpose(request, community, persona):
    charter = fresh_charter(community)

    with pytest.raises(ValidationError, match="Only a sponsor"):
        edit(charter, request.getfixturevalue(persona), purpose="Our own purpose")

    charter.refresh_from_db()
    assert charter.purpose != "Our own purpose"


def test_sponsor_cannot_change_the_vision(community, sponsor):
    charter = fresh_charter(community)

    with pytest.raises(ValidationError, match="Only moderators and the core group"):
        edit(charter, sponsor, vision="The sponsor's vision")


def test_an_unchanged_section_from_someone_who_may_not_write_it_is_fine(community, moderator):
    charter = fresh_charter(community)

    edit(charter, moderator, purpose=charter.purpose, vision="Changed")

    charter.refresh_from_db()
    assert charter.vision == "Changed"


@pytest.mark.parametrize("persona", ["outsider", "member", "site_admin"])
def test_people_without_a_charter_role_cannot_edit(request, community, persona):
    charter = fresh_charter(community)

    with pytest.raises(ValidationError, match="may not edit"):
        edit(charter, request.getfixturevalue(persona), vision="Mine now")


def test_nobody_edits_the_charter_of_an_archived_community(community, moderator):
    charter = fresh_charter(community)
    community.is_archived = True
    community.save()

    with pytest.raises(ValidationError):
        edit(charter, moderator, vision="Too late")


def test_saving_nothing_new_does_not_bump_the_revision(community, moderator):
    charter = fresh_charter(community)

    edit(charter, moderator, vision=charter.vision, strategy=charter.strategy)

    charter.refresh_from_db()
    assert charter.draft_revision == 0


def test_windows_line_endings_do_not_count_as_a_change(community, moderator):
    charter = fresh_charter(community, vision="One\nTwo")

    edit(charter, moderator, vision="One\r\nTwo")

    charter.refresh_from_db()
    assert charter.draft_revision == 0


# The edit conflict ----------------------------------------------------------


def test_a_save_on_a_draft_that_changed_since_it_was_opened_is_refused(community, moderator, core):
    charter = fresh_charter(community)
    opened_at = charter.draft_revision
    edit(charter, core, vision="Core's vision")

    with pytest.raises(services.DraftConflict) as caught:
        services.charter_draft_update(
            charter=charter,
            by=moderator,
            data={"vision": "Moderator's vision"},
            expected_revision=opened_at,
        )

    assert caught.value.current.vision == "Core's vision"
    charter.refresh_from_db()
    assert charter.vision == "Core's vision"


def test_after_a_conflict_saving_with_the_new_revision_replaces_the_other_text(
    community, moderator, core
):
    charter = fresh_charter(community)
    edit(charter, core, vision="Core's vision")
    charter.refresh_from_db()

    services.charter_draft_update(
        charter=charter,
        by=moderator,
        data={"vision": "Merged vision"},
        expected_revision=charter.draft_revision,
    )

    charter.refresh_from_db()
    assert charter.vision == "Merged vision"


# Objectives -------------------------------------------------------------------


def test_objectives_are_added_in_order(community, moderator):
    charter = fresh_charter(community)

    edit(
        charter,
        moderator,
        objectives=[
            {"id": None, "title": "First", "indicator": "", "target_date": None},
            {
                "id": None,
                "title": "Second",
                "indicator": "Half the teams",
                "target_date": datetime.date(2026, 6, 1),
            },
        ],
    )

    assert list(charter.objectives.values_list("title", "position")) == [
        ("First", 0),
        ("Second", 1),
    ]


def test_objectives_are_reordered(community, moderator):
    charter = fresh_charter(community)
    a = ObjectiveFactory(charter=charter, title="A", position=0)
    b = ObjectiveFactory(charter=charter, title="B", position=1)

    edit(
        charter,
        moderator,
        objectives=[
            {"id": b.pk, "title": "B", "indicator": b.indicator, "target_date": None},
            {"id": a.pk, "title": "A", "indicator": a.indicator, "target_date": None},
        ],
    )

    assert [o.title for o in charter.objectives.all()] == ["B", "A"]
    charter.refresh_from_db()
    assert charter.draft_revision == 1


def test_a_removed_objective_is_retired_so_its_stories_keep_their_link(community, moderator):
    charter = fresh_charter(community)
    kept = ObjectiveFactory(charter=charter, title="Kept")
    removed = ObjectiveFactory(charter=charter, title="Removed")

    edit(
        charter,
        moderator,
        objectives=[{"id": kept.pk, "title": "Kept", "indicator": kept.indicator}],
    )

    removed.refresh_from_db()
    assert removed.is_retired
    assert Objective.objects.filter(pk=removed.pk).exists()
    assert [o["title"] for o in services.snapshot(charter)["objectives"]] == ["Kept"]


def test_an_objective_of_another_charter_cannot_be_edited_through_this_one(community, moderator):
    charter = fresh_charter(community)
    elsewhere = ObjectiveFactory(charter=fresh_charter(CommunityFactory()))

    with pytest.raises(ValidationError, match="not part of this charter"):
        edit(charter, moderator, objectives=[{"id": elsewhere.pk, "title": "Hijacked"}])

    elsewhere.refresh_from_db()
    assert elsewhere.title != "Hijacked"


def test_an_objective_needs_a_title(community, moderator):
    charter = fresh_charter(community)

    with pytest.raises(ValidationError, match="needs a title"):
        edit(charter, moderator, objectives=[{"id": None, "title": "  ", "indicator": "Something"}])


# The state machine: editing ---------------------------------------------------


def test_editing_a_draft_in_review_is_refused(community, moderator, sponsor):
    charter, _ = in_review(community, by=moderator)

    with pytest.raises(ValidationError, match="in review"):
        edit(charter, moderator, vision="Sneaky change")

    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW


def test_editing_an_approved_charter_starts_a_new_draft(community, moderator, sponsor):
    charter, version = approved(community, editor=moderator, sponsor=sponsor)

    edit(charter, moderator, vision="Next year's vision")

    charter.refresh_from_db()
    assert charter.state == CharterState.DRAFT
    assert charter.approved_version == version, "readers keep seeing the approved version"


def test_editing_after_changes_were_requested_starts_a_new_draft(community, moderator, sponsor):
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor)

    edit(charter, moderator, vision="Sharper")

    charter.refresh_from_db()
    assert charter.state == CharterState.DRAFT


# The state machine: submitting ----------------------------------------------


@pytest.mark.parametrize("persona", ["core", "moderator", "sponsor"])
def test_submitting_freezes_a_version_and_puts_the_charter_in_review(
    request, community, persona, sponsor
):
    user = request.getfixturevalue(persona)
    charter = fresh_charter(community)
    objective = ObjectiveFactory(
        charter=charter, title="Halve failed deploys", target_date=datetime.date(2026, 12, 1)
    )

    version = services.charter_submit(charter=charter, by=user, note="First draft")

    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW
    assert version.number == 1
    assert version.author == user
    assert version.note == "First draft"
    assert (version.purpose, version.vision, version.strategy, version.pitch) == (
        charter.purpose,
        charter.vision,
        charter.strategy,
        charter.pitch,
    )
    assert version.objectives == [
        {
            "id": objective.pk,
            "title": "Halve failed deploys",
            "indicator": objective.indicator,
            "target_date": "2026-12-01",
        }
    ]
    assert AuditEvent.objects.filter(action=AuditAction.CHARTER_SUBMITTED, actor=user).exists()


def test_submitting_notifies_every_sponsor_but_not_the_submitter(community, moderator, sponsor):
    other_sponsor = UserFactory()
    MembershipFactory(community=community, user=other_sponsor, role="sponsor")
    charter = fresh_charter(community)

    services.charter_submit(charter=charter, by=sponsor)

    notified = Notification.objects.filter(kind=Kind.CHARTER_SUBMITTED)
    assert [n.recipient for n in notified] == [other_sponsor]
    assert notified.get().url == f"/c/{community.slug}/charter/v/1/review/"


def test_a_sponsor_gets_the_submission_notification(community, moderator, sponsor):
    services.charter_submit(charter=fresh_charter(community), by=moderator)

    assert Notification.objects.filter(kind=Kind.CHARTER_SUBMITTED, recipient=sponsor).count() == 1


def test_versions_are_numbered_in_sequence(community, moderator, sponsor):
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, vision="Second attempt")

    version = services.charter_submit(charter=charter, by=moderator)

    assert version.number == 2


def test_submitting_without_a_purpose_is_refused(community, moderator, sponsor):
    charter = fresh_charter(community, purpose="  ")

    with pytest.raises(ValidationError, match="needs a purpose"):
        services.charter_submit(charter=charter, by=moderator)
    assert not CharterVersion.objects.exists()


def test_submitting_twice_is_refused(community, moderator, sponsor):
    charter, _ = in_review(community, by=moderator)

    with pytest.raises(ValidationError, match="already in review"):
        services.charter_submit(charter=charter, by=moderator)
    assert CharterVersion.objects.count() == 1


def test_submitting_an_unchanged_draft_after_changes_were_requested_is_refused(
    community, moderator, sponsor
):
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor)

    with pytest.raises(ValidationError, match="Nothing has changed since version 1"):
        services.charter_submit(charter=charter, by=moderator)


def test_submitting_an_approved_charter_without_edits_is_refused(community, moderator, sponsor):
    charter, _ = approved(community, editor=moderator, sponsor=sponsor)

    with pytest.raises(ValidationError, match="approved"):
        services.charter_submit(charter=charter, by=moderator)


def test_reordering_objectives_alone_is_not_nothing(community, moderator, sponsor):
    charter = fresh_charter(community)
    a = ObjectiveFactory(charter=charter, title="A", position=0)
    b = ObjectiveFactory(charter=charter, title="B", position=1)
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, objectives=[{"id": b.pk, "title": "B"}, {"id": a.pk, "title": "A"}])

    version = services.charter_submit(charter=charter, by=moderator)

    assert [o["title"] for o in version.objectives] == ["B", "A"]


@pytest.mark.parametrize("persona", ["outsider", "member", "site_admin"])
def test_people_without_a_charter_role_cannot_submit(request, community, persona, sponsor):
    with pytest.raises(ValidationError, match="Only the sponsor, moderators and core group"):
        services.charter_submit(
            charter=fresh_charter(community), by=request.getfixturevalue(persona)
        )


def test_a_community_without_a_sponsor_cannot_submit(moderator):
    community = CommunityFactory()
    MembershipFactory(community=community, user=moderator, role="moderator")

    with pytest.raises(ValidationError, match="no sponsor"):
        services.charter_submit(charter=fresh_charter(community), by=moderator)


def test_charter_get_or_create_makes_one_per_community(community):
    first = services.charter_get_or_create(community=community)

    assert services.charter_get_or_create(community=community) == first
    assert Charter.objects.count() == 1
