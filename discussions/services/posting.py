"""Asking, replying, editing, accepting, voting and following: the writes of a thread.

Every function validates, runs in a transaction, keeps the denormalised
counters of the help request true, stores the rendered body (`body_html`, with
@mentions linked) so pages never re-render Markdown, records audit events for
what a moderator does to someone else's post, and notifies people. Only people
who may read the community are ever notified. A refusal raises
`ValidationError` with a message fit to show the person.

Two people (or one person's two clicks) may write the same thread at once. Every
write that reads the thread's state and then changes it locks the help request's
row first, always before any reply row, so the writers queue in one order and
never deadlock: replies, edits, accepting. Posting carries the form's one-time
`submission_key`, so a form sent twice makes one post; editing carries the
`version` the editor started from, so a later edit never silently replaces an
earlier one (`EditConflict`).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import Tag

from communities.models import Community, Membership, Role
from communities.services import audit
from core.markdown import render_markdown
from discussions.kinds import AuditAction, Kind
from notifications.services import notify

from .. import mentions, ratelimit
from ..models import (
    MAX_REPLY_DEPTH,
    Follow,
    HelpfulVote,
    HelpRequest,
    Reply,
    RequestStatus,
    Revision,
)
from ..search import index_post

User = get_user_model()

TITLE_MAX = 200
BODY_MAX = 20_000


# Helpers -------------------------------------------------------------------


def _membership(community: Community, user) -> Membership | None:
    return Membership.objects.filter(community=community, user=user, is_active=True).first()


def _ensure_can_post(community: Community, user) -> Membership:
    if community.is_archived:
        raise ValidationError(
            "This community is archived: its threads are read-only.", code="archived"
        )
    if not community.is_live:
        raise ValidationError("This community is not open yet.", code="not_live")
    membership = _membership(community, user)
    if membership is None:
        raise ValidationError("Join the community to post in it.", code="not_member")
    return membership


def _moderates(community: Community, user) -> bool:
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        community=community, user=user, is_active=True, role=Role.MODERATOR
    ).exists()


def _clean_text(text: str, *, what: str, max_length: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"The {what} cannot be empty.", code="empty")
    if len(text) > max_length:
        raise ValidationError(
            f"The {what} is too long ({len(text):,} characters; at most {max_length:,}).",
            code="too_long",
        )
    return text


def _clean_tags(tags) -> list[str]:
    cleaned, seen = [], set()
    for tag in tags or ():
        name = str(tag).strip().lower()
        if name and slugify(name) and name not in seen:
            seen.add(name)
            cleaned.append(name[:100])
    if len(cleaned) > 8:
        raise ValidationError("Use at most eight tags.", code="too_many_tags")
    return cleaned


def render_body(text: str, community: Community) -> tuple[str, list]:
    """The body's HTML with mentions of readers linked, and those readers."""
    people = mentions.mentionable(text, community)
    return render_markdown(text, mention_urls=mentions.mention_urls(people)), people


def _thread_url(help_request: HelpRequest) -> str:
    return reverse("discussions:thread", args=[help_request.community.slug, help_request.pk])


def _reply_url(reply: Reply) -> str:
    help_request = reply.help_request
    return reverse(
        "discussions:reply_permalink", args=[help_request.community.slug, help_request.pk, reply.pk]
    )


def _short(title: str) -> str:
    return Truncator(title).chars(90)


def _notify_mentioned(people, *, by, help_request: HelpRequest, url: str, skip=()) -> set[int]:
    told = set()
    for person in people:
        if person.pk == getattr(by, "pk", None) or person.pk in skip:
            continue
        notify(
            recipient=person,
            kind=Kind.MENTIONED,
            message=f"{by.name} mentioned you in “{_short(help_request.title)}”",
            url=url,
            actor=by,
            community=help_request.community,
        )
        told.add(person.pk)
    return told


def _follow(help_request: HelpRequest, user) -> None:
    Follow.objects.get_or_create(help_request=help_request, user=user)


# Re-read under the lock: what the view loaded may be stale by the time the lock is granted.
THREAD_STATE = ["is_removed", "is_locked", "status", "accepted_reply_id", "first_reply_at"]


def _lock_thread(help_request: HelpRequest, *, fields=THREAD_STATE) -> None:
    """Lock the help request's row until the transaction ends and refresh `fields` from it.

    Moderation (`services.moderation._lock_request`) and the reply tree
    (`ReplyManager._lock_thread`) take the same lock, so a reply, an edit, an
    acceptance and a removal of one thread happen one after the other.
    """
    _lock_and_read(HelpRequest, help_request, fields)


