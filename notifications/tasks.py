"""Celery tasks of notifications: thin, idempotent, each claims its work before doing it."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.dateparse import parse_datetime

from . import digests, escalation
from .compose import EmailKind, compose
from .models import Notification
from .sending import send_claimed_email


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_notification_email(self, notification_id: int) -> bool:
    """Email a copy of one notification, at most once (claimed through `emailed_at`)."""

    def build() -> EmailMultiAlternatives:
        notification = Notification.objects.select_related("recipient", "actor", "community").get(
            pk=notification_id
        )
        url = notification.url
        return compose(
            user=notification.recipient,
            subject=notification.message,
            template="notifications/email/notification",
            context={
                "notification": notification,
                "link": f"{settings.SITE_URL}{url}" if url.startswith("/") else url,
            },
            kind=EmailKind.NOTIFICATIONS,
            message_id=f"<notification.{notification_id}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>",
            why=(
                f"you have an account on {settings.SITE_NAME} and asked for email copies of your "
                "notifications"
            ),
        )

    return send_claimed_email(
        self,
        # Still wanted when it goes out: someone who unsubscribed (or left) while it waited in
        # the queue or between retries gets no copy.
        queryset=Notification.objects.filter(
            pk=notification_id, recipient__is_active=True, recipient__email_notifications=True
        ),
        claim_field="emailed_at",
        build=build,
    )


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
    digests.record_due(now=moment)
    ids = digests.pending_ids(now=moment)
    # The rows are committed (tasks run in autocommit); a batch lost on the way to the
    # broker stays unsent and is handed out again by the next sweep.
    for start in range(0, len(ids), digests.DELIVERY_BATCH):
        send_digests.delay(ids[start : start + digests.DELIVERY_BATCH])
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def send_digests(delivery_ids: list[int]) -> int:
    """Build and send a batch of recorded digests; rows another worker holds, or sent, are skipped."""
    return digests.deliver(list(delivery_ids)).sent


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def escalate_unanswered(now: str | None = None) -> int:
    """Every 15 minutes: escalate requests nobody answered; the number of people notified."""
    return escalation.escalate_unanswered(now=_moment(now)).notified
