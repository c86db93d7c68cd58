from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import DigestFrequency
from communities.models import Membership

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


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


# Email preferences -----------------------------------------------------------


def email_preferences_update(
    *,
    user,
    digest_frequency: str,
    digest_hour: int,
    meeting_reminders: bool,
    email_notifications: bool,
    muted_community_ids: set[int] | frozenset[int] = frozenset(),
):
    """Save what email `user` wants, and which of their communities stay out of their digest.

    `muted_community_ids` names the communities to mute; every other active membership
    is unmuted. Ids of communities the person is not an active member of are refused.
    """
    if digest_frequency not in DigestFrequency.values:
        raise ValidationError({"digest_frequency": "Choose daily, weekly or never."})
    if not 0 <= digest_hour <= 23:
        raise ValidationError({"digest_hour": "Choose an hour between 0 and 23."})
    muted = set(muted_community_ids)
    memberships = Membership.objects.active().filter(user=user)
    with transaction.atomic():
        # Locked so that joining or leaving meanwhile cannot slip between the check and the update.
        active = set(memberships.select_for_update().values_list("community_id", flat=True))
        if not muted <= active:
            raise ValidationError({"muted": "You can only mute communities you are a member of."})
        user.digest_frequency = digest_frequency
        user.digest_hour = digest_hour
        user.meeting_reminders = meeting_reminders
        user.email_notifications = email_notifications
        user.save(
            update_fields=["digest_frequency", "digest_hour", "meeting_reminders", "email_notifications"]
        )
        memberships.update(
            digest_muted=models.Case(
                models.When(community_id__in=muted, then=models.Value(True)),
                default=models.Value(False),
            )
        )
    return user


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
