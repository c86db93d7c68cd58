"""Moderation of help requests and replies: remove and restore, lock, pin, move, flags.

Every function validates, runs in one transaction and records an audit event
whose `detail` carries the post's title, url and the reason, so the community's
audit log can link to what was acted on. Refusals raise `ValidationError` with a
message fit to show the person.

A post is a `HelpRequest` or a `Reply`. Removing a post hides it but keeps it
(and a removed reply's children stay in the tree); the request's denormalised
`reply_count`, `first_reply_at` and `status` are recomputed from the replies
still visible, so they cannot drift however removals and restores interleave.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Role
from communities.policy import Access, access_for
from communities.services import audit
from discussions.kinds import AuditAction, Kind
from notifications.services import notify

from .. import permissions
from ..models import Flag, FlagStatus, HelpRequest, Reply, RequestStatus
from ..search import index_post

User = get_user_model()

REASON_MAX_LENGTH = 300


# Helpers -------------------------------------------------------------------


def _parts(post) -> tuple[HelpRequest, Reply | None]:
    if isinstance(post, Reply):
        return post.help_request, post
    if isinstance(post, HelpRequest):
        return post, None
    raise TypeError(f"Not a post: {post!r}")


def post_url(post) -> str:
    help_request, reply = _parts(post)
    slug = help_request.community.slug
    if reply is not None:
        return reverse("discussions:reply_permalink", args=[slug, help_request.pk, reply.pk])
    return reverse("discussions:thread", args=[slug, help_request.pk])


def post_label(post) -> str:
    return "reply" if isinstance(post, Reply) else "help request"


def _detail(post, **extra) -> dict:
    help_request, reply = _parts(post)
    detail = {
        "post": "reply" if reply is not None else "request",
        "request_id": help_request.pk,
        "title": help_request.title,
        "url": post_url(post),
    }
    if reply is not None:
        detail["reply_id"] = reply.pk
    detail.update({k: v for k, v in extra.items() if v not in (None, "")})
    return detail


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError(
            "Give a reason; the author and the other moderators see it.", code="reason_required"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            f"Keep the reason to {REASON_MAX_LENGTH} characters (it has {len(reason)}).",
            code="reason_too_long",
        )
    return reason


def _require_moderator(access: Access) -> None:
    if not permissions.can_moderate(access):
        raise ValidationError("Only the community's moderators can do that.", code="not_moderator")


def _lock_request(help_request: HelpRequest) -> HelpRequest:
    """Lock the request's row, so concurrent removals, restores and flags on one thread queue up."""
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    # Keep the caller's object current: it is what the caller renders next.
    for field in (
        "is_removed",
        "is_locked",
        "is_pinned",
        "status",
        "accepted_reply_id",
        "community_id",
    ):
        setattr(help_request, field, getattr(locked, field))
    return help_request


def _refresh_counters(help_request: HelpRequest) -> None:
    """Recompute the thread's denormalised counters and status from its visible replies."""
    visible = Reply.objects.visible().filter(help_request=help_request)
    help_request.reply_count = visible.count()
    others = (
        visible.exclude(author_id=help_request.author_id) if help_request.author_id else visible
    )
    help_request.first_reply_at = others.aggregate(first=Min("created_at"))["first"]
    fields = ["reply_count", "first_reply_at"]
    if help_request.accepted_reply_id is None and help_request.status in (
        RequestStatus.OPEN,
        RequestStatus.ANSWERED,
        RequestStatus.SOLVED,
    ):
        help_request.status = (
            RequestStatus.ANSWERED if help_request.first_reply_at else RequestStatus.OPEN
        )
        fields.append("status")
    help_request.save(update_fields=fields)


def _open_flags_on(post):
    help_request, reply = _parts(post)
    flags = Flag.objects.filter(help_request=help_request, status=FlagStatus.OPEN)
    return flags.filter(reply=reply) if reply is not None else flags.filter(reply__isnull=True)


