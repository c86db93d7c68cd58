from django.conf import settings
from django.db import models
from django.utils import timezone

from .kinds import kind_choices


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
    kind = models.CharField(max_length=40, choices=kind_choices)
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


class DigestDelivery(models.Model):
    """One digest for (person, frequency, period): claimed before it is built and sent.

    `period_start` is the local date the period begins (the day, or the Monday).
    The unique constraint makes a digest go out once per period, whichever worker
    or repeated sweep gets there; `covers_from`/`covers_to` record the window its
    contents came from, so the next one starts where this one ended (catch-up).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=10)
    period_start = models.DateField()
    covers_from = models.DateTimeField()
    covers_to = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    # Empty digests are recorded (so the period is done) but not sent.
    skipped_empty = models.BooleanField(default=False)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "frequency", "period_start"], name="digest_once_per_period")
        ]
        indexes = [models.Index(fields=["user", "-covers_to"])]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} digest for {self.user_id} from {self.period_start}"

    def get_frequency_display(self) -> str:
        return self.frequency.capitalize()

    @property
    def message_id(self) -> str:
        return f"<digest.{self.user_id}.{self.frequency}.{self.period_start:%Y%m%d}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
