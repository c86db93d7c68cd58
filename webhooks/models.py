import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    HELP_REQUEST_CREATED = "help_request.created", "Help request created"
    HELP_REQUEST_ANSWERED = "help_request.answered", "Help request answered"
    HELP_REQUEST_SOLVED = "help_request.solved", "Help request solved"
    REPLY_CREATED = "reply.created", "Reply created"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEETING_SCHEDULED = "meeting.scheduled", "Meeting scheduled"
    MEETING_MOVED = "meeting.moved", "Meeting moved"
    MEETING_CANCELLED = "meeting.cancelled", "Meeting cancelled"
    CHARTER_SUBMITTED = "charter.submitted", "Charter submitted"
    CHARTER_APPROVED = "charter.approved", "Charter approved"
    VALUE_STORY_RECORDED = "value_story.recorded", "Value story recorded"


def new_secret() -> str:
    # Standard Webhooks secrets: "whsec_" and base64 of 24 random bytes.
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def all_events() -> list[str]:
    return list(Event.values)


class Webhook(models.Model):
    """A target URL told of events: of one community, or (community empty) platform-wide."""

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
    )
    url = models.URLField("target URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=all_events)
    secret = models.CharField(max_length=100, default=new_secret)
    is_active = models.BooleanField("active", default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SUCCEEDED = "succeeded", "Delivered"
    RETRYING = "retrying", "Failed, will retry"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event for one webhook. Claimed (conditional UPDATE of `claimed_at`) before each attempt."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64)
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "message_id"], name="delivery_once_per_webhook"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