def _resolve_flags(post, *, by, status: str) -> int:
    return _open_flags_on(post).update(status=status, resolved_by=by, resolved_at=timezone.now())


def _moderators(community: Community):
    return User.objects.filter(
        memberships__community=community,
        memberships__is_active=True,
        memberships__role=Role.MODERATOR,
        is_active=True,
    )


# Remove and restore ----------------------------------------------------------


@transaction.atomic
def post_remove(*, post, by, reason: str = "") -> HelpRequest | Reply:
    """Hide a post. Its author may remove it (reason optional); a moderator must say why.

    Removing the accepted reply withdraws the acceptance, so the thread is no
    longer "solved" by an answer nobody can read. A removed reply's children
    stay in place. Open flags on the post are settled as acted on.
    """
    help_request, reply = _parts(post)
    _lock_request(help_request)
    if reply is not None:
        reply.refresh_from_db(fields=["is_removed"])
    access = access_for(by, help_request.community)
    if post.is_removed:
        raise ValidationError(
            f"This {post_label(post)} was already removed.", code="already_removed"
        )
    if not permissions.can_remove_post(access, post):
        raise ValidationError(
            f"Only its author or a moderator can remove this {post_label(post)}.",
            code="not_allowed",
        )
    own = post.author_id == by.pk
    reason = _clean_reason(reason, required=not own)

    now = timezone.now()
    post.is_removed = True
    post.removed_by = by
    post.removed_reason = reason
    post.removed_at = now
    post.save(update_fields=["is_removed", "removed_by", "removed_reason", "removed_at"])

    if reply is not None:
        if help_request.accepted_reply_id == reply.pk:
            help_request.accepted_reply = None
            help_request.accepted_at = None
            help_request.accepted_by = None
            help_request.save(update_fields=["accepted_reply", "accepted_at", "accepted_by"])
        _refresh_counters(help_request)

    _resolve_flags(post, by=by, status=FlagStatus.ACTIONED)
    audit(
        community=help_request.community,
        actor=by,
        action=AuditAction.POST_REMOVED,
        subject=post.author,
        **_detail(post, reason=reason),
    )
    if not own and post.author_id:
        notify(
            recipient=post.author,
            kind=Kind.POST_REMOVED,
            message=f"A moderator removed your {post_label(post)} in “{help_request.title}”: {reason}",
            url=post_url(post),
            actor=by,
            community=help_request.community,
        )
    index_post(help_request=help_request, reply=reply)
    return post


@transaction.atomic
def post_restore(*, post, by) -> HelpRequest | Reply:
    """Bring a removed post back (moderators). An acceptance withdrawn by the removal stays withdrawn."""
    help_request, reply = _parts(post)
    _lock_request(help_request)
    if reply is not None:
        reply.refresh_from_db(fields=["is_removed"])
    _require_moderator(access_for(by, help_request.community))
    if not post.is_removed:
        raise ValidationError(f"This {post_label(post)} is not removed.", code="not_removed")
    post.is_removed = False
    post.removed_by = None
    post.removed_reason = ""
    post.removed_at = None
    post.save(update_fields=["is_removed", "removed_by", "removed_reason", "removed_at"])
    if reply is not None:
        _refresh_counters(help_request)
    audit(
        community=help_request.community,
        actor=by,
        action=AuditAction.POST_RESTORED,
        subject=post.author,
        **_detail(post),
    )
    index_post(help_request=help_request, reply=reply)
    return post


# Lock, pin ---------------------------------------------------------------


def _set_flag_field(
    *, help_request: HelpRequest, by, field: str, value: bool, action: str, refusal: str
):
    _lock_request(help_request)
    _require_moderator(access_for(by, help_request.community))
    if help_request.is_removed:
        raise ValidationError("This help request was removed; restore it first.", code="removed")
    if getattr(help_request, field) == value:
        raise ValidationError(refusal, code="unchanged")
    setattr(help_request, field, value)
    help_request.save(update_fields=[field])
    audit(community=help_request.community, actor=by, action=action, **_detail(help_request))
    return help_request


