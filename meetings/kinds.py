"""The notification kinds and audit actions of meetings; stored values, so never rename one."""

from django.db import models

from communities.audit import audit_actions
from notifications.kinds import notification_kinds


@notification_kinds.register
class Kind(models.TextChoices):
    MEETING_SCHEDULED = "meeting_scheduled", "Meeting scheduled"
    MEETING_REMINDER = "meeting_reminder", "Meeting reminder"
    MEETING_MOVED = "meeting_moved", "Meeting moved"
    MEETING_CANCELLED = "meeting_cancelled", "Meeting cancelled"
    WAITLIST_PROMOTED = "waitlist_promoted", "A place at a meeting"


@audit_actions.register
class AuditAction(models.TextChoices):
    MEETING_SCHEDULED = "meeting_scheduled", "scheduled a meeting"
    MEETING_EDITED = "meeting_edited", "changed a meeting series"
    MEETING_MOVED = "meeting_moved", "moved a meeting"
    MEETING_CANCELLED = "meeting_cancelled", "cancelled a meeting"
    MEETING_ENDED = "meeting_ended", "ended a meeting series"
