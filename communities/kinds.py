"""The notification kinds and audit actions of communities and membership; stored values, so never rename one."""

from django.db import models

from notifications.kinds import notification_kinds

from .audit import audit_actions


@notification_kinds.register
class Kind(models.TextChoices):
    JOIN_REQUEST_RECEIVED = "join_request_received", "Join request received"
    JOIN_REQUEST_APPROVED = "join_request_approved", "Join request approved"
    JOIN_REQUEST_DECLINED = "join_request_declined", "Join request declined"
    INVITATION = "invitation", "Invitation"
    ROLE_CHANGED = "role_changed", "Role changed"
    COMMUNITY_PROPOSED = "community_proposed", "Community proposed"
    COMMUNITY_APPROVED = "community_approved", "Community approved"
    COMMUNITY_DECLINED = "community_declined", "Community declined"


@audit_actions.register
class AuditAction(models.TextChoices):
    CREATED = "created", "created the community"
    APPROVED = "approved", "approved the community"
    DECLINED = "declined", "declined the proposed community"
    JOINED = "joined", "joined"
    LEFT = "left", "left"
    REQUESTED = "requested", "asked to join"
    REQUEST_APPROVED = "request_approved", "approved a join request"
    REQUEST_DECLINED = "request_declined", "declined a join request"
    REQUEST_WITHDRAWN = "request_withdrawn", "withdrew a join request"
    INVITED = "invited", "sent an invitation"
    INVITATION_REVOKED = "invitation_revoked", "revoked an invitation"
    INVITATION_ACCEPTED = "invitation_accepted", "accepted an invitation"
    INVITATION_DECLINED = "invitation_declined", "declined an invitation"
    ROLE_CHANGED = "role_changed", "changed a role"
    SETTINGS_CHANGED = "settings_changed", "changed the settings"
    ARCHIVED = "archived", "archived the community"
    UNARCHIVED = "unarchived", "restored the community from the archive"
