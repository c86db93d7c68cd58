"""Celery tasks of notifications: thin, idempotent, each claims its work before doing it."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

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
