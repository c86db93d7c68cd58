"""Writes of webhooks: create, change, delete, send a delivery again."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Delivery, DeliveryStatus, Event, Webhook
from .targets import check_target


def _clean_events(events) -> list[str]:
    chosen = [e for e in Event.values if e in set(events or [])]
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    return chosen


def webhook_create(
    *, community, by, url: str, events, description: str = "", is_active: bool = True
) -> Webhook:
    check_target(url)
    return Webhook.objects.create(
        community=community,
        created_by=by,
        url=url,
        events=_clean_events(events),
        description=description[:200],
        is_active=is_active,
    )


def webhook_update(
    *, webhook: Webhook, url: str, events, description: str, is_active: bool
) -> Webhook:
    check_target(url)
    webhook.url = url
    webhook.events = _clean_events(events)
    webhook.description = description[:200]
    if is_active and not webhook.is_active:
        # Turned on again: count failures afresh.
        webhook.consecutive_failures = 0
        webhook.disabled_at = None
    webhook.is_active = is_active
    webhook.save(
        update_fields=[
            "url",
            "events",
            "description",
            "is_active",
            "consecutive_failures",
            "disabled_at",
        ]
    )
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()


@transaction.atomic
def delivery_send_again(*, delivery: Delivery) -> Delivery:
    """Queue a delivery once more (the same webhook-id, so receivers can tell it is a repeat)."""
    from .tasks import send_delivery

    if not delivery.webhook.is_active:
        raise ValidationError("Turn the webhook on before sending again.", code="inactive")
    now = timezone.now()
    # Not while an attempt holds it: a retrying row is sent again only between attempts.
    # `created_at` restarts the day of retries.
    updated = (
        Delivery.objects.filter(pk=delivery.pk)
        .filter(
            Q(status__in=[DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED])
            | Q(status=DeliveryStatus.RETRYING, claimed_at__isnull=True)
        )
        .update(status=DeliveryStatus.PENDING, next_attempt_at=now, created_at=now, claimed_at=None)
    )
    if not updated:
        raise ValidationError("This delivery is already waiting to be sent.", code="pending")
    transaction.on_commit(lambda: send_delivery.delay(delivery.pk), robust=True)
    delivery.refresh_from_db()
    return delivery
