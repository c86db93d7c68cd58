"""Celery tasks for meetings: thin, idempotent wrappers around the services.

Reminders are never scheduled as far-future ETA tasks (the Redis broker would
redeliver them after its visibility timeout): beat runs `send_due_reminders`
every minute and it enqueues a `send_reminder` per due reminder. Every task may
run twice (acks_late redelivers a killed worker's task); the work is claimed in
the database, so a second run does nothing.
"""

import datetime as dt
import smtplib

from celery import shared_task

from . import reminders
from .services.recurrence import extend_all

# Retries of a failed reminder email: 30 s, 1, 2, 4, 8 minutes (capped at 10). After the
# last one the row stays unsent, held for one more backoff, and then the sweeper enqueues
# it again, until the meeting is too close for it.
MAX_RETRIES = 5
BACKOFF_SECONDS = 30
BACKOFF_CAP_SECONDS = 600


def backoff(retries: int) -> int:
    return min(BACKOFF_SECONDS * 2**retries, BACKOFF_CAP_SECONDS)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def extend_occurrences() -> int:
    """Create occurrences up to the rolling window for every active series (hourly)."""
    return extend_all()


# Shorter than beat's one-minute interval; a sweep that overlaps the next is harmless anyway.
@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def send_due_reminders() -> int:
    """Create the reminders that are due and enqueue their sends (every minute)."""
    return sweep()


def sweep(*, now: dt.datetime | None = None) -> int:
    """`reminders.sweep` with the sends enqueued as `send_reminder` tasks."""
    return reminders.sweep(now=now, enqueue=_enqueue_sends)


def _enqueue_sends(delivery_ids: list[int]) -> None:
    # One broker connection per batch (`reminders.ENQUEUE_BATCH`), not one per task.
    with send_reminder.app.producer_or_acquire() as producer:
        for pk in delivery_ids:
            send_reminder.apply_async((pk,), producer=producer)


# The hard time limit must stay below REMINDER_LEASE_SECONDS (300 by default): a send
# still running when its claim's lease ends could otherwise be claimed a second time.
@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, soft_time_limit=30, time_limit=40)
def send_reminder(self, delivery_id: int) -> str:
    """Send one reminder (a `ReminderDelivery` id) if this run claims it; retry on mail errors."""
    countdown = backoff(self.request.retries)
    try:
        return reminders.deliver(delivery_id, retry_in=countdown)
    except (smtplib.SMTPException, OSError) as exc:
        # `deliver` holds the row until `countdown` has passed: then this retry (or, after
        # the last one, the next sweep) takes it, and no other task meanwhile.
        raise self.retry(exc=exc, countdown=countdown) from exc
