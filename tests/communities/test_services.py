"""The community services: every write to communities, memberships, requests and invitations."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.kinds import AuditAction, Kind
from communities.models import (
    AuditEvent,
    Community,
    CommunityStatus,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from notifications.models import Notification
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    UserFactory,
)

JAN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 5, 9, 0, tzinfo=UTC)
MAR = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


def audit_actions(community) -> list[str]:
    """The community's audit trail, oldest first."""
    return list(
        AuditEvent.objects.filter(community=community)
        .order_by("id")
        .values_list("action", flat=True)
    )


def last_event(community) -> AuditEvent:
    return AuditEvent.objects.filter(community=community).order_by("-id").first()


def notifications_of(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(kind=kind) if kind else qs


@pytest.fixture
def by_request_community(moderator):
    community = CommunityFactory(name="Wound Care", slug="wound-care", by_request=True)
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    return community


@pytest.fixture
def archived_community(moderator):
    community = CommunityFactory(name="Old Practice", slug="old-practice")
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    services.community_archive(community=community, by=moderator)
    community.refresh_from_db()
    return community


# Creating communities -------------------------------------------------------


def test_creator_becomes_the_first_moderator(member):
    community = services.community_create(by=member, name="  Data Science  ", tags=["ml", "python"])

    assert community.name == "Data Science"
    assert community.slug == "data-science"
    assert community.status == CommunityStatus.ACTIVE
    assert community.created_by == member
    assert sorted(community.tags.names()) == ["ml", "python"]
    membership = Membership.objects.get(community=community)
    assert membership.user == member
    assert membership.role == Role.MODERATOR
    assert membership.is_active


def test_creating_a_community_is_audited(member):
    community = services.community_create(by=member, name="Data Science")

    event = AuditEvent.objects.get(community=community)
    assert event.action == AuditAction.CREATED
    assert event.actor == member
    assert event.subject == member


def test_a_name_that_slugifies_like_another_gets_a_numbered_slug(member):
    services.community_create(by=member, name="Data Science")

    second = services.community_create(by=member, name="Data-Science")
    third = services.community_create(by=member, name="Data  Science!")

    assert second.slug == "data-science-2"
    assert third.slug == "data-science-3"


def test_a_name_without_letters_still_gets_a_slug(member):
    community = services.community_create(by=member, name="???")

    assert community.slug == "community"


def test_a_duplicate_name_is_refused_whatever_its_case(member, community):
    with pytest.raises(ValidationError) as refusal:
        services.community_create(by=member, name=" kubernetes PRACTITIONERS ")

    assert refusal.value.code == "duplicate_name"
    assert Community.objects.filter(name__iexact="kubernetes practitioners").count() == 1


@pytest.mark.parametrize("join_policy", [JoinPolicy.OPEN, JoinPolicy.REQUEST])
def test_a_private_community_must_be_invitation_only(member, join_policy):
    with pytest.raises(ValidationError) as refusal:
        services.community_create(
            by=member, name="Secret Club", visibility=Visibility.PRIVATE, join_policy=join_policy
        )

    assert refusal.value.code == "private_needs_invitation"
    assert not Community.objects.filter(name="Secret Club").exists()


def test_a_private_invitation_only_community_can_be_created(member):
    community = services.community_create(
        by=member,
        name="Secret Club",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
    )

    assert community.visibility == Visibility.PRIVATE


def test_without_approval_setting_a_new_community_is_live_at_once(settings, member, site_admin):
    settings.COMMUNITY_CREATION_REQUIRES_APPROVAL = False

    community = services.community_create(by=member, name="Data Science")

    assert community.status == CommunityStatus.ACTIVE
    assert not Notification.objects.filter(kind=Kind.COMMUNITY_PROPOSED).exists()


def test_when_approval_is_required_a_new_community_waits_and_site_admins_are_told(
    settings, member, site_admin
):
    settings.COMMUNITY_CREATION_REQUIRES_APPROVAL = True
    UserFactory(is_superuser=True, is_active=False, email="retired-admin@example.org")

    community = services.community_create(by=member, name="Data Science")

    assert community.status == CommunityStatus.PROPOSED
    proposed = Notification.objects.filter(kind=Kind.COMMUNITY_PROPOSED)
    assert [n.recipient for n in proposed] == [site_admin]
    notification = proposed.get()
    assert notification.actor == member
    assert notification.community == community
    assert notification.message == "Mia Member proposed a new community: Data Science"
    assert notification.url == reverse("admin:communities_community_change", args=[community.pk])


def test_a_site_admin_creating_a_community_skips_approval(settings, site_admin):
    settings.COMMUNITY_CREATION_REQUIRES_APPROVAL = True

    community = services.community_create(by=site_admin, name="Data Science")

    assert community.status == CommunityStatus.ACTIVE
    assert not Notification.objects.filter(kind=Kind.COMMUNITY_PROPOSED).exists()


# Approving and declining proposals -------------------------------------------


@pytest.fixture
def proposed_community(settings, member):
    settings.COMMUNITY_CREATION_REQUIRES_APPROVAL = True
    return services.community_create(by=member, name="Data Science")


def test_approving_a_proposal_makes_it_live_and_tells_the_creator(
    proposed_community, member, site_admin
):
    services.community_approve(community=proposed_community, by=site_admin)

    proposed_community.refresh_from_db()
    assert proposed_community.status == CommunityStatus.ACTIVE
    assert last_event(proposed_community).action == AuditAction.APPROVED
    assert last_event(proposed_community).actor == site_admin
    notification = notifications_of(member, Kind.COMMUNITY_APPROVED).get()
    assert notification.message == "Your community Data Science is approved and live."
    assert notification.url == proposed_community.get_absolute_url()


def test_approving_a_live_community_is_refused(community, site_admin):
    with pytest.raises(ValidationError) as refusal:
        services.community_approve(community=community, by=site_admin)

    assert refusal.value.code == "already_live"


def test_declining_a_proposal_tells_the_creator_why(proposed_community, member, site_admin):
    services.community_decline(
        community=proposed_community, by=site_admin, reason="We already have one."
    )

    proposed_community.refresh_from_db()
    assert proposed_community.status == CommunityStatus.DECLINED
    event = last_event(proposed_community)
    assert event.actor == site_admin
    assert event.action == AuditAction.DECLINED
    assert event.detail == {"reason": "We already have one."}
    notification = notifications_of(member, Kind.COMMUNITY_DECLINED).get()
    assert (
        notification.message
        == "Your proposed community Data Science was declined: We already have one."
    )


def test_declining_without_a_reason_still_reads_well(proposed_community, member, site_admin):
    services.community_decline(community=proposed_community, by=site_admin)

    notification = notifications_of(member, Kind.COMMUNITY_DECLINED).get()
    assert notification.message == "Your proposed community Data Science was declined."


def test_only_a_proposed_community_can_be_declined(community, site_admin):
    with pytest.raises(ValidationError) as refusal:
        services.community_decline(community=community, by=site_admin, reason="No.")

    assert refusal.value.code == "not_proposed"
    community.refresh_from_db()
    assert community.status == CommunityStatus.ACTIVE


# Updating settings ---------------------------------------------------------


def test_updating_settings_audits_the_changed_fields(community, moderator):
    services.community_update(
        community=community,
        by=moderator,
        tagline="New tagline",
        meeting_room="B2.14",
        name=community.name,  # unchanged, so not reported
    )

    community.refresh_from_db()
    assert community.tagline == "New tagline"
    assert community.meeting_room == "B2.14"
    event = last_event(community)
    assert event.action == AuditAction.SETTINGS_CHANGED
    assert event.actor == moderator
    assert event.detail == {"fields": ["tagline", "meeting_room"]}


def test_changing_tags_is_audited(community, moderator):
    services.community_update(community=community, by=moderator, tags=["kubernetes", "helm"])

    assert sorted(community.tags.names()) == ["helm", "kubernetes"]
    assert last_event(community).detail == {"fields": ["tags"]}


def test_saving_unchanged_settings_records_nothing(community, moderator):
    services.community_update(
        community=community, by=moderator, tagline=community.tagline, tags=["kubernetes"]
    )

    assert audit_actions(community) == []


def test_updating_an_uneditable_field_is_a_programming_error(community, moderator):
    with pytest.raises(TypeError, match="status"):
        services.community_update(
            community=community, by=moderator, status=CommunityStatus.DECLINED
        )


def test_renaming_to_another_communitys_name_is_refused(community, private_community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.community_update(community=community, by=moderator, name="incident reviews")

    assert refusal.value.code == "duplicate_name"


def test_making_an_open_community_private_requires_invitation_only(community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.community_update(community=community, by=moderator, visibility=Visibility.PRIVATE)

    assert refusal.value.code == "private_needs_invitation"
    community.refresh_from_db()
    assert community.visibility == Visibility.PUBLIC


def test_a_community_can_be_made_private_with_invitation_only(community, moderator):
    services.community_update(
        community=community,
        by=moderator,
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
    )

    community.refresh_from_db()
    assert (community.visibility, community.join_policy) == (
        Visibility.PRIVATE,
        JoinPolicy.INVITATION,
    )


# Archiving -------------------------------------------------------------------


def test_archiving_revokes_pending_invitations_and_declines_pending_requests(
    by_request_community, moderator
):
    pending_invitation = InvitationFactory(community=by_request_community)
    accepted_invitation = InvitationFactory(
        community=by_request_community, status=InvitationStatus.ACCEPTED
    )
    pending_request = JoinRequestFactory(community=by_request_community)
    withdrawn_request = JoinRequestFactory(
        community=by_request_community, status=RequestStatus.WITHDRAWN
    )

    with time_machine.travel(JAN, tick=False):
        services.community_archive(community=by_request_community, by=moderator)

    by_request_community.refresh_from_db()
    assert by_request_community.is_archived
    assert by_request_community.archived_at == JAN
    pending_invitation.refresh_from_db()
    accepted_invitation.refresh_from_db()
    assert pending_invitation.status == InvitationStatus.REVOKED
    assert accepted_invitation.status == InvitationStatus.ACCEPTED
    pending_request.refresh_from_db()
    withdrawn_request.refresh_from_db()
    assert pending_request.status == RequestStatus.DECLINED
    assert pending_request.decided_by == moderator
    assert pending_request.decided_at == JAN
    assert pending_request.reason == "The community was archived."
    assert withdrawn_request.status == RequestStatus.WITHDRAWN
    assert last_event(by_request_community).action == AuditAction.ARCHIVED


def test_archiving_twice_is_refused(archived_community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.community_archive(community=archived_community, by=moderator)

    assert refusal.value.code == "already_archived"


def test_unarchiving_restores_the_community(archived_community, moderator):
    services.community_unarchive(community=archived_community, by=moderator)

    archived_community.refresh_from_db()
    assert not archived_community.is_archived
    assert archived_community.archived_at is None
    assert archived_community.accepts_members
    assert last_event(archived_community).action == AuditAction.UNARCHIVED


def test_unarchiving_a_live_community_is_refused(community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.community_unarchive(community=community, by=moderator)

    assert refusal.value.code == "not_archived"


def test_an_archived_community_cannot_be_joined(archived_community, outsider):
    with pytest.raises(ValidationError) as refusal:
        services.membership_join(community=archived_community, user=outsider)

    assert refusal.value.code == "archived"
    assert not Membership.objects.filter(community=archived_community, user=outsider).exists()


def test_an_archived_community_takes_no_join_requests(by_request_community, moderator, outsider):
    services.community_archive(community=by_request_community, by=moderator)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_create(community=by_request_community, user=outsider)

    assert refusal.value.code == "archived"


def test_an_archived_community_sends_no_invitations(archived_community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.invitation_create(
            community=archived_community, email="new@example.org", by=moderator
        )

    assert refusal.value.code == "archived"
    assert not Invitation.objects.filter(community=archived_community).exists()


def test_an_invitation_to_an_archived_community_cannot_be_accepted(archived_community, outsider):
    # Archiving revokes pending invitations; this one slipped through (say, created by the admin).
    invitation = InvitationFactory(community=archived_community, email=outsider.email)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "archived"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_join_request_to_an_archived_community_cannot_be_approved(
    by_request_community, moderator
):
    join_request = JoinRequestFactory(community=by_request_community)
    Community.objects.filter(pk=by_request_community.pk).update(is_archived=True)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_approve(join_request=join_request, by=moderator)

    assert refusal.value.code == "archived"
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.PENDING


def test_a_proposed_community_cannot_be_joined(proposed_community, outsider):
    with pytest.raises(ValidationError) as refusal:
        services.membership_join(community=proposed_community, user=outsider)

    assert refusal.value.code == "not_live"


# Joining and leaving -----------------------------------------------------------


def test_anyone_can_join_an_open_community(community, outsider):
    with time_machine.travel(JAN, tick=False):
        membership = services.membership_join(community=community, user=outsider)

    assert membership.is_active
    assert membership.role == Role.MEMBER
    assert membership.first_joined_at == membership.joined_at == JAN
    event = last_event(community)
    assert (event.action, event.actor, event.subject) == (AuditAction.JOINED, outsider, outsider)
    community.refresh_from_db()
    assert community.last_activity_at == JAN


@pytest.mark.parametrize("join_policy", [JoinPolicy.REQUEST, JoinPolicy.INVITATION])
def test_a_community_that_is_not_open_cannot_be_joined_directly(outsider, join_policy):
    community = CommunityFactory(join_policy=join_policy)

    with pytest.raises(ValidationError) as refusal:
        services.membership_join(community=community, user=outsider)

    assert refusal.value.code == "not_open"
    assert not Membership.objects.filter(community=community).exists()


def test_a_member_cannot_join_again(community, member):
    with pytest.raises(ValidationError) as refusal:
        services.membership_join(community=community, user=member)

    assert refusal.value.code == "already_member"
    assert audit_actions(community) == []


def test_leaving_and_rejoining_reactivates_the_same_membership(community, outsider):
    with time_machine.travel(JAN, tick=False):
        first = services.membership_join(community=community, user=outsider)
    with time_machine.travel(FEB, tick=False):
        left = services.membership_leave(community=community, user=outsider)
    assert not left.is_active
    assert left.left_at == FEB

    with time_machine.travel(MAR, tick=False):
        again = services.membership_join(community=community, user=outsider)

    assert again.pk == first.pk
    assert Membership.objects.filter(community=community, user=outsider).count() == 1
    again.refresh_from_db()
    assert again.is_active
    assert again.first_joined_at == JAN
    assert again.joined_at == MAR
    assert again.left_at is None
    assert audit_actions(community) == [AuditAction.JOINED, AuditAction.LEFT, AuditAction.JOINED]


def test_a_moderator_who_left_comes_back_as_a_member(community, moderator):
    MembershipFactory(community=community, role=Role.MODERATOR)
    services.membership_leave(community=community, user=moderator)

    membership = services.membership_join(community=community, user=moderator)

    assert membership.role == Role.MEMBER


def test_a_member_can_leave(community, member):
    with time_machine.travel(FEB, tick=False):
        services.membership_leave(community=community, user=member)

    membership = Membership.objects.get(community=community, user=member)
    assert not membership.is_active
    assert membership.left_at == FEB
    event = last_event(community)
    assert (event.action, event.subject) == (AuditAction.LEFT, member)
    assert event.detail == {"role": Role.MEMBER}
    community.refresh_from_db()
    assert community.last_activity_at == FEB


def test_last_moderator_cannot_leave(community, moderator, member):
    with pytest.raises(ValidationError) as refusal:
        services.membership_leave(community=community, user=moderator)

    assert refusal.value.code == "last_moderator"
    assert "last moderator" in refusal.value.message
    assert "make someone else a moderator first" in refusal.value.message
    assert Membership.objects.get(community=community, user=moderator).is_active


def test_a_moderator_can_leave_when_another_moderator_remains(community, moderator):
    other = MembershipFactory(community=community, role=Role.MODERATOR)

    services.membership_leave(community=community, user=moderator)

    assert list(Membership.objects.filter(community=community).moderators()) == [other]


def test_a_former_moderator_does_not_count_as_another_moderator(community, moderator):
    MembershipFactory(community=community, role=Role.MODERATOR, is_active=False)

    with pytest.raises(ValidationError) as refusal:
        services.membership_leave(community=community, user=moderator)

    assert refusal.value.code == "last_moderator"


def test_someone_who_is_not_a_member_cannot_leave(community, outsider):
    with pytest.raises(ValidationError) as refusal:
        services.membership_leave(community=community, user=outsider)

    assert refusal.value.code == "not_member"


def test_leaving_twice_is_refused(community, member):
    services.membership_leave(community=community, user=member)

    with pytest.raises(ValidationError) as refusal:
        services.membership_leave(community=community, user=member)

    assert refusal.value.code == "not_member"
    assert audit_actions(community) == [AuditAction.LEFT]


# Roles -----------------------------------------------------------------------


def membership_of(user, community) -> Membership:
    return Membership.objects.get(community=community, user=user)


def test_last_moderator_cannot_be_demoted(community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.membership_change_role(
            membership=membership_of(moderator, community), role=Role.MEMBER, by=moderator
        )

    assert refusal.value.code == "last_moderator"
    assert membership_of(moderator, community).role == Role.MODERATOR


def test_a_moderator_can_step_down_when_another_moderator_remains(community, moderator):
    MembershipFactory(community=community, role=Role.MODERATOR)

    services.membership_change_role(
        membership=membership_of(moderator, community), role=Role.CORE, by=moderator
    )

    assert membership_of(moderator, community).role == Role.CORE
    # Nobody needs telling about their own change.
    assert not notifications_of(moderator, Kind.ROLE_CHANGED).exists()


def test_a_role_change_tells_the_person_and_is_audited(community, moderator, member):
    services.membership_change_role(
        membership=membership_of(member, community), role=Role.CORE, by=moderator
    )

    assert membership_of(member, community).role == Role.CORE
    event = last_event(community)
    assert (event.action, event.actor, event.subject) == (
        AuditAction.ROLE_CHANGED,
        moderator,
        member,
    )
    assert event.detail == {"old": Role.MEMBER, "new": Role.CORE}
    notification = notifications_of(member, Kind.ROLE_CHANGED).get()
    assert notification.message == "Max Moderator made you part of the core group of Kubernetes Practitioners."
    assert notification.actor == moderator
    assert notification.community == community
    assert notification.url == community.get_absolute_url()


def test_giving_someone_the_role_they_already_have_changes_nothing(community, moderator, member):
    services.membership_change_role(
        membership=membership_of(member, community), role=Role.MEMBER, by=moderator
    )

    assert audit_actions(community) == []
    assert not notifications_of(member).exists()


def test_an_invalid_role_is_refused(community, moderator, member):
    with pytest.raises(ValidationError) as refusal:
        services.membership_change_role(
            membership=membership_of(member, community), role="owner", by=moderator
        )

    assert refusal.value.code == "invalid_role"
    assert membership_of(member, community).role == Role.MEMBER


def test_a_former_member_cannot_be_given_a_role(community, moderator, member):
    services.membership_leave(community=community, user=member)

    with pytest.raises(ValidationError) as refusal:
        services.membership_change_role(
            membership=membership_of(member, community), role=Role.CORE, by=moderator
        )

    assert refusal.value.code == "not_member"
    assert membership_of(member, community).role == Role.MEMBER


def test_a_stale_membership_object_is_reread_before_the_check(community, moderator, member):
    stale = membership_of(member, community)
    services.membership_leave(community=community, user=member)

    with pytest.raises(ValidationError):
        services.membership_change_role(membership=stale, role=Role.CORE, by=moderator)


# Join requests -------------------------------------------------------------


def test_asking_to_join_records_the_request_and_tells_the_moderators(
    by_request_community, moderator, outsider
):
    MembershipFactory(community=by_request_community, role=Role.MEMBER)  # not told

    join_request = services.join_request_create(
        community=by_request_community, user=outsider, message="  I dress wounds daily.  "
    )

    assert join_request.status == RequestStatus.PENDING
    assert join_request.message == "I dress wounds daily."
    event = last_event(by_request_community)
    assert (event.action, event.actor, event.subject) == (AuditAction.REQUESTED, outsider, outsider)
    received = Notification.objects.filter(kind=Kind.JOIN_REQUEST_RECEIVED)
    assert [n.recipient for n in received] == [moderator]
    assert received.get().message == "Olive Outsider asked to join Wound Care."
    assert received.get().url == reverse("communities:join_requests", args=["wound-care"])


def test_asking_twice_is_refused(by_request_community, outsider):
    services.join_request_create(community=by_request_community, user=outsider)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_create(community=by_request_community, user=outsider)

    assert refusal.value.code == "duplicate"
    assert JoinRequest.objects.filter(user=outsider).count() == 1


def test_a_member_cannot_ask_to_join(by_request_community, moderator):
    with pytest.raises(ValidationError) as refusal:
        services.join_request_create(community=by_request_community, user=moderator)

    assert refusal.value.code == "already_member"


@pytest.mark.parametrize("join_policy", [JoinPolicy.OPEN, JoinPolicy.INVITATION])
def test_a_community_not_taking_requests_refuses_them(outsider, join_policy):
    community = CommunityFactory(join_policy=join_policy)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_create(community=community, user=outsider)

    assert refusal.value.code == "not_by_request"
    assert not JoinRequest.objects.exists()


def test_approving_a_request_makes_a_member_and_tells_them(
    by_request_community, moderator, outsider
):
    join_request = services.join_request_create(community=by_request_community, user=outsider)

    with time_machine.travel(FEB, tick=False):
        membership = services.join_request_approve(join_request=join_request, by=moderator)

    assert membership.user == outsider
    assert membership.is_active
    assert membership.role == Role.MEMBER
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.APPROVED
    assert join_request.decided_by == moderator
    assert join_request.decided_at == FEB
    event = last_event(by_request_community)
    assert (event.action, event.actor, event.subject) == (
        AuditAction.REQUEST_APPROVED,
        moderator,
        outsider,
    )
    notification = notifications_of(outsider, Kind.JOIN_REQUEST_APPROVED).get()
    assert notification.message == "Welcome! Your request to join Wound Care was approved."


def test_approving_a_request_from_someone_already_in_keeps_their_membership(
    by_request_community, moderator
):
    person = UserFactory()
    join_request = JoinRequestFactory(community=by_request_community, user=person)
    existing = MembershipFactory(community=by_request_community, user=person, role=Role.CORE)

    membership = services.join_request_approve(join_request=join_request, by=moderator)

    assert membership.pk == existing.pk
    assert membership.role == Role.CORE
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.APPROVED


def test_declining_a_request_needs_a_reason(by_request_community, moderator, outsider):
    join_request = services.join_request_create(community=by_request_community, user=outsider)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_decline(join_request=join_request, by=moderator, reason="   ")

    assert refusal.value.code == "reason_required"
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.PENDING


def test_declining_a_request_tells_the_person_why(by_request_community, moderator, outsider):
    join_request = services.join_request_create(community=by_request_community, user=outsider)

    services.join_request_decline(
        join_request=join_request, by=moderator, reason=" Nurses only, sorry. "
    )

    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.DECLINED
    assert join_request.reason == "Nurses only, sorry."
    assert join_request.decided_by == moderator
    assert not Membership.objects.filter(community=by_request_community, user=outsider).exists()
    event = last_event(by_request_community)
    assert event.action == AuditAction.REQUEST_DECLINED
    assert event.detail == {"reason": "Nurses only, sorry."}
    notification = notifications_of(outsider, Kind.JOIN_REQUEST_DECLINED).get()
    assert (
        notification.message == "Your request to join Wound Care was declined: Nurses only, sorry."
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "approve"),
        ("approve", "decline"),
        ("decline", "approve"),
        ("decline", "decline"),
        ("withdraw", "approve"),
    ],
)
def test_a_request_cannot_be_answered_twice(
    by_request_community, moderator, outsider, first, second
):
    join_request = services.join_request_create(community=by_request_community, user=outsider)
    answer = {
        "approve": lambda: services.join_request_approve(join_request=join_request, by=moderator),
        "decline": lambda: services.join_request_decline(
            join_request=join_request, by=moderator, reason="No."
        ),
        "withdraw": lambda: services.join_request_withdraw(join_request=join_request, by=outsider),
    }
    answer[first]()

    with pytest.raises(ValidationError) as refusal:
        answer[second]()

    assert refusal.value.code == "not_pending"


def test_the_requester_can_withdraw_and_ask_again(by_request_community, outsider):
    join_request = services.join_request_create(community=by_request_community, user=outsider)

    services.join_request_withdraw(join_request=join_request, by=outsider)

    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.WITHDRAWN
    assert last_event(by_request_community).action == AuditAction.REQUEST_WITHDRAWN
    again = services.join_request_create(community=by_request_community, user=outsider)
    assert again.pk != join_request.pk


def test_only_the_requester_can_withdraw_a_request(by_request_community, moderator, outsider):
    join_request = services.join_request_create(community=by_request_community, user=outsider)

    with pytest.raises(ValidationError) as refusal:
        services.join_request_withdraw(join_request=join_request, by=moderator)

    assert refusal.value.code == "not_yours"
    join_request.refresh_from_db()
    assert join_request.status == RequestStatus.PENDING


# Invitations ---------------------------------------------------------------


def test_inviting_a_person_with_an_account_notifies_them_with_an_email_copy(
    private_community, moderator, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            community=private_community,
            email=" Outsider@Example.org ",
            by=moderator,
            message=" Join us! ",
        )

    assert invitation.email == "outsider@example.org"
    assert invitation.message == "Join us!"
    assert invitation.invited_by == moderator
    assert invitation.status == InvitationStatus.PENDING
    notification = notifications_of(outsider, Kind.INVITATION).get()
    assert notification.message == "Max Moderator invited you to join Incident Reviews."
    assert notification.url == invitation.get_absolute_url()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["outsider@example.org"]
    assert invitation.get_absolute_url() in mailoutbox[0].body
    # The notification's email is the invitation: no second, account-less invitation email.
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    event = last_event(private_community)
    assert (event.action, event.subject) == (AuditAction.INVITED, outsider)
    assert event.detail == {"email": "outsider@example.org"}


def test_an_invitation_lasts_the_configured_number_of_days(settings, private_community, moderator):
    settings.INVITATION_VALID_DAYS = 7

    with time_machine.travel(JAN, tick=False):
        invitation = services.invitation_create(
            community=private_community, email="new@example.org", by=moderator
        )

    assert invitation.expires_at == JAN + timedelta(days=7)


def test_inviting_an_unknown_address_sends_one_invitation_email_with_the_link(
    settings, private_community, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://practica.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            community=private_community, email="new@example.org", by=moderator
        )

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["new@example.org"]
    assert "Max Moderator invited you to Incident Reviews" in email.subject
    link = f"https://practica.example.org/invitations/{invitation.token}/"
    assert link in email.body
    html = email.alternatives[0][0]
    assert link in html
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert not Notification.objects.exists()
    event = last_event(private_community)
    assert event.subject is None
    assert event.detail == {"email": "new@example.org"}


def test_no_invitation_email_is_sent_if_the_transaction_does_not_commit(
    private_community, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(
            community=private_community, email="new@example.org", by=moderator
        )

    assert len(callbacks) == 1
    assert mailoutbox == []


def test_an_address_with_an_open_invitation_is_not_invited_again(private_community, moderator):
    services.invitation_create(community=private_community, email="new@example.org", by=moderator)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_create(
            community=private_community, email="NEW@example.org", by=moderator
        )

    assert refusal.value.code == "duplicate"
    assert Invitation.objects.filter(community=private_community).count() == 1


def test_the_same_address_can_be_invited_to_two_communities(
    community, private_community, moderator
):
    services.invitation_create(community=private_community, email="new@example.org", by=moderator)
    services.invitation_create(community=community, email="new@example.org", by=moderator)

    assert Invitation.objects.filter(email="new@example.org").count() == 2


def test_a_member_is_not_invited(private_community, moderator, member):
    with pytest.raises(ValidationError) as refusal:
        services.invitation_create(
            community=private_community, email="member@example.org", by=moderator
        )

    assert refusal.value.code == "already_member"
    assert refusal.value.message == "Mia Member is already a member."


def test_a_member_is_recognised_by_a_verified_secondary_address(
    private_community, moderator, member
):
    EmailAddress.objects.create(user=member, email="mia@home.example", verified=True, primary=False)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_create(
            community=private_community, email="mia@home.example", by=moderator
        )

    assert refusal.value.code == "already_member"


def test_a_former_member_can_be_invited_back(private_community, moderator, member):
    services.membership_leave(community=private_community, user=member)

    invitation = services.invitation_create(
        community=private_community, email="member@example.org", by=moderator
    )

    assert invitation.status == InvitationStatus.PENDING


def test_reinviting_after_expiry_replaces_the_old_invitation(private_community, moderator):
    with time_machine.travel(JAN, tick=False):
        old = services.invitation_create(
            community=private_community, email="new@example.org", by=moderator
        )

    with time_machine.travel(JAN + timedelta(days=30), tick=False):
        new = services.invitation_create(
            community=private_community, email="new@example.org", by=moderator
        )

    old.refresh_from_db()
    assert old.status == InvitationStatus.REVOKED
    assert new.status == InvitationStatus.PENDING
    assert new.token != old.token


def test_accepting_an_invitation_makes_a_member(private_community, moderator, outsider):
    invitation = services.invitation_create(
        community=private_community, email=outsider.email, by=moderator
    )

    with time_machine.travel(FEB, tick=False):
        membership = services.invitation_accept(invitation=invitation, user=outsider)

    assert membership.community == private_community
    assert membership.user == outsider
    assert membership.is_active
    assert membership.role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == outsider
    assert invitation.responded_at == FEB
    assert audit_actions(private_community)[-2:] == [
        AuditAction.INVITATION_ACCEPTED,
        AuditAction.JOINED,
    ]
    assert last_event(private_community).detail == {"via": "invitation"}


def test_an_invitation_can_be_accepted_with_a_verified_secondary_address(
    private_community, moderator, outsider
):
    EmailAddress.objects.create(
        user=outsider, email="olive@home.example", verified=True, primary=False
    )
    invitation = InvitationFactory(community=private_community, email="olive@home.example")

    membership = services.invitation_accept(invitation=invitation, user=outsider)

    assert membership.is_active


def test_an_unverified_secondary_address_does_not_entitle_anyone(private_community, outsider):
    EmailAddress.objects.create(
        user=outsider, email="olive@home.example", verified=False, primary=False
    )
    invitation = InvitationFactory(community=private_community, email="olive@home.example")

    with pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "wrong_person"


def test_accepting_someone_elses_invitation_is_refused(private_community, outsider):
    invitation = InvitationFactory(community=private_community, email="someone.else@example.org")

    with pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "wrong_person"
    assert "sent to someone.else@example.org" in refusal.value.message
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()


def test_an_expired_invitation_cannot_be_accepted(private_community, outsider):
    with time_machine.travel(JAN, tick=False):
        invitation = InvitationFactory(community=private_community, email=outsider.email)

    with (
        time_machine.travel(JAN + timedelta(days=15), tick=False),
        pytest.raises(ValidationError) as refusal,
    ):
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "expired"
    assert "Ask a moderator to invite you again" in refusal.value.message


def test_an_invitation_expires_exactly_at_its_expiry_time(private_community, outsider):
    invitation = InvitationFactory(
        community=private_community, email=outsider.email, expires_at=FEB
    )

    with time_machine.travel(FEB, tick=False), pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "expired"


def test_a_revoked_invitation_cannot_be_accepted(private_community, moderator, outsider):
    invitation = services.invitation_create(
        community=private_community, email=outsider.email, by=moderator
    )
    services.invitation_revoke(invitation=invitation, by=moderator)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "revoked"
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()


def test_an_invitation_cannot_be_accepted_twice(private_community, outsider):
    invitation = InvitationFactory(community=private_community, email=outsider.email)
    services.invitation_accept(invitation=invitation, user=outsider)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_accept(invitation=invitation, user=outsider)

    assert refusal.value.code == "answered"


def test_accepting_an_invitation_rejoins_a_former_member(private_community, member):
    original = Membership.objects.get(community=private_community, user=member)
    Membership.objects.filter(pk=original.pk).update(first_joined_at=JAN)
    services.membership_leave(community=private_community, user=member)
    invitation = InvitationFactory(community=private_community, email=member.email)

    with time_machine.travel(MAR, tick=False):
        membership = services.invitation_accept(invitation=invitation, user=member)

    assert membership.pk == original.pk
    assert membership.first_joined_at == JAN
    assert membership.joined_at == MAR


def test_accepting_an_invitation_as_a_member_closes_it_without_a_second_join(
    private_community, member
):
    invitation = InvitationFactory(community=private_community, email=member.email)
    before = AuditEvent.objects.filter(
        community=private_community, action=AuditAction.JOINED
    ).count()

    membership = services.invitation_accept(invitation=invitation, user=member)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert membership.user == member and membership.is_active
    after = AuditEvent.objects.filter(
        community=private_community, action=AuditAction.JOINED
    ).count()
    assert after == before


def test_declining_an_invitation(private_community, outsider):
    invitation = InvitationFactory(community=private_community, email=outsider.email)

    services.invitation_decline(invitation=invitation, user=outsider)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert invitation.responded_at is not None
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()
    event = last_event(private_community)
    assert (event.action, event.subject) == (AuditAction.INVITATION_DECLINED, outsider)


def test_someone_else_cannot_decline_an_invitation(private_community, outsider):
    invitation = InvitationFactory(community=private_community, email="someone.else@example.org")

    with pytest.raises(ValidationError) as refusal:
        services.invitation_decline(invitation=invitation, user=outsider)

    assert refusal.value.code == "wrong_person"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_revoking_an_invitation_is_audited(private_community, moderator):
    invitation = InvitationFactory(community=private_community, email="new@example.org")

    services.invitation_revoke(invitation=invitation, by=moderator)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert invitation.responded_at is not None
    event = last_event(private_community)
    assert (event.action, event.actor) == (AuditAction.INVITATION_REVOKED, moderator)
    assert event.detail == {"email": "new@example.org"}


def test_only_a_pending_invitation_can_be_revoked(private_community, moderator, outsider):
    invitation = InvitationFactory(community=private_community, email=outsider.email)
    services.invitation_accept(invitation=invitation, user=outsider)

    with pytest.raises(ValidationError) as refusal:
        services.invitation_revoke(invitation=invitation, by=moderator)

    assert refusal.value.code == "not_pending"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_audit_helper_stores_extra_detail(community, moderator):
    event = services.audit(
        community=community, actor=moderator, action=AuditAction.ARCHIVED, why="quiet"
    )

    assert event.detail == {"why": "quiet"}
    assert event.created_at <= timezone.now()