def _lock_reply(reply: Reply, *, fields) -> None:
    """Lock a reply's row (its thread is locked first, by the caller) and refresh `fields`."""
    _lock_and_read(Reply, reply, fields)


def _lock_and_read(model, instance, fields) -> None:
    # One query: SELECT ... FOR UPDATE of just these columns. Setting a foreign key's `_id`
    # drops a cached related object that no longer matches.
    row = model.objects.select_for_update().filter(pk=instance.pk).values(*fields).get()
    for field, value in row.items():
        setattr(instance, field, value)


def _submitted(model, *, by, submission_key):
    """The post `by` already made from the form carrying `submission_key`, if any, marked
    `resubmitted` so the view does not announce it as new."""
    if submission_key is None:
        return None
    earlier = model.objects.filter(author=by, submission_key=submission_key).first()
    if earlier is not None:
        earlier.resubmitted = True
    return earlier


def _create_once(model, create, *, by, submission_key):
    """`create()` in a savepoint; if the same form's insert won a race (the unique
    submission key), the post it made instead. Returns (post, created)."""
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        earlier = _submitted(model, by=by, submission_key=submission_key)
        if earlier is None:
            raise
        return earlier, False


class EditConflict(ValidationError):
    """The post changed since the editor opened it; carries the post as it is now."""

    def __init__(self, current, *, what: str):
        self.current = current
        super().__init__(
            f"Someone else changed this {what} while you were editing it. Its current version is "
            "shown on this page; your text is still in the form. Check both, then save again to "
            "replace it.",
            code="edit_conflict",
        )


def _check_version(post, base_version: int | None, *, what: str) -> None:
    if base_version is not None and post.version != base_version:
        raise EditConflict(post, what=what)


# Help requests -------------------------------------------------------------


