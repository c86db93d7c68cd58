"""Help requests and their nested replies.

Replies are a materialised path tree, one tree per help request: a reply's
`path` is its ancestors' paths plus its own step (`steplen` base-36 digits), so
one indexed prefix query (`help_request` and `path LIKE 'prefix%'`) reads a
whole subtree, and a thread page costs the same number of queries at 10 or
5,000 replies. Paths are unique within their thread only, so writers in
different threads never contend; writers in one thread take a row lock on the
help request before numbering a new reply (`ReplyManager._lock_thread`), so
they are serialised, never retried. Each level allows 36**5 (60 million)
replies per parent in one thread.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

# Replies to a reply at this depth attach at this depth (as a sibling, still
# recording whom they answer), so threads stay readable on a phone.
MAX_REPLY_DEPTH = 6


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class HelpRequestQuerySet(models.QuerySet):
    def visible(self):
        """Not removed by a moderator: what members see in lists."""
        return self.filter(is_removed=False)

    def unanswered(self):
        """No visible reply yet, and not closed: the one rule for the list filter and search.

        `reply_count` counts visible replies only (the services keep it), so a request whose
        only replies were removed is unanswered again.
        """
        return self.filter(reply_count=0).exclude(status=RequestStatus.CLOSED)

    def readable_by(self, user):
        """Requests whose community `user` may read. The one filter every list goes through."""
        from communities.models import Community

        return self.filter(community__in=Community.objects.readable_by(user))


class HelpRequest(models.Model):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="help_requests"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="help_requests"
    )
    # The asker's unit when they asked, so cross-silo figures do not shift when people move.
    author_unit = models.ForeignKey(
        "accounts.OrganisationalUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    # `body` rendered (Markdown, sanitised, mentions linked) when written, so pages never re-render it.
    body_html = models.TextField(blank=True, editable=False)
    tags = TaggableManager(blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    # Set once each by the escalation sweep (`discussions.escalation`).
    escalated_to_experts_at = models.DateTimeField(null=True, blank=True)
    escalated_to_moderators_at = models.DateTimeField(null=True, blank=True)
    accepted_reply = models.OneToOneField(
        "Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_locked = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    is_removed = models.BooleanField(default=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.CharField(max_length=300, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Denormalised: visible replies, and the time of the first reply by someone other than the asker.
    reply_count = models.PositiveIntegerField(default=0)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    # Title (A), body (B) and replies (C), kept by the services; indexed (GIN) on PostgreSQL only.
    search_vector = SearchVectorField(null=True, editable=False)
    # The ask form's one-time token: submitting one form twice returns the first request.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    # Bumped by every edit; an edit form started from an older version is refused, not applied.
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"], name="help_request_submitted_once"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "-last_activity_at"]),
            models.Index(fields=["community", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", args=[self.community.slug, self.pk])


ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 5


def path_step(number: int) -> str:
    """The `number`th step (1-based) of a level: base 36, `STEPLEN` digits."""
    if not 0 < number < len(ALPHABET) ** STEPLEN:
        raise ValueError(f"A reply level holds at most {len(ALPHABET) ** STEPLEN - 1} replies.")
    digits = ""
    while number:
        number, digit = divmod(number, len(ALPHABET))
        digits = ALPHABET[digit] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


def step_number(step: str) -> int:
    return int(step, len(ALPHABET))


def ancestor_paths(path: str) -> list[str]:
    """The paths of a node's ancestors, root first."""
    return [path[:end] for end in range(STEPLEN, len(path), STEPLEN)]


def count_tree(replies) -> None:
    """Set `numchild` and `descendant_count` on unsaved replies of one thread, for bulk creation."""
    children: dict[str, int] = {}
    below: dict[str, int] = {}
    for reply in replies:
        if reply.depth > 1:
            parent = reply.path[:-STEPLEN]
            children[parent] = children.get(parent, 0) + 1
        for ancestor in ancestor_paths(reply.path):
            below[ancestor] = below.get(ancestor, 0) + 1
    for reply in replies:
        reply.numchild = children.get(reply.path, 0)
        reply.descendant_count = below.get(reply.path, 0)


class ReplyQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_removed=False)


