"""The notification kinds and audit actions of help requests and their moderation; stored values, so never rename one."""

from django.db import models

from communities.audit import audit_actions
from notifications.kinds import notification_kinds


@notification_kinds.register
class Kind(models.TextChoices):
    HELP_WANTED = "help_wanted", "A request matching your expertise"
    REPLY_POSTED = "reply_posted", "New reply"
    MENTIONED = "mentioned", "Mentioned"
    ANSWER_ACCEPTED = "answer_accepted", "Answer accepted"
    POST_FLAGGED = "post_flagged", "Post flagged"
    POST_REMOVED = "post_removed", "Post removed"
    REQUEST_MOVED = "request_moved", "Request moved"
    REQUEST_ESCALATED = "request_escalated", "A request is still unanswered"


@audit_actions.register
class AuditAction(models.TextChoices):
    POST_EDITED = "post_edited", "edited a post"
    POST_REMOVED = "post_removed", "removed a post"
    POST_RESTORED = "post_restored", "restored a post"
    REQUEST_LOCKED = "request_locked", "locked a help request"
    REQUEST_UNLOCKED = "request_unlocked", "unlocked a help request"
    REQUEST_PINNED = "request_pinned", "pinned a help request"
    REQUEST_UNPINNED = "request_unpinned", "unpinned a help request"
    REQUEST_MOVED = "request_moved", "moved a help request"
    ANSWER_ACCEPTED = "answer_accepted", "accepted an answer"
    ANSWER_UNACCEPTED = "answer_unaccepted", "withdrew an accepted answer"
    FLAG_DISMISSED = "flag_dismissed", "dismissed a flag"
    FLAG_ACTIONED = "flag_actioned", "acted on a flag"