@transaction.atomic
def request_lock(*, help_request: HelpRequest, by) -> HelpRequest:
    """Close the thread to new replies (moderators can still reply)."""
    return _set_flag_field(
        help_request=help_request,
        by=by,
        field="is_locked",
        value=True,
        action=AuditAction.REQUEST_LOCKED,
        refusal="This thread is already locked.",
    )


@transaction.atomic
def request_unlock(*, help_request: HelpRequest, by) -> HelpRequest:
    return _set_flag_field(
        help_request=help_request,
        by=by,
        field="is_locked",
        value=False,
        action=AuditAction.REQUEST_UNLOCKED,
        refusal="This thread is not locked.",
    )


@transaction.atomic
def request_pin(*, help_request: HelpRequest, by) -> HelpRequest:
    """Keep the request at the top of the community's list."""
    return _set_flag_field(
        help_request=help_request,
        by=by,
        field="is_pinned",
        value=True,
        action=AuditAction.REQUEST_PINNED,
        refusal="This help request is already pinned.",
    )


@transaction.atomic
def request_unpin(*, help_request: HelpRequest, by) -> HelpRequest:
    return _set_flag_field(
        help_request=help_request,
        by=by,
        field="is_pinned",
        value=False,
        action=AuditAction.REQUEST_UNPINNED,
        refusal="This help request is not pinned.",
    )


# Move ----------------------------------------------------------------------


def move_targets(*, help_request: HelpRequest, user):
    """Communities a request may move to: live, unarchived, other than its own, moderated by `user`."""
    targets = Community.objects.live().not_archived().exclude(pk=help_request.community_id)
    if user.is_superuser:
        return targets
    return targets.filter(
        pk__in=Community.objects.filter(
            memberships__user=user, memberships__is_active=True, memberships__role=Role.MODERATOR
        ).values("pk")
    )


@transaction.atomic
def request_move(*, help_request: HelpRequest, to_community: Community, by) -> HelpRequest:
    """Move a request, with its replies, tags and open flags, to another community `by` moderates."""
    _lock_request(help_request)
    source = Community.objects.get(pk=help_request.community_id)
    _require_moderator(access_for(by, source))
    if help_request.is_removed:
        raise ValidationError(
            "This help request was removed; restore it before moving it.", code="removed"
        )
    if to_community.pk == source.pk:
        raise ValidationError(
            f"This help request is already in {source.name}.", code="same_community"
        )
    if not to_community.is_live or to_community.is_archived:
        raise ValidationError(
            f"{to_community.name} is not open for new posts, so nothing can move there.",
            code="target_closed",
        )
    if not access_for(by, to_community).can_moderate:
        raise ValidationError(
            f"You can only move help requests to communities you moderate, and you do not moderate {to_community.name}.",
            code="not_target_moderator",
        )

    help_request.community = to_community
    help_request.save(update_fields=["community"])
    # Open flags follow the post into the new community's queue; settled ones stay where they were settled.
    Flag.objects.filter(help_request=help_request, status=FlagStatus.OPEN).update(
        community=to_community
    )

    detail = _detail(help_request, from_community=source.name, to_community=to_community.name)
    audit(
        community=source,
        actor=by,
        action=AuditAction.REQUEST_MOVED,
        subject=help_request.author,
        **detail,
    )
    audit(
        community=to_community,
        actor=by,
        action=AuditAction.REQUEST_MOVED,
        subject=help_request.author,
        **detail,
    )
    if help_request.author_id and help_request.author_id != by.pk:
        notify(
            recipient=help_request.author,
            kind=Kind.REQUEST_MOVED,
            message=f"{by.name} moved your help request “{help_request.title}” from {source.name} to {to_community.name}.",
            url=detail["url"],
            actor=by,
            community=to_community,
        )
    index_post(help_request=help_request, moved_from=source)
    return help_request


# Flags ---------------------------------------------------------------------