def experts_for(help_request: HelpRequest, tags: list[str]):
    """Active members of the community whose expertise matches one of the tags, the asker excluded
    (by the rule of `discussions.expertise`, asked of the database)."""
    slugs = {slugify(tag) for tag in tags}
    if not slugs:
        return User.objects.none()
    members = Membership.objects.filter(community=help_request.community_id, is_active=True).values(
        "user_id"
    )
    # Tag names are case-sensitive and a later "Kubernetes" gets the slug "kubernetes_1": match names
    # case-insensitively too, or that expert is never told.
    same_name = Tag.objects.annotate(lowered=Lower("name")).filter(
        lowered__in={str(tag).lower() for tag in tags}
    )
    return (
        User.objects.filter(is_active=True, pk__in=members)
        .filter(Q(expertise__slug__in=slugs) | Q(expertise__in=same_name))
        .exclude(pk=help_request.author_id)
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def help_request_create(
    *, community: Community, by, title: str, body: str, tags=(), submission_key=None
) -> HelpRequest:
    """Ask for help. The asker follows the request; experts and mentioned people are told.

    The same `submission_key` (the ask form's one-time token) sent again, even at
    the same moment, returns the request it made instead of a second one.
    """
    _ensure_can_post(community, by)
    earlier = _submitted(HelpRequest, by=by, submission_key=submission_key)
    if earlier is not None:
        return earlier
    title = _clean_text(title, what="title", max_length=TITLE_MAX)
    body = _clean_text(body, what="description", max_length=BODY_MAX)
    tags = _clean_tags(tags)
    ratelimit.hit(user=by, action="request")
    body_html, mentioned = render_body(body, community)
    now = timezone.now()
    help_request, created = _create_once(
        HelpRequest,
        lambda: HelpRequest.objects.create(
            community=community,
            author=by,
            author_unit_id=by.unit_id,
            title=title,
            body=body,
            body_html=body_html,
            created_at=now,
            last_activity_at=now,
            submission_key=submission_key,
        ),
        by=by,
        submission_key=submission_key,
    )
    if not created:
        # The same form sent twice at once: our insert waited for the other one's commit.
        return help_request
    if tags:
        help_request.tags.set(tags)
    _follow(help_request, by)
    Community.objects.filter(pk=community.pk).touch(at=now)
    index_post(help_request=help_request)

    url = _thread_url(help_request)
    told = _notify_mentioned(mentioned, by=by, help_request=help_request, url=url)
    for expert in experts_for(help_request, tags):
        if expert.pk in told:
            continue  # one notification per person: the mention already says it
        notify(
            recipient=expert,
            kind=Kind.HELP_WANTED,
            message=f"You may be able to help: {by.name} asked “{_short(title)}” in {community.name}",
            url=url,
            actor=by,
            community=community,
        )
    return help_request


def _record_edit(*, post, by, community: Community, what: str) -> None:
    """A moderator (or site admin) editing someone else's post leaves an audit event."""
    if by.pk != post.author_id:
        subject = post.author if post.author_id else None
        audit(
            community=community,
            actor=by,
            action=AuditAction.POST_EDITED,
            subject=subject,
            post=what,
        )


@transaction.atomic
def help_request_edit(
    *, help_request: HelpRequest, by, title: str, body: str, tags=None, base_version=None
) -> HelpRequest:
    """Edit a request, keeping the previous title and text as a revision.

    `base_version` is the version the editor's form started from: if the request
    was edited since, `EditConflict` is raised and nothing changes.
    """
    _lock_thread(
        help_request, fields=[*THREAD_STATE, "title", "body", "body_html", "edited_at", "version"]
    )
    if help_request.is_removed:
        raise ValidationError("A removed request cannot be edited.", code="removed")
    community = help_request.community
    if community.is_archived:
        raise ValidationError(
            "This community is archived: its threads are read-only.", code="archived"
        )
    title = _clean_text(title, what="title", max_length=TITLE_MAX)
    body = _clean_text(body, what="description", max_length=BODY_MAX)
    new_tags = _clean_tags(tags) if tags is not None else None
    tags_changed = new_tags is not None and sorted(new_tags) != sorted(help_request.tags.names())
    if title == help_request.title and body == help_request.body and not tags_changed:
        return help_request
    _check_version(help_request, base_version, what="help request")
    help_request.version += 1
    if title != help_request.title or body != help_request.body:
        Revision.objects.create(
            help_request=help_request, editor=by, title=help_request.title, body=help_request.body
        )
        before = {p.pk for p in mentions.mentionable(help_request.body, community)}
        body_html, mentioned = render_body(body, community)
        help_request.title, help_request.body, help_request.body_html = title, body, body_html
        help_request.edited_at = timezone.now()
        help_request.save(update_fields=["title", "body", "body_html", "edited_at", "version"])
        _notify_mentioned(
            [p for p in mentioned if p.pk not in before],
            by=by,
            help_request=help_request,
            url=_thread_url(help_request),
        )
    else:
        help_request.save(update_fields=["version"])
    if tags_changed:
        help_request.tags.set(new_tags)
    _record_edit(post=help_request, by=by, community=community, what=f"request {help_request.pk}")
    index_post(help_request=help_request)
    return help_request


# Replies -------------------------------------------------------------------


def _add_reply(*, help_request: HelpRequest, parent: Reply | None, **fields) -> Reply:
    """Insert a tree node. The manager locks the thread, so concurrent writers wait, never clash."""
    if parent is None:
        return Reply.objects.add_root({"help_request": help_request, **fields})
    return Reply.objects.add_child(parent, {"help_request": help_request, **fields})


@transaction.atomic
def reply_create(
    *,
    help_request: HelpRequest,
    by,
    body: str,
    parent: Reply | None = None,
    submission_key=None,
) -> Reply:
    """Reply to a request, or to a reply (nested; past MAX_REPLY_DEPTH it attaches at that depth).

    Keeps the request's counters (replies, first reply by someone else, last
    activity), moves an open request to answered when someone other than the
    asker replies, notifies followers, the author of the replied-to reply and
    mentioned people (one notification each), and makes the replier a follower.
    The same `submission_key` sent again returns the reply it made.
    """
    community = help_request.community
    # First the thread's lock: a removal, a lock or the same form sent twice is then seen here.
    _lock_thread(help_request)
    earlier = _submitted(Reply, by=by, submission_key=submission_key)
    if earlier is not None:
        return earlier
    if help_request.is_removed:
        raise ValidationError("This request was removed and takes no replies.", code="removed")
    _ensure_can_post(community, by)
    if help_request.is_locked and not _moderates(community, by):
        raise ValidationError("This thread is locked: only moderators can reply.", code="locked")
    if parent is not None:
        if parent.help_request_id != help_request.pk:
            raise ValidationError("That reply belongs to another thread.", code="wrong_thread")
        parent.refresh_from_db(fields=["is_removed", "depth", "path"])
        if parent.is_removed:
            raise ValidationError(
                "That reply was removed; reply to the request instead.", code="parent_removed"
            )
    body = _clean_text(body, what="reply", max_length=BODY_MAX)
    ratelimit.hit(user=by, action="reply")
    body_html, mentioned = render_body(body, community)
    now = timezone.now()

    tree_parent = parent
    if parent is not None and parent.depth >= MAX_REPLY_DEPTH:
        # Too deep to indent further: become the replied-to reply's sibling, still answering it.
        tree_parent = Reply.objects.get_parent(parent)
    reply, created = _create_once(
        Reply,
        lambda: _add_reply(
            help_request=help_request,
            parent=tree_parent,
            author=by,
            author_unit_id=by.unit_id,
            in_reply_to=parent,
            body=body,
            body_html=body_html,
            created_at=now,
            submission_key=submission_key,
        ),
        by=by,
        submission_key=submission_key,
    )
    if not created:
        # The same key sent to another thread at once (the lock above covers only this thread).
        return reply

    HelpRequest.objects.filter(pk=help_request.pk).update(
        reply_count=F("reply_count") + 1, last_activity_at=now
    )
    if by.pk != help_request.author_id:
        HelpRequest.objects.filter(pk=help_request.pk, first_reply_at__isnull=True).update(
            first_reply_at=now
        )
        HelpRequest.objects.filter(pk=help_request.pk, status=RequestStatus.OPEN).update(
            status=RequestStatus.ANSWERED
        )
    Community.objects.filter(pk=community.pk).touch(at=now)
    help_request.refresh_from_db(
        fields=["reply_count", "first_reply_at", "status", "last_activity_at"]
    )
    index_post(help_request=help_request, reply=reply)

    url = _reply_url(reply)
    told = _notify_mentioned(mentioned, by=by, help_request=help_request, url=url)
    told.add(by.pk)
    recipients = set(
        mentions.readers(community)
        .filter(follows__help_request=help_request)
        .exclude(pk__in=told)
        .values_list("pk", flat=True)
    )
    replied_to = parent.author_id if parent is not None else None
    if (
        replied_to
        and replied_to not in told
        and mentions.readers(community).filter(pk=replied_to).exists()
    ):
        recipients.add(replied_to)
    for person in User.objects.filter(pk__in=recipients).order_by("pk"):
        if parent is not None and person.pk == parent.author_id:
            message = f"{by.name} replied to you in “{_short(help_request.title)}”"
        else:
            message = f"{by.name} replied to “{_short(help_request.title)}”"
        notify(
            recipient=person,
            kind=Kind.REPLY_POSTED,
            message=message,
            url=url,
            actor=by,
            community=community,
        )
    _follow(help_request, by)
    return reply


@transaction.atomic
def reply_edit(*, reply: Reply, by, body: str, base_version=None) -> Reply:
    """Edit a reply, keeping the previous text as a revision.

    `base_version` is the version the editor's form started from: if the reply
    was edited since, `EditConflict` is raised and nothing changes.
    """
    help_request = reply.help_request
    # The thread before the reply, in the order every other writer locks them.
    _lock_thread(help_request)
    _lock_reply(reply, fields=["body", "body_html", "edited_at", "is_removed", "version"])
    if reply.is_removed:
        raise ValidationError("A removed reply cannot be edited.", code="removed")
    community = help_request.community
    if community.is_archived:
        raise ValidationError(
            "This community is archived: its threads are read-only.", code="archived"
        )
    body = _clean_text(body, what="reply", max_length=BODY_MAX)
    if body == reply.body:
        return reply
    _check_version(reply, base_version, what="reply")
    Revision.objects.create(reply=reply, editor=by, body=reply.body)
    before = {p.pk for p in mentions.mentionable(reply.body, community)}
    body_html, mentioned = render_body(body, community)
    reply.body, reply.body_html, reply.edited_at = body, body_html, timezone.now()
    reply.version += 1
    reply.save(update_fields=["body", "body_html", "edited_at", "version"])
    _notify_mentioned(
        [p for p in mentioned if p.pk not in before],
        by=by,
        help_request=help_request,
        url=_reply_url(reply),
    )
    _record_edit(post=reply, by=by, community=community, what=f"reply {reply.pk}")
    index_post(help_request=help_request, reply=reply)
    return reply


# Accepted answer -----------------------------------------------------------


@transaction.atomic
def answer_accept(*, help_request: HelpRequest, reply: Reply, by) -> HelpRequest:
    """Mark `reply` as the answer: the request is solved and the reply's author is told."""
    # Under the thread's lock a concurrent removal of the reply, or another acceptance, is seen.
    _lock_thread(help_request)
    if reply.help_request_id == help_request.pk:
        reply.refresh_from_db(fields=["is_removed"])
    if help_request.is_removed:
        raise ValidationError("This request was removed.", code="removed")
    if reply.help_request_id != help_request.pk:
        raise ValidationError("That reply belongs to another thread.", code="wrong_thread")
    if reply.is_removed:
        raise ValidationError(
            "A removed reply cannot be the accepted answer.", code="reply_removed"
        )
    if help_request.community.is_archived:
        raise ValidationError(
            "This community is archived: its threads are read-only.", code="archived"
        )
    if help_request.accepted_reply_id == reply.pk:
        return help_request
    help_request.accepted_reply = reply
    help_request.accepted_at = timezone.now()
    help_request.accepted_by = by
    help_request.status = RequestStatus.SOLVED
    help_request.save(update_fields=["accepted_reply", "accepted_at", "accepted_by", "status"])
    if by.pk != help_request.author_id:
        audit(
            community=help_request.community,
            actor=by,
            action=AuditAction.ANSWER_ACCEPTED,
            subject=reply.author,
            request=help_request.pk,
            reply=reply.pk,
        )
    if reply.author_id and reply.author_id != by.pk:
        notify(
            recipient=reply.author,
            kind=Kind.ANSWER_ACCEPTED,
            message=f"Your reply was accepted as the answer to “{_short(help_request.title)}”",
            url=_reply_url(reply),
            actor=by,
            community=help_request.community,
        )
    return help_request


@transaction.atomic
def answer_unaccept(*, help_request: HelpRequest, by) -> HelpRequest:
    """Withdraw the accepted answer: back to answered (or open if nobody else has replied)."""
    _lock_thread(help_request)
    if help_request.accepted_reply_id is None:
        raise ValidationError("This request has no accepted answer.", code="not_accepted")
    if help_request.community.is_archived:
        raise ValidationError(
            "This community is archived: its threads are read-only.", code="archived"
        )
    reply_id = help_request.accepted_reply_id
    help_request.accepted_reply = None
    help_request.accepted_at = None
    help_request.accepted_by = None
    help_request.status = (
        RequestStatus.ANSWERED if help_request.first_reply_at else RequestStatus.OPEN
    )
    help_request.save(update_fields=["accepted_reply", "accepted_at", "accepted_by", "status"])
    if by.pk != help_request.author_id:
        audit(
            community=help_request.community,
            actor=by,
            action=AuditAction.ANSWER_UNACCEPTED,
            request=help_request.pk,
            reply=reply_id,
        )
    return help_request


# Votes and follows ---------------------------------------------------------


@transaction.atomic
def vote_toggle(*, reply: Reply, by) -> tuple[bool, int]:
    """Mark a reply helpful, or take the mark back. Returns (voted now, helpful count)."""
    if reply.author_id == by.pk:
        raise ValidationError("You cannot mark your own reply as helpful.", code="own_reply")
    if reply.is_removed:
        raise ValidationError("This reply was removed.", code="removed")
    deleted, _ = HelpfulVote.objects.filter(reply=reply, user=by).delete()
    if deleted:
        Reply.objects.filter(pk=reply.pk, helpful_count__gt=0).update(
            helpful_count=F("helpful_count") - 1
        )
        voted = False
    else:
        try:
            with transaction.atomic():
                HelpfulVote.objects.create(reply=reply, user=by)
        except IntegrityError:
            # A double click raced us and its vote is in: the person has voted, count it once.
            voted = True
        else:
            Reply.objects.filter(pk=reply.pk).update(helpful_count=F("helpful_count") + 1)
            voted = True
    reply.refresh_from_db(fields=["helpful_count"])
    return voted, reply.helpful_count


@transaction.atomic
def follow_toggle(*, help_request: HelpRequest, by) -> bool:
    """Follow a request (be told of new replies), or stop. Returns whether `by` follows it now."""
    deleted, _ = Follow.objects.filter(help_request=help_request, user=by).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Follow.objects.create(help_request=help_request, user=by)
    except IntegrityError:
        pass  # followed twice at once: following either way
    return True
