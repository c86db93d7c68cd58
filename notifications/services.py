from django.db import models, transaction
from django.utils import timezone

from accounts.models import DigestFrequency

from .compose import EmailKind
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


# Rows per INSERT when one thing is told to many people at once.
NOTIFY_BATCH_SIZE = 500


def notify_many(
    *, recipients: models.QuerySet, kind: str, message: str, url: str = "", actor=None, community=None
) -> int:
    """Tell everyone active among `recipients` (a User queryset) the same thing; how many were told.

    `notify()` per person would be two queries each plus a task; telling a community of
    thousands must not take thousands of round trips inside the request. The in-app rows
    go in batches; email copies go one task per person who wants them (the task claims
    each notification, so a retry never sends twice), queued after commit.
    """
    people = list(recipients.filter(is_active=True).values_list("pk", "email_notifications"))
    now = timezone.now()
    message = message[:300]
    notifications = [
        Notification(
            recipient_id=pk, kind=kind, message=message, url=url, actor=actor, community=community,
            created_at=now,
        )
        for pk, _ in people
    ]
    wants_email = {pk for pk, email in people if email}
    created = Notification.objects.bulk_create(notifications, batch_size=NOTIFY_BATCH_SIZE)
    # bulk_create sets primary keys on PostgreSQL and SQLite (RETURNING); without them no email can be queued.
    email_ids = [n.pk for n in created if n.pk is not None and n.recipient_id in wants_email]
    if email_ids:
        from .tasks import send_notification_email

        def queue() -> None:
            for pk in email_ids:
                send_notification_email.delay(pk)

        transaction.on_commit(queue, robust=True)
    return len(created)


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


# Email preferences -----------------------------------------------------------


def _email_kind_field(kind: str) -> tuple[str, object, object]:
    """(User field, value meaning "off", value meaning "on") for one kind of email."""
    fields = {
        EmailKind.DIGEST: ("digest_frequency", DigestFrequency.NEVER, DigestFrequency.WEEKLY),
        EmailKind.REMINDERS: ("meeting_reminders", False, True),
        EmailKind.NOTIFICATIONS: ("email_notifications", False, True),
    }
    if kind not in fields:
        raise ValueError(f"Unknown email kind {kind!r}")
    return fields[kind]


def email_unsubscribe(*, user, kind: str) -> bool:
    """Stop one kind of email (`notifications.compose.EmailKind`); False if it was already off.

    Idempotent: a mail client that POSTs the one-click link twice changes nothing the second time.
    """
    field, off, _on = _email_kind_field(kind)
    if getattr(user, field) == off:
        return False
    setattr(user, field, off)
    user.save(update_fields=[field])
    return True


def email_resubscribe(*, user, kind: str, digest_frequency: str = "") -> bool:
    """Undo `email_unsubscribe`: the digest comes back at `digest_frequency` (weekly if not daily)."""
    field, off, on = _email_kind_field(kind)
    if kind == EmailKind.DIGEST and digest_frequency == DigestFrequency.DAILY:
        on = DigestFrequency.DAILY
    if getattr(user, field) != off:
        return False
    setattr(user, field, on)
    user.save(update_fields=[field])
    return True
