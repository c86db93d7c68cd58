"""Sending one delivery: claim, sign (Standard Webhooks), POST, record; retry with backoff for a day.

How it is sent once
    `deliver()` claims the row with a conditional UPDATE of `claimed_at` before anything
    else, so a redelivered task or a second worker finds it claimed and sends nothing.
    A claim older than `WEBHOOKS_LEASE_SECONDS` without a result belongs to a worker that
    died; the sweep hands the row out again (the same `webhook-id`, which receivers
    deduplicate on). The lease is longer than the task's hard time limit.

Retries
    A failed attempt (no answer, a timeout, or a status outside 2xx) is tried again after
    5 s, 5 min, 30 min, 2 h, 5 h and then every 10 h, until a day after the event; then the
    delivery is failed. `WEBHOOKS_DISABLE_AFTER` failed attempts in a row (across
    deliveries) turn the webhook off and tell its moderators (site admins for platform-wide ones).
"""

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Signer

from notifications.services import notify

from .kinds import Kind
from .models import Delivery, DeliveryStatus, Webhook
from .targets import check_target

logger = logging.getLogger(__name__)

BACKOFF = [5, 300, 1800, 7200, 18000, 36000]
RETRY_FOR = dt.timedelta(days=1)

SENT = "sent"
FAILED = "failed"
NOT_CLAIMED = "not claimed"
SKIPPED = "skipped"


def backoff(attempts: int) -> int:
    return BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address the target check refused.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    stale = now - dt.timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def signed_headers(webhook: Webhook, delivery: Delivery, body: str, at: dt.datetime) -> dict:
    signature = Signer(webhook.secret).sign(delivery.message_id, at, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME}-Webhooks",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def _post(url: str, body: str, headers: dict) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return None, str(exc)[:300] or exc.__class__.__name__


def _disable(webhook: Webhook) -> None:
    if not Webhook.objects.filter(pk=webhook.pk, is_active=True).update(
        is_active=False, disabled_at=timezone.now()
    ):
        return
    if webhook.community_id:
        from communities.models import Membership

        people = [
            m.user
            for m in Membership.objects.moderators()
            .filter(community_id=webhook.community_id)
            .select_related("user")
        ]
        url = reverse("webhooks:list", args=[webhook.community.slug])
    else:
        people = list(get_user_model().objects.filter(is_superuser=True, is_active=True))
        url = reverse("webhooks:platform_list")
    for person in people:
        notify(
            recipient=person,
            kind=Kind.WEBHOOK_DISABLED,
            message=f"The webhook to {webhook.url} was turned off after "
            f"{settings.WEBHOOKS_DISABLE_AFTER} failed deliveries in a row.",
            url=url,
            community=webhook.community,
        )


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Attempt one delivery if this call claims it; returns what happened."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return NOT_CLAIMED
    delivery = Delivery.objects.select_related("webhook__community").get(pk=delivery_id)
    webhook = delivery.webhook
    if not webhook.is_active:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, error="The webhook is turned off."
        )
        return SKIPPED
    body = json.dumps(delivery.payload, separators=(",", ":"))
    try:
        check_target(webhook.url)
    except ValidationError as exc:
        code, error, elapsed = None, exc.messages[0], 0
    else:
        started = time.monotonic()
        code, error = _post(
            webhook.url, body, signed_headers(webhook, delivery, body, timezone.now())
        )
        elapsed = int((time.monotonic() - started) * 1000)
    done = timezone.now()
    result = {"last_attempt_at": done, "response_code": code, "response_ms": elapsed}
    if code is not None and 200 <= code < 300:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.SUCCEEDED, delivered_at=done, error="", **result
        )
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return SENT
    attempts = delivery.attempts
    retry_at = done + dt.timedelta(seconds=backoff(attempts))
    give_up = retry_at > delivery.created_at + RETRY_FOR
    Delivery.objects.filter(pk=delivery_id, claimed_at=now).update(
        status=DeliveryStatus.FAILED if give_up else DeliveryStatus.RETRYING,
        next_attempt_at=retry_at,
        claimed_at=None,
        error=error or f"HTTP {code}",
        **result,
    )
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    webhook.refresh_from_db(fields=["consecutive_failures", "is_active"])
    if webhook.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER:
        _disable(webhook)
    logger.info("Webhook delivery %s failed: %s", delivery_id, error or code)
    return FAILED


def due_ids(*, now: dt.datetime | None = None) -> list[int]:
    """Deliveries waiting or due for a retry, and ones a dead worker left claimed past the lease."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS)
    return list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
            next_attempt_at__lte=now,
            webhook__is_active=True,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