@transaction.atomic
def flag_create(*, post, by, reason: str) -> Flag:
    """A member reports a post to the community's moderators. One open flag per person per post."""
    help_request, reply = _parts(post)
    # The row lock makes "one open flag per person" hold under concurrent submits.
    _lock_request(help_request)
    if reply is not None:
        reply.refresh_from_db(fields=["is_removed"])
    community = help_request.community
    if not permissions.can_flag(access_for(by, community)):
        raise ValidationError(
            f"Only members of {community.name} can flag posts here.", code="not_member"
        )
    if post.is_removed or help_request.is_removed:
        removed = post if post.is_removed else help_request
        raise ValidationError(f"This {post_label(removed)} was already removed.", code="removed")
    if post.author_id == by.pk:
        raise ValidationError(
            f"This is your own {post_label(post)}: edit or remove it instead of flagging it.",
            code="own_post",
        )
    reason = _clean_reason(reason, required=True)
    if _open_flags_on(post).filter(flagged_by=by).exists():
        raise ValidationError(
            f"You already flagged this {post_label(post)}; a moderator will look at it soon.",
            code="already_flagged",
        )
    flag = Flag.objects.create(
        community=community, help_request=help_request, reply=reply, flagged_by=by, reason=reason
    )
    queue = reverse("discussions:moderation_queue", args=[community.slug])
    for moderator in _moderators(community).exclude(pk=by.pk):
        notify(
            recipient=moderator,
            kind=Kind.POST_FLAGGED,
            message=f"{by.name} flagged a {post_label(post)} in “{help_request.title}”: {reason}",
            url=queue,
            actor=by,
            community=community,
        )
    return flag


def _flag_post(flag: Flag):
    return flag.reply if flag.reply_id else flag.help_request


def _check_open_flag(flag: Flag, by) -> None:
    flag.refresh_from_db(fields=["status", "community"])
    _require_moderator(access_for(by, flag.community))
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(
            f"This flag was already settled ({flag.get_status_display().lower()}).",
            code="flag_settled",
        )


@transaction.atomic
def flag_dismiss(*, flag: Flag, by) -> Flag:
    """Judge the flagged post fine: settles every open flag on that post, since they are about one post."""
    _lock_request(flag.help_request)
    _check_open_flag(flag, by)
    post = _flag_post(flag)
    reasons = list(_open_flags_on(post).values_list("reason", flat=True))
    settled = _resolve_flags(post, by=by, status=FlagStatus.DISMISSED)
    flag.refresh_from_db(fields=["status", "resolved_by", "resolved_at"])
    audit(
        community=flag.community,
        actor=by,
        action=AuditAction.FLAG_DISMISSED,
        subject=post.author,
        **_detail(post, reason="; ".join(reasons), flags=settled),
    )
    return flag


FLAG_ACTIONS = ("remove", "resolve")


@transaction.atomic
def flag_action(*, flag: Flag, by, action: str, reason: str = "") -> Flag:
    """Act on a flag: `remove` the post (with the flag's reason unless another is given), or
    `resolve` it after the moderator fixed the post by editing it. Settles every open flag on the post."""
    if action not in FLAG_ACTIONS:
        raise ValidationError(
            "Choose to remove the post or to mark it resolved.", code="bad_action"
        )
    _lock_request(flag.help_request)
    _check_open_flag(flag, by)
    post = _flag_post(flag)
    reasons = list(_open_flags_on(post).values_list("reason", flat=True))
    if action == "remove":
        reason = _clean_reason(reason or flag.reason, required=True)
        if not post.is_removed:
            # Settles the post's open flags as acted on.
            post_remove(post=post, by=by, reason=reason)
    _resolve_flags(post, by=by, status=FlagStatus.ACTIONED)
    flag.refresh_from_db(fields=["status", "resolved_by", "resolved_at"])
    audit(
        community=flag.community,
        actor=by,
        action=AuditAction.FLAG_ACTIONED,
        subject=post.author,
        **_detail(
            post, reason="; ".join(reasons), outcome="removed" if action == "remove" else "resolved"
        ),
    )
    return flag
