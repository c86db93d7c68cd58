"""The notification kinds and audit actions of the charter; stored values, so never rename one."""

from django.db import models

from communities.audit import audit_actions
from notifications.kinds import notification_kinds


@notification_kinds.register
class Kind(models.TextChoices):
    CHARTER_SUBMITTED = "charter_submitted", "Charter submitted for review"
    CHARTER_APPROVED = "charter_approved", "Charter approved"
    CHARTER_CHANGES_REQUESTED = "charter_changes_requested", "Changes requested to the charter"
    VISION_ROUND_OPENED = "vision_round_opened", "Vision round opened"


@audit_actions.register
class AuditAction(models.TextChoices):
    PURPOSE_EDITED = "purpose_edited", "edited the charter's purpose"
    CHARTER_SUBMITTED = "charter_submitted", "submitted the charter for review"
    CHARTER_APPROVED = "charter_approved", "approved the charter"
    CHARTER_CHANGES = "charter_changes", "asked for changes to the charter"
    ROUND_OPENED = "round_opened", "opened a vision round"
    ROUND_CLOSED = "round_closed", "closed a vision round"
