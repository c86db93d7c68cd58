from django.db import models


class Kind(models.TextChoices):
    """Notification kinds of webhooks (Notification.kind accepts any string at the DB level)."""

    WEBHOOK_DISABLED = "webhook_disabled", "Webhook turned off after repeated failures"
