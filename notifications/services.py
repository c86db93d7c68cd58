from django.db import transaction
from django.utils import timezone

from .models import Notification


def notify(
    *, recipient, kind: str, message: str, url: str = "", actor=None, community=None, email: bool = True
) -> Notification:
    """Tell one person something happened: an in-app notification and, if they want it, an email copy.

    `email=False` when the caller sends its own email (a meeting reminder with its `.ics`).
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, message=message[:300], url=url, actor=actor, community=community
    )
    if email and recipient.email_notifications and recipient.is_active:
        from .tasks import send_notification_email

        # robust: a broker outage must not turn the action that notified into an error page.
        transaction.on_commit(lambda: send_notification_email.delay(notification.pk), robust=True)
    return notification


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())
