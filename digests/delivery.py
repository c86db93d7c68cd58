"""Email digests: what happened in a person's communities since their last digest.

People choose daily, weekly (Monday) or never, and the local hour (`User.digest_hour`
in `User.timezone`). Delivery has two steps, each safe to run twice or concurrently:

1. `record_due` (the sweep, every 10 minutes) walks active people with a digest in
   batches and, for each one whose local time is at or after their hour on the
   period's day (daily: every day; weekly: Monday, or later that week when Monday
   was missed), inserts a `DigestDelivery` for (person, frequency, period start).
   The unique constraint on those three is the claim on the period: a second sweep,
   or two at once, insert nothing more. The row's window runs from the previous
   digest's `covers_to` (or one period back for a first digest) to now, so a missed
   day or week is caught up by the next digest and nothing is repeated.
2. `deliver` (the `send_digests` task, on batches of rows) claims rows with
   `SELECT ... FOR UPDATE SKIP LOCKED` and a `claimed_at` update in one transaction,
   so only one worker holds a row; it builds the digests of the whole batch with a
   fixed number of queries (`digests.build.build_digests`), records empty ones (`skipped_empty`,
   no email) and sends the rest. Each row gets `sent_at` the moment the mail
   server accepted its email, so a redelivered task or a second worker sends
   nothing again; a worker killed in the middle leaves its unsent rows claimed,
   and the sweep hands them out again once the claim is older than `LEASE`. A
   failed send releases the claim, and every sweep retries unsent rows until
   `GIVE_UP` after they were recorded. A row abandoned that way does not count as
   a previous digest, so its window is covered by the next one.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import DigestFrequency, zone_or_utc
from notifications.models import DigestDelivery

from .build import build_digests, render_email

logger = logging.getLogger(__name__)
User = get_user_model()

# People looked at per sweep batch, and digests built and sent per delivery task.
SWEEP_BATCH = 500
DELIVERY_BATCH = 200
# Longer than a delivery task may run (its hard time limit), so a live worker keeps its claim.
LEASE = dt.timedelta(minutes=15)
# A digest that could not be sent this long after it was recorded is given up;
# the next digest covers its window instead.
GIVE_UP = dt.timedelta(hours=20)
# Someone back after months (or from "never") gets the last month, not a year of news.
MAX_CATCH_UP = dt.timedelta(days=31)
PERIODS = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: dt.timedelta(days=7),
}


def current_period(frequency: str, hour: int, local: dt.datetime) -> dt.date | None:
    """The local date the person's current period began, if its digest is due at `local`.

    Daily: today, from the chosen hour. Weekly: this Monday, from the chosen hour on
    Monday or at any time later that week (catching up a Monday the sweep missed).
    """
    today = local.date()
    if frequency == DigestFrequency.DAILY:
        return today if local.hour >= hour else None
    if frequency == DigestFrequency.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday())
        if today == monday and local.hour < hour:
            return None
        return monday
    return None


# Step 1: record who is due -----------------------------------------------------------


def _abandoned(now: dt.datetime) -> Q:
    return Q(sent_at__isnull=True, skipped_empty=False, created_at__lt=now - GIVE_UP)


def _record_batch(people: list, now: dt.datetime) -> int:
    """Insert the deliveries due for one batch of people (annotated by `record_due`): one query."""
    rows = []
    for person in people:
        period = current_period(
            person.digest_frequency,
            person.digest_hour,
            now.astimezone(zone_or_utc(person.timezone)),
        )
        # Done when this period's digest (or a later one: the person moved west) exists.
        if period is None or (person.last_period is not None and person.last_period >= period):
            continue
        start = person.last_to or person.gap_from or now - PERIODS[person.digest_frequency]
        rows.append(
            DigestDelivery(
                user_id=person.pk,
                frequency=person.digest_frequency,
                period_start=period,
                covers_from=min(max(start, now - MAX_CATCH_UP), now),
                covers_to=now,
                created_at=now,
            )
        )
    # A concurrent sweep may have inserted some of these meanwhile: the constraint keeps one.
    DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def record_due(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Record a delivery for everyone whose digest is due; the number of rows attempted.

    Two queries per batch of people: the people with what their last digests say, and the insert.
    """
    now = now or timezone.now()
    mine = DigestDelivery.objects.filter(user=OuterRef("pk"))
    abandoned = _abandoned(now)
    people = (
        User.objects.filter(is_active=True, digest_frequency__in=list(PERIODS))
        .only("pk", "timezone", "digest_frequency", "digest_hour")
        .annotate(
            last_period=Subquery(
                mine.filter(frequency=OuterRef("digest_frequency"))
                .order_by("-period_start")
                .values("period_start")[:1]
            ),
            # Where the previous digest (of any frequency, so switching loses nothing) stopped...
            last_to=Subquery(
                mine.exclude(abandoned).order_by("-covers_to").values("covers_to")[:1]
            ),
            # ...or, with only given-up ones in the catch-up window, where the first of those began.
            gap_from=Subquery(
                mine.filter(abandoned, covers_to__gt=now - MAX_CATCH_UP)
                .order_by("covers_from")
                .values("covers_from")[:1]
            ),
        )
    )
    recorded, after = 0, 0
    while True:
        batch = list(people.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return recorded
        recorded += _record_batch(batch, now)
        after = batch[-1].pk


def claimable(now: dt.datetime) -> Q:
    """Deliveries still to send that no live worker holds."""
    return Q(sent_at__isnull=True, skipped_empty=False, created_at__gte=now - GIVE_UP) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    )


