import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from .audit import action_choices


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public: anyone signed in reads it"
    LISTED = "listed", "Listed: anyone sees it exists, content is for members"
    PRIVATE = "private", "Private: unlisted, by invitation only"


class JoinPolicy(models.TextChoices):
    OPEN = "open", "Open: anyone may join"
    REQUEST = "request", "By request: moderators approve"
    INVITATION = "invitation", "By invitation only"


class CommunityStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed, waiting for a site admin"
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined by a site admin"


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    CORE = "core", "Core group"
    MODERATOR = "moderator", "Moderator"
    SPONSOR = "sponsor", "Sponsor"


def default_reminder_minutes() -> list[int]:
    return [24 * 60, 60]


class CommunityQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status=CommunityStatus.ACTIVE)

    def not_archived(self):
        return self.filter(is_archived=False)

    def touch(self, *, at=None) -> int:
        """Record activity in these communities at `at` (now by default): a join, a leave, a new
        help request or reply. The directory's default order and the health page read it."""
        return self.update(last_activity_at=at or timezone.now())

    def visible_to(self, user):
        """Communities whose existence `user` may see (directory, search, links).

        Private and not yet approved communities are seen only by their members
        (and site admins); everything else that is live is seen by everybody.
        """
        if getattr(user, "is_superuser", False):
            return self
        open_to_all = Q(status=CommunityStatus.ACTIVE) & ~Q(visibility=Visibility.PRIVATE)
        if user is None or not user.is_authenticated:
            return self.filter(open_to_all)
        mine = Q(memberships__user=user, memberships__is_active=True)
        return self.filter(open_to_all | Q(pk__in=Community.objects.filter(mine).values("pk")))

    def readable_by(self, user):
        """Communities whose content `user` may read (threads, members, meetings).

        The query form of `Access.can_read`: signed-in people read public live
        communities and the ones they belong to; anonymous visitors read none.
        """
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        public = Q(status=CommunityStatus.ACTIVE, visibility=Visibility.PUBLIC)
        mine = Community.objects.filter(memberships__user=user, memberships__is_active=True)
        return self.filter(public | Q(pk__in=mine.values("pk")))

    def with_counts(self):
        """Annotate active members and organisational units represented (one query)."""
        active = Q(memberships__is_active=True)
        return self.annotate(
            member_total=Count("memberships", filter=active, distinct=True),
            unit_total=Count("memberships__user__unit", filter=active, distinct=True),
        )


class Community(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    tagline = models.CharField(max_length=200, blank=True)
    description = models.TextField(
        "domain", blank=True, help_text="What practice this community is about (Markdown)."
    )
    tags = TaggableManager(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    join_policy = models.CharField(max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN)
    meeting_room = models.CharField(
        "default meeting room", max_length=200, blank=True, help_text="Building and room, if you meet in person."
    )
    meeting_url = models.URLField("default online space", blank=True)
    status = models.CharField(max_length=10, choices=CommunityStatus.choices, default=CommunityStatus.ACTIVE)
    is_archived = models.BooleanField(default=False)
    # Meeting reminders: minutes before each meeting (moderators set them); empty = none.
    reminder_minutes = models.JSONField(default=default_reminder_minutes, blank=True)
    # A help request unanswered this long is escalated to experts, then moderators.
    escalation_hours = models.PositiveSmallIntegerField(
        "escalate unanswered requests after (hours)", default=48
    )
    # The health page is for moderators and sponsors unless the moderators open it to members.
    health_visible_to_members = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility=Visibility.PRIVATE) | Q(join_policy=JoinPolicy.INVITATION),
                name="community_private_is_invitation_only",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", args=[self.slug])

    @property
    def is_live(self) -> bool:
        return self.status == CommunityStatus.ACTIVE

    @property
    def accepts_members(self) -> bool:
        return self.is_live and not self.is_archived


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def moderators(self):
        return self.active().filter(role=Role.MODERATOR)


class Membership(models.Model):
    """A person's membership of a community. Leaving keeps the row (and its history)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    first_joined_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # Left out of this person's digests.
    digest_muted = models.BooleanField(default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["community", "is_active", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.get_role_display()})"

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.role == Role.MODERATOR


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class JoinRequest(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.status})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=InvitationStatus.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation by email: to an existing person, or to an address that signs up through it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(max_length=2000, blank=True)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the worker that sends the email, so a redelivered task sends nothing.
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.community} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("communities:invitation", args=[self.token])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired


class AuditEvent(models.Model):
    """What happened in a community, by whom, to whom. Append-only."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=24, choices=action_choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} ({self.community})"
