from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    JOIN_REQUEST_RECEIVED = "join_request_received", "Join request received"
    JOIN_REQUEST_APPROVED = "join_request_approved", "Join request approved"
    JOIN_REQUEST_DECLINED = "join_request_declined", "Join request declined"
    INVITATION = "invitation", "Invitation"
    ROLE_CHANGED = "role_changed", "Role changed"
    COMMUNITY_PROPOSED = "community_proposed", "Community proposed"
    COMMUNITY_APPROVED = "community_approved", "Community approved"
    COMMUNITY_DECLINED = "community_declined", "Community declined"
    CHARTER_SUBMITTED = "charter_submitted", "Charter submitted for review"
    CHARTER_APPROVED = "charter_approved", "Charter approved"
    CHARTER_CHANGES_REQUESTED = "charter_changes_requested", "Changes requested to the charter"
    VISION_ROUND_OPENED = "vision_round_opened", "Vision round opened"
    HELP_WANTED = "help_wanted", "A request matching your expertise"
    REPLY_POSTED = "reply_posted", "New reply"
    MENTIONED = "mentioned", "Mentioned"
    ANSWER_ACCEPTED = "answer_accepted", "Answer accepted"
    POST_FLAGGED = "post_flagged", "Post flagged"
    POST_REMOVED = "post_removed", "Post removed"
    REQUEST_MOVED = "request_moved", "Request moved"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_user(self, user):
        return self.filter(recipient=user)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by whichever worker claims the email copy, so it is sent at most once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
