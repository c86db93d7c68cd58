"""Every write to communities and memberships goes through these functions.

Each one validates, runs in a transaction, records the audit event and
schedules side effects (notifications, emails) to run after commit. A refusal
raises `ValidationError` with a message fit to show the person.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from notifications.services import notify

from .kinds import AuditAction, Kind
from .models import (
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
from .signals import membership_left

User = get_user_model()

EDITABLE_FIELDS = (
    "name",
    "tagline",
    "description",
    "visibility",
    "join_policy",
    "meeting_room",
    "meeting_url",
    "escalation_hours",
)


def audit(*, community: Community, actor, action: str, subject=None, **detail) -> AuditEvent:
    return AuditEvent.objects.create(
        community=community, actor=actor, action=action, subject=subject, detail=detail
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "community"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _check_policy_fields(visibility: str, join_policy: str) -> None:
    if visibility == Visibility.PRIVATE and join_policy != JoinPolicy.INVITATION:
        raise ValidationError(
            "A private community is unlisted, so people can only join it by invitation.",
            code="private_needs_invitation",
        )


def _ensure_accepts_members(community: Community) -> None:
    if community.is_archived:
        raise ValidationError("This community is archived and takes no new members.", code="archived")
    if not community.is_live:
        raise ValidationError("This community is not open yet.", code="not_live")


def _moderators(community: Community):
    return User.objects.filter(
        memberships__community=community, memberships__is_active=True, memberships__role=Role.MODERATOR
    )


# Communities ---------------------------------------------------------------


@transaction.atomic
def community_create(
    *,
    by,
    name: str,
    tagline: str = "",
    description: str = "",
    tags: list[str] | None = None,
    visibility: str = Visibility.PUBLIC,
    join_policy: str = JoinPolicy.OPEN,
    meeting_room: str = "",
    meeting_url: str = "",
) -> Community:
    """Propose a community; its creator becomes its first moderator."""
    _check_policy_fields(visibility, join_policy)
    if Community.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError("A community with this name already exists.", code="duplicate_name")
    needs_approval = settings.COMMUNITY_CREATION_REQUIRES_APPROVAL and not by.is_superuser
    community = Community.objects.create(
        name=name.strip(),
        slug=_unique_slug(name),
        tagline=tagline,
        description=description,
        visibility=visibility,
        join_policy=join_policy,
        meeting_room=meeting_room,
        meeting_url=meeting_url,
        status=CommunityStatus.PROPOSED if needs_approval else CommunityStatus.ACTIVE,
        created_by=by,
    )
    if tags:
        community.tags.set(tags)
    Membership.objects.create(community=community, user=by, role=Role.MODERATOR)
    audit(community=community, actor=by, action=AuditAction.CREATED, subject=by)
    if needs_approval:
        for admin in User.objects.filter(is_superuser=True, is_active=True):
            notify(
                recipient=admin,
                kind=Kind.COMMUNITY_PROPOSED,
                message=f"{by.name} proposed a new community: {community.name}",
                url=reverse("admin:communities_community_change", args=[community.pk]),
                actor=by,
                community=community,
            )
    return community


@transaction.atomic
def community_approve(*, community: Community, by) -> Community:
    if community.status == CommunityStatus.ACTIVE:
        raise ValidationError("This community is already live.", code="already_live")
    community.status = CommunityStatus.ACTIVE
    community.save(update_fields=["status"])
    audit(community=community, actor=by, action=AuditAction.APPROVED)
    if community.created_by:
        notify(
            recipient=community.created_by,
            kind=Kind.COMMUNITY_APPROVED,
            message=f"Your community {community.name} is approved and live.",
            url=community.get_absolute_url(),
            actor=by,
            community=community,
        )
    return community


@transaction.atomic
def community_decline(*, community: Community, by, reason: str = "") -> Community:
    if community.status != CommunityStatus.PROPOSED:
        raise ValidationError("Only a proposed community can be declined.", code="not_proposed")
    community.status = CommunityStatus.DECLINED
    community.save(update_fields=["status"])
    audit(community=community, actor=by, action=AuditAction.DECLINED, reason=reason)
    if community.created_by:
        notify(
            recipient=community.created_by,
            kind=Kind.COMMUNITY_DECLINED,
            message=f"Your proposed community {community.name} was declined"
            + (f": {reason}" if reason else "."),
            url=community.get_absolute_url(),
            actor=by,
            community=community,
        )
    return community


@transaction.atomic
def community_update(*, community: Community, by, tags: list[str] | None = None, **fields) -> Community:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    _check_policy_fields(
        fields.get("visibility", community.visibility), fields.get("join_policy", community.join_policy)
    )
    if "name" in fields and (
        Community.objects.filter(name__iexact=fields["name"].strip()).exclude(pk=community.pk).exists()
    ):
        raise ValidationError("A community with this name already exists.", code="duplicate_name")
    changed = [name for name, value in fields.items() if getattr(community, name) != value]
    for name in changed:
        setattr(community, name, fields[name])
    if changed:
        community.save(update_fields=changed)
    if tags is not None and sorted(tags) != sorted(community.tags.names()):
        community.tags.set(tags)
        changed.append("tags")
    if changed:
        audit(community=community, actor=by, action=AuditAction.SETTINGS_CHANGED, fields=changed)
    return community


@transaction.atomic
def community_archive(*, community: Community, by) -> Community:
    if community.is_archived:
        raise ValidationError("This community is already archived.", code="already_archived")
    community.is_archived = True
    community.archived_at = timezone.now()
    community.save(update_fields=["is_archived", "archived_at"])
    # Open invitations and requests can no longer lead anywhere.
    community.invitations.filter(status=InvitationStatus.PENDING).update(status=InvitationStatus.REVOKED)
    community.join_requests.filter(status=RequestStatus.PENDING).update(
        status=RequestStatus.DECLINED, decided_by=by, decided_at=timezone.now(), reason="The community was archived."
    )
    audit(community=community, actor=by, action=AuditAction.ARCHIVED)
    return community


@transaction.atomic
def community_unarchive(*, community: Community, by) -> Community:
    if not community.is_archived:
        raise ValidationError("This community is not archived.", code="not_archived")
    community.is_archived = False
    community.archived_at = None
    community.save(update_fields=["is_archived", "archived_at"])
    audit(community=community, actor=by, action=AuditAction.UNARCHIVED)
    return community


# Membership ----------------------------------------------------------------


def _activate_membership(*, community: Community, user, role: str = Role.MEMBER) -> Membership:
    membership = Membership.objects.select_for_update().filter(community=community, user=user).first()
    now = timezone.now()
    if membership is None:
        try:
            with transaction.atomic():
                return Membership.objects.create(
                    community=community, user=user, role=role, first_joined_at=now, joined_at=now
                )
        except IntegrityError:
            # Another request created it in the meantime (a double click): use that row.
            membership = Membership.objects.select_for_update().get(community=community, user=user)
    if membership.is_active:
        raise ValidationError("You are already a member of this community.", code="already_member")
    membership.is_active = True
    membership.role = role
    membership.joined_at = now
    membership.left_at = None
    membership.save(update_fields=["is_active", "role", "joined_at", "left_at"])
    return membership


@transaction.atomic
def membership_join(*, community: Community, user) -> Membership:
    """Join an open community in one click."""
    _ensure_accepts_members(community)
    if community.join_policy != JoinPolicy.OPEN:
        raise ValidationError(
            "This community is not open to join directly: ask to join or wait for an invitation.",
            code="not_open",
        )
    membership = _activate_membership(community=community, user=user)
    audit(community=community, actor=user, action=AuditAction.JOINED, subject=user)
    Community.objects.filter(pk=community.pk).touch()
    return membership


def _lock_moderators(community: Community) -> list[int]:
    """Lock the community's moderator rows so two concurrent demotions cannot both pass the check."""
    return list(
        Membership.objects.select_for_update()
        .filter(community=community, is_active=True, role=Role.MODERATOR)
        .values_list("pk", flat=True)
    )


