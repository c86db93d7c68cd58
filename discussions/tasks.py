"""Celery tasks of discussions: thin, idempotent, each claims its work before doing it."""

import datetime as dt

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import escalation


def _moment(now: str | dt.datetime | None) -> dt.datetime | None:
    # Beat passes nothing; a caller may pass an ISO timestamp (tasks take JSON arguments).
    return parse_datetime(now) if isinstance(now, str) else now


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def escalate_unanswered(now: str | None = None) -> int:
    """Every 15 minutes: escalate requests nobody answered; the number of people notified."""
    return escalation.escalate_unanswered(now=_moment(now)).notified


# The task's name before it moved here from notifications: a sweep queued by the previous
# release under that name still runs. Remove after the next release.
@shared_task(
    name="notifications.tasks.escalate_unanswered",
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
)
def escalate_unanswered_under_old_name(now: str | None = None) -> int:
    return escalate_unanswered(now)
