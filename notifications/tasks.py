import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, autoretry_for=(), acks_late=True)
def send_notification_email(self, notification_id: int) -> bool:
    """Email a copy of one notification, at most once.

    The conditional update claims the email, so a redelivered task or a second
    worker finds nothing to do. If sending fails the claim is released and the
    task retries with backoff.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "actor", "community").get(
        pk=notification_id
    )
    context = {
        "notification": notification,
        "link": f"{settings.SITE_URL}{notification.url}" if notification.url.startswith("/") else notification.url,
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
    }
    email = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.message}"[:200],
        body=render_to_string("notifications/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    email.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as exc:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        logger.warning("Email for notification %s failed: %s", notification_id, exc)
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
    return True