ROLE_PHRASES = {
    Role.MEMBER: "a member",
    Role.CORE: "part of the core group",
    Role.MODERATOR: "a moderator",
    Role.SPONSOR: "a sponsor",
}

LAST_MODERATOR_MESSAGE = (
    "A community always needs a moderator: make someone else a moderator first."
)


@transaction.atomic
def membership_leave(*, community: Community, user) -> Membership:
    """Leave at any time; the row stays (inactive) so rejoining keeps history."""
    moderator_ids = _lock_moderators(community)
    membership = Membership.objects.select_for_update().filter(
        community=community, user=user, is_active=True
    ).first()
    if membership is None:
        raise ValidationError("You are not a member of this community.", code="not_member")
    if membership.role == Role.MODERATOR and moderator_ids == [membership.pk]:
        raise ValidationError(
            "You are the last moderator, so you cannot leave. " + LAST_MODERATOR_MESSAGE,
            code="last_moderator",
        )
    membership.is_active = False
    membership.left_at = timezone.now()
    membership.save(update_fields=["is_active", "left_at"])
    audit(community=community, actor=user, action=AuditAction.LEFT, subject=user, role=membership.role)
    Community.objects.filter(pk=community.pk).touch()
    # Meetings withdraws the leaver's upcoming RSVPs (meetings.receivers), in this transaction.
    membership_left.send(sender=Membership, community=community, user=user, membership=membership)
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by) -> Membership:
    if role not in Role.values:
        raise ValidationError("Choose a valid role.", code="invalid_role")
    community = membership.community
    moderator_ids = _lock_moderators(community)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError("This person is no longer a member.", code="not_member")
    old = membership.role
    if old == role:
        return membership
    if old == Role.MODERATOR and moderator_ids == [membership.pk]:
        raise ValidationError(
            "This is the last moderator, who cannot be given another role. " + LAST_MODERATOR_MESSAGE,
            code="last_moderator",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    audit(
        community=community, actor=by, action=AuditAction.ROLE_CHANGED, subject=membership.user, old=old, new=role
    )
    if membership.user_id != by.pk:
        notify(
            recipient=membership.user,
            kind=Kind.ROLE_CHANGED,
            message=f"{by.name} made you {ROLE_PHRASES[role]} of {community.name}.",
            url=community.get_absolute_url(),
            actor=by,
            community=community,
        )
    return membership


# Join requests -------------------------------------------------------------


@transaction.atomic
def join_request_create(*, community: Community, user, message: str = "") -> JoinRequest:
    _ensure_accepts_members(community)
    if community.join_policy != JoinPolicy.REQUEST:
        raise ValidationError("This community does not take join requests.", code="not_by_request")
    if Membership.objects.filter(community=community, user=user, is_active=True).exists():
        raise ValidationError("You are already a member of this community.", code="already_member")
    if JoinRequest.objects.filter(community=community, user=user, status=RequestStatus.PENDING).exists():
        raise ValidationError("You have already asked to join; the moderators will answer soon.", code="duplicate")
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(community=community, user=user, message=message.strip())
    except IntegrityError as exc:
        raise ValidationError(
            "You have already asked to join; the moderators will answer soon.", code="duplicate"
        ) from exc
    audit(community=community, actor=user, action=AuditAction.REQUESTED, subject=user)
    for moderator in _moderators(community):
        notify(
            recipient=moderator,
            kind=Kind.JOIN_REQUEST_RECEIVED,
            message=f"{user.name} asked to join {community.name}.",
            url=reverse("communities:join_requests", args=[community.slug]),
            actor=user,
            community=community,
        )
    return join_request


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().select_related("community", "user").get(pk=join_request.pk)
    if locked.status != RequestStatus.PENDING:
        raise ValidationError("This request has already been answered.", code="not_pending")
    return locked


@transaction.atomic
def join_request_approve(*, join_request: JoinRequest, by) -> Membership:
    join_request = _lock_pending(join_request)
    community = join_request.community
    _ensure_accepts_members(community)
    join_request.status = RequestStatus.APPROVED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    try:
        membership = _activate_membership(community=community, user=join_request.user)
    except ValidationError:
        membership = Membership.objects.get(community=community, user=join_request.user)
    audit(community=community, actor=by, action=AuditAction.REQUEST_APPROVED, subject=join_request.user)
    Community.objects.filter(pk=community.pk).touch()
    notify(
        recipient=join_request.user,
        kind=Kind.JOIN_REQUEST_APPROVED,
        message=f"Welcome! Your request to join {community.name} was approved.",
        url=community.get_absolute_url(),
        actor=by,
        community=community,
    )
    return membership


@transaction.atomic
def join_request_decline(*, join_request: JoinRequest, by, reason: str) -> JoinRequest:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why you decline, so the person knows what to do.", code="reason_required")
    join_request = _lock_pending(join_request)
    join_request.status = RequestStatus.DECLINED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.reason = reason
    join_request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    community = join_request.community
    audit(
        community=community, actor=by, action=AuditAction.REQUEST_DECLINED, subject=join_request.user, reason=reason
    )
    notify(
        recipient=join_request.user,
        kind=Kind.JOIN_REQUEST_DECLINED,
        message=f"Your request to join {community.name} was declined: {reason}",
        url=community.get_absolute_url(),
        actor=by,
        community=community,
    )
    return join_request


@transaction.atomic
def join_request_withdraw(*, join_request: JoinRequest, by) -> JoinRequest:
    join_request = _lock_pending(join_request)
    if join_request.user_id != by.pk:
        raise ValidationError("Only the person who asked can withdraw a request.", code="not_yours")
    join_request.status = RequestStatus.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    audit(community=join_request.community, actor=by, action=AuditAction.REQUEST_WITHDRAWN, subject=by)
    return join_request


# Invitations ---------------------------------------------------------------


def _user_by_email(email: str):
    """The person who owns this address, whether it is their login or another verified address."""
    from allauth.account.models import EmailAddress

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
        user = address.user if address else None
    return user


def _user_owns_email(user, email: str) -> bool:
    from allauth.account.models import EmailAddress

    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_create(*, community: Community, email: str, by, message: str = "") -> Invitation:
    _ensure_accepts_members(community)
    email = email.strip().lower()
    invitee = _user_by_email(email)
    if invitee and Membership.objects.filter(community=community, user=invitee, is_active=True).exists():
        raise ValidationError(f"{invitee.name} is already a member.", code="already_member")
    if community.invitations.open().filter(email__iexact=email).exists():
        raise ValidationError("This address already has an open invitation.", code="duplicate")
    # An expired invitation that was never answered gives way to the new one.
    community.invitations.filter(email__iexact=email, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, responded_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        community=community,
        email=email,
        invited_by=by,
        message=message.strip(),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit(community=community, actor=by, action=AuditAction.INVITED, subject=invitee, email=email)
    if invitee:
        # The notification's email copy is the invitation email for people who have an account.
        notify(
            recipient=invitee,
            kind=Kind.INVITATION,
            message=f"{by.name} invited you to join {community.name}.",
            url=invitation.get_absolute_url(),
            actor=by,
            community=community,
        )
    else:
        from .tasks import send_invitation_email

        # robust: a broker outage must not turn a saved invitation into an error page.
        transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk), robust=True)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError("Only a pending invitation can be revoked.", code="not_pending")
    invitation.status = InvitationStatus.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit(
        community=invitation.community, actor=by, action=AuditAction.INVITATION_REVOKED, email=invitation.email
    )
    return invitation


