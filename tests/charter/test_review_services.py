"""Sponsor review: approving, requesting changes, and every refused decision."""

import pytest
from django.core.exceptions import ValidationError

from charter.kinds import AuditAction, Kind
from charter.models import CharterState, VersionStatus
from charter.services import drafts as services
from communities.models import AuditEvent
from notifications.models import Notification
from tests.charter.drafts_support import approved, changes_requested, edit, in_review
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_sponsor_approves_the_version_in_review(community, moderator, sponsor):
    charter, version = in_review(community, by=moderator)

    services.charter_approve(version=version, by=sponsor, comment="Well done")

    charter.refresh_from_db()
    version.refresh_from_db()
    assert charter.state == CharterState.APPROVED
    assert charter.approved_version == version
    assert version.status == VersionStatus.APPROVED
    assert version.reviewed_by == sponsor
    assert version.reviewed_at is not None
    assert version.review_comment == "Well done"
    event = AuditEvent.objects.get(action=AuditAction.CHARTER_APPROVED)
    assert event.actor == sponsor
    assert event.detail["version"] == 1


def test_approving_needs_no_comment(community, moderator, sponsor):
    _, version = in_review(community, by=moderator)

    services.charter_approve(version=version, by=sponsor)

    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED


def test_approval_notifies_moderators_and_core_group(community, moderator, core, member, sponsor):
    _, version = in_review(community, by=moderator)

    services.charter_approve(version=version, by=sponsor)

    recipients = set(
        Notification.objects.filter(kind=Kind.CHARTER_APPROVED).values_list("recipient", flat=True)
    )
    assert recipients == {moderator.pk, core.pk}


def test_sponsor_requests_changes_with_a_comment(community, moderator, core, sponsor):
    charter, version = in_review(community, by=moderator)

    services.charter_request_changes(version=version, by=sponsor, comment="Objectives need dates")

    charter.refresh_from_db()
    version.refresh_from_db()
    assert charter.state == CharterState.CHANGES_REQUESTED
    assert charter.approved_version is None
    assert version.status == VersionStatus.CHANGES_REQUESTED
    assert version.review_comment == "Objectives need dates"
    assert AuditEvent.objects.filter(action=AuditAction.CHARTER_CHANGES, actor=sponsor).exists()
    recipients = set(
        Notification.objects.filter(kind=Kind.CHARTER_CHANGES_REQUESTED).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {moderator.pk, core.pk}


@pytest.mark.parametrize("comment", ["", "   "])
def test_requesting_changes_needs_a_comment(community, moderator, sponsor, comment):
    charter, version = in_review(community, by=moderator)

    with pytest.raises(ValidationError, match="Say what should change"):
        services.charter_request_changes(version=version, by=sponsor, comment=comment)

    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW


@pytest.mark.parametrize("persona", ["outsider", "member", "core", "moderator", "site_admin"])
@pytest.mark.parametrize("decision", ["approve", "request_changes"])
def test_only_a_sponsor_of_the_community_decides(
    request, community, moderator, sponsor, persona, decision
):
    charter, version = in_review(community, by=moderator)
    decide = getattr(services, f"charter_{decision}")

    with pytest.raises(ValidationError, match="Only a sponsor of this community"):
        decide(version=version, by=request.getfixturevalue(persona), comment="No")

    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW


def test_a_sponsor_of_another_community_cannot_decide(community, moderator, sponsor):
    _, version = in_review(community, by=moderator)
    elsewhere = CommunityFactory()
    other_sponsor = MembershipFactory(community=elsewhere, role="sponsor").user

    with pytest.raises(ValidationError, match="Only a sponsor of this community"):
        services.charter_approve(version=version, by=other_sponsor)


def test_a_decided_version_cannot_be_decided_again(community, moderator, sponsor):
    charter, version = approved(community, editor=moderator, sponsor=sponsor)

    with pytest.raises(ValidationError, match="already decided"):
        services.charter_request_changes(version=version, by=sponsor, comment="Changed my mind")

    charter.refresh_from_db()
    assert charter.state == CharterState.APPROVED


def test_a_second_click_on_approve_is_refused(community, moderator, sponsor):
    _, version = in_review(community, by=moderator)
    services.charter_approve(version=version, by=sponsor)

    # The caller still holds the stale object that says "in review".
    with pytest.raises(ValidationError, match="already decided"):
        services.charter_approve(version=version, by=sponsor)
    assert AuditEvent.objects.filter(action=AuditAction.CHARTER_APPROVED).count() == 1


def test_changes_requested_cannot_then_be_approved(community, moderator, sponsor):
    _, version = changes_requested(community, editor=moderator, sponsor=sponsor)

    with pytest.raises(ValidationError, match="already decided"):
        services.charter_approve(version=version, by=sponsor)


def test_only_the_latest_version_can_be_decided(community, moderator, sponsor):
    charter, first = changes_requested(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, vision="Better")
    services.charter_submit(charter=charter, by=moderator)
    # An old version somehow still marked in review (e.g. data from before a fix).
    type(first).objects.filter(pk=first.pk).update(status=VersionStatus.IN_REVIEW)
    first.refresh_from_db()

    with pytest.raises(ValidationError, match="not the latest"):
        services.charter_approve(version=first, by=sponsor)


def test_approving_a_later_version_replaces_what_readers_see(community, moderator, sponsor):
    charter, first = approved(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, vision="Year two")
    second = services.charter_submit(charter=charter, by=moderator)

    services.charter_approve(version=second, by=sponsor)

    charter.refresh_from_db()
    assert charter.approved_version == second
    assert charter.approved_version.vision == "Year two"


def test_while_a_new_version_is_in_review_readers_keep_the_approved_one(
    community, moderator, sponsor
):
    charter, first = approved(community, editor=moderator, sponsor=sponsor)
    edit(charter, moderator, vision="Year two")
    services.charter_submit(charter=charter, by=moderator)

    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW
    assert charter.approved_version == first


def test_the_transitions_table_covers_every_state():
    sources = set().union(*(sources for sources, _ in services.TRANSITIONS.values()))
    assert sources == set(CharterState.values)