def pending_ids(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        DigestDelivery.objects.filter(claimable(now)).order_by("pk").values_list("pk", flat=True)
    )


# Step 2: claim and send ---------------------------------------------------------------


@dataclass
class Delivered:
    sent: int = 0
    empty: int = 0
    failed: int = 0


# Refused for this one message; the connection is fine for the next.
_PER_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def _claim(ids: list[int], now: dt.datetime) -> list[DigestDelivery]:
    """Take the claimable deliveries among `ids`; rows another worker holds are skipped."""
    with transaction.atomic():
        rows = list(
            DigestDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(claimable(now), pk__in=ids)
            .order_by("pk")
        )
        DigestDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(claimed_at=now)
    for row in rows:
        row.claimed_at = now
    return rows


def deliver(ids: list[int], *, now: dt.datetime | None = None) -> Delivered:
    """Claim, build and send the digests of these deliveries; each is sent at most once."""
    now = now or timezone.now()
    result = Delivered()
    rows = _claim(ids, now)
    if not rows:
        return result
    # Someone who left, or turned digests off, after their digest was recorded gets none.
    wanted = [
        r
        for r in rows
        if r.user.is_active and r.user.email and r.user.digest_frequency != DigestFrequency.NEVER
    ]
    digests = build_digests(wanted, now=now)
    empty = [r.pk for r in rows if r not in wanted] + [d.delivery.pk for d in digests if d.is_empty]
    DigestDelivery.objects.filter(pk__in=empty).update(skipped_empty=True, item_count=0)
    result.empty = len(empty)
    to_send = [d for d in digests if not d.is_empty]
    if not to_send:
        return result
    with get_connection() as connection:
        for position, digest in enumerate(to_send):
            email = render_email(digest)
            email.connection = connection
            try:
                email.send()
            except _PER_MESSAGE_ERRORS as exc:
                logger.warning("Digest %s refused: %s", digest.delivery.pk, exc)
                DigestDelivery.objects.filter(pk=digest.delivery.pk).update(claimed_at=None)
                result.failed += 1
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The mail server is away: hand this one and the rest back to the next sweep.
                logger.warning("Digest sending stopped at %s: %s", digest.delivery.pk, exc)
                left = [d.delivery.pk for d in to_send[position:]]
                DigestDelivery.objects.filter(pk__in=left).update(claimed_at=None)
                result.failed += len(left)
                break
            DigestDelivery.objects.filter(pk=digest.delivery.pk).update(
                sent_at=timezone.now(), item_count=digest.item_count
            )
            result.sent += 1
    return result