class ReplyManager(models.Manager.from_queryset(ReplyQuerySet)):
    """The tree's writes and walks, each scoped to one thread."""

    def get_queryset(self):
        return super().get_queryset().order_by("path")

    @staticmethod
    def _lock_thread(help_request_id: int) -> None:
        # Every insert into a thread's tree holds this row lock until its transaction ends, so the
        # "last sibling + 1" read below cannot race another insert into the same thread.
        HelpRequest.objects.select_for_update().filter(pk=help_request_id).values_list("pk").get()

    def _next_path(self, help_request_id: int, parent_path: str, depth: int) -> str:
        last = (
            self.filter(help_request_id=help_request_id, depth=depth, path__startswith=parent_path)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        number = step_number(last[-STEPLEN:]) + 1 if last else 1
        return parent_path + path_step(number)

    def _insert(self, *, parent, create_kwargs: dict):
        fields = dict(create_kwargs)
        help_request = fields.pop("help_request", None)
        help_request_id = fields.pop("help_request_id", None) or getattr(help_request, "pk", None)
        if parent is not None:
            help_request_id = parent.help_request_id
        with transaction.atomic():
            self._lock_thread(help_request_id)
            if parent is not None:
                # Re-read under the lock: the parent's depth and path are what the tree holds now.
                parent = self.get(pk=parent.pk)
            parent_path = parent.path if parent is not None else ""
            depth = parent.depth + 1 if parent is not None else 1
            path = self._next_path(help_request_id, parent_path, depth)
            node = self.model(help_request_id=help_request_id, path=path, depth=depth, **fields)
            if help_request is not None:
                node.help_request = help_request
            node.save(force_insert=True)
            if parent is not None:
                self.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
                self.filter(help_request_id=help_request_id, path__in=ancestor_paths(path)).update(
                    descendant_count=F("descendant_count") + 1
                )
        return node

    def add_root(self, create_kwargs: dict):
        """A new top-level reply, after the thread's last one."""
        return self._insert(parent=None, create_kwargs=create_kwargs)

    def add_child(self, parent, create_kwargs: dict):
        """A new reply to `parent`, after its last child."""
        return self._insert(parent=parent, create_kwargs=create_kwargs)

    def get_parent(self, node):
        if node.depth <= 1:
            return None
        return self.get(help_request_id=node.help_request_id, path=node.path[:-STEPLEN])

    def get_children(self, node):
        return self.filter(
            help_request_id=node.help_request_id, depth=node.depth + 1, path__startswith=node.path
        )

    def get_descendants(self, node):
        return self.filter(
            help_request_id=node.help_request_id, depth__gt=node.depth, path__startswith=node.path
        )


class Reply(models.Model):
    steplen = STEPLEN
    alphabet = ALPHABET

    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="replies"
    )
    author_unit = models.ForeignKey(
        "accounts.OrganisationalUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whom this answers; differs from the tree parent when the depth limit flattened it.
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    is_removed = models.BooleanField(default=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.CharField(max_length=300, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The tree: unique within the thread (see the module docstring).
    path = models.CharField(max_length=255)
    depth = models.PositiveIntegerField()
    numchild = models.PositiveIntegerField(default=0)
    # Replies below this one, at any depth, removed ones included; kept by `ReplyManager`.
    descendant_count = models.PositiveIntegerField(default=0)
    # As on HelpRequest: the reply form's one-time token, and the edit version.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = ReplyManager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["help_request", "path"], name="reply_path_unique_in_thread"),
            models.UniqueConstraint(fields=["author", "submission_key"], name="reply_submitted_once"),
        ]
        indexes = [
            # Subtree reads are `path LIKE 'prefix%'` within a thread: a pattern index on PostgreSQL.
            models.Index(
                fields=["help_request", "path"],
                name="reply_thread_path_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["help_request", "depth", "created_at"]),
            models.Index(fields=["help_request", "depth", "-helpful_count"]),
        ]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.help_request_id}"

    def get_absolute_url(self) -> str:
        return reverse(
            "discussions:reply_permalink",
            args=[self.help_request.community.slug, self.help_request_id, self.pk],
        )


class HelpfulVote(models.Model):
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reply", "user"], name="helpful_vote_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} found reply {self.reply_id} helpful"


class Revision(models.Model):
    """The text of a request or reply before an edit. Read by moderators and the author."""

    help_request = models.ForeignKey(
        HelpRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(help_request__isnull=False, reply__isnull=True)
                | Q(help_request__isnull=True, reply__isnull=False),
                name="revision_of_exactly_one_post",
            ),
        ]

    def __str__(self) -> str:
        target = f"request {self.help_request_id}" if self.help_request_id else f"reply {self.reply_id}"
        return f"Revision of {target} ({self.created_at:%Y-%m-%d %H:%M})"


class Follow(models.Model):
    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["help_request", "user"], name="follow_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.help_request_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    DISMISSED = "dismissed", "Dismissed"
    ACTIONED = "actioned", "Acted on"


class Flag(models.Model):
    """A member's report of a post, queued for the community's moderators."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="flags")
    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="flags")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Flag on {'reply ' + str(self.reply_id) if self.reply_id else 'request ' + str(self.help_request_id)}"
