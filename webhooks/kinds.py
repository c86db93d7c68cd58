"""The notification kinds of webhooks; stored values, so never rename one."""

from django.db import models

from notifications.kinds import notification_kinds


@notification_kinds.register
class Kind(models.TextChoices):
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook turned off after repeated failures"