def _lock_open_invitation(invitation: Invitation, user) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    if invitation.status == InvitationStatus.REVOKED:
        raise ValidationError("This invitation was withdrawn by the moderators.", code="revoked")
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError("This invitation has already been answered.", code="answered")
    if invitation.is_expired:
        raise ValidationError(
            "This invitation has expired. Ask a moderator to invite you again.", code="expired"
        )
    if not _user_owns_email(user, invitation.email):
        raise ValidationError(
            f"This invitation was sent to {invitation.email}. Sign in with that address to answer it.",
            code="wrong_person",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    invitation = _lock_open_invitation(invitation, user)
    community = invitation.community
    _ensure_accepts_members(community)
    membership = Membership.objects.filter(community=community, user=user, is_active=True).first()
    joined = membership is None
    if joined:
        membership = _activate_membership(community=community, user=user)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "responded_at"])
    audit(community=community, actor=user, action=AuditAction.INVITATION_ACCEPTED, subject=user)
    if joined:
        audit(community=community, actor=user, action=AuditAction.JOINED, subject=user, via="invitation")
        Community.objects.filter(pk=community.pk).touch()
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation, user) -> Invitation:
    invitation = _lock_open_invitation(invitation, user)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    audit(community=invitation.community, actor=user, action=AuditAction.INVITATION_DECLINED, subject=user)
    return invitation
