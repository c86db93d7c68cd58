from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .email import send_claimed_email
from .models import Notification


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_notification_email(self, notification_id: int) -> bool:
    """Email a copy of one notification, at most once (claimed through `emailed_at`)."""

    def build() -> EmailMultiAlternatives:
        notification = Notification.objects.select_related("recipient", "actor", "community").get(
            pk=notification_id
        )
        url = notification.url
        context = {
            "notification": notification,
            "link": f"{settings.SITE_URL}{url}" if url.startswith("/") else url,
            "site_url": settings.SITE_URL,
            "site_name": settings.SITE_NAME,
        }
        email = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.message}"[:200],
            body=render_to_string("notifications/email/notification.txt", context),
            to=[notification.recipient.email],
        )
        email.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
        return email

    return send_claimed_email(
        self, queryset=Notification.objects.filter(pk=notification_id), claim_field="emailed_at", build=build
    )
