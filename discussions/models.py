"""Help requests and their nested replies.

Replies are a materialised path tree (django-treebeard's `MP_Node`): a reply's
`path` is its ancestors' paths plus its own step, so one indexed range query
(`path` between a root's path and its successor) reads a whole subtree, and a
thread page costs the same number of queries at 10 or 5,000 replies. Each
top-level reply is a tree root; `help_request` scopes them to their thread.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

# Replies to a reply at this depth attach at this depth (as a sibling, still
# recording whom they answer), so threads stay readable on a phone.
MAX_REPLY_DEPTH = 6


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class HelpRequestQuerySet(models.QuerySet):
    def not_removed(self):
        return self.filter(is_removed=False)

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
    # Set once each by the escalation sweep (`notifications.escalation`).
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

    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-last_activity_at"]),
            models.Index(fields=["community", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", args=[self.community.slug, self.pk])

    @property
    def is_solved(self) -> bool:
        return self.accepted_reply_id is not None


class ReplyQuerySet(MP_NodeQuerySet):
    def visible(self):
        return self.filter(is_removed=False)


class ReplyManager(MP_NodeManager.from_queryset(ReplyQuerySet)):
    def get_queryset(self):
        # treebeard's manager hard-codes its own queryset class; keep ours (and its path order).
        return ReplyQuerySet(self.model, using=self._db).order_by("path")


class Reply(MP_Node):
    # 36**5 (60 million) top-level replies across the platform; each level below is per parent.
    steplen = 5
    node_order_by = []

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

    objects = ReplyManager()

    class Meta:
        ordering = ["path"]
        indexes = [
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
