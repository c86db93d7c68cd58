"""Celery tasks of digests: thin, idempotent, each claims its work before doing it."""

import datetime as dt

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import delivery


def _moment(now: str | dt.datetime | None) -> dt.datetime | None:
    # Beat passes nothing; a caller may pass an ISO timestamp (tasks take JSON arguments).
    return parse_datetime(now) if isinstance(now, str) else now


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_due_digests(now: str | None = None) -> int:
    """Every 10 minutes: record the digests due, then hand every unsent one to a delivery task.

    Safe to run twice or late: a delivery row exists once per (person, frequency,
    period), and the delivery tasks claim rows before sending.
    """
    moment = _moment(now)
    delivery.record_due(now=moment)
    ids = delivery.pending_ids(now=moment)
    # The rows are committed (tasks run in autocommit); a batch lost on the way to the
    # broker stays unsent and is handed out again by the next sweep.
    for start in range(0, len(ids), delivery.DELIVERY_BATCH):
        send_digests.delay(ids[start : start + delivery.DELIVERY_BATCH])
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_digests(delivery_ids: list[int]) -> int:
    """Build and send a batch of recorded digests; rows another worker holds, or sent, are skipped."""
    return delivery.deliver(list(delivery_ids)).sent


# The tasks' names before they moved here from notifications: a sweep or a batch queued by
# the previous release under those names still runs. Remove after the next release.
@shared_task(
    name="notifications.tasks.send_due_digests", acks_late=True, soft_time_limit=300, time_limit=360
)
def send_due_digests_under_old_name(now: str | None = None) -> int:
    return send_due_digests(now)


@shared_task(
    name="notifications.tasks.send_digests", acks_late=True, soft_time_limit=300, time_limit=360
)
def send_digests_under_old_name(delivery_ids: list[int]) -> int:
    return send_digests(delivery_ids)
