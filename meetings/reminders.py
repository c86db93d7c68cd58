"""Meeting reminders: which are due, and sending each one exactly once in practice.

When a reminder goes out
    A community lists its reminders as minutes before the meeting
    (`Community.reminder_minutes`, e.g. [1440, 60]). The reminder "N minutes
    before" is due at `starts_at - N` and stays sendable while more than N/2
    minutes are left: a "1 day before" reminder goes out between 24 h and 12 h
    before the meeting, a "1 hour before" one between 60 and 30 minutes. A
    meeting scheduled (or moved) too late for a reminder simply does not get
    that one, and nothing is ever sent once the meeting has started. When
    several reminders are open at once (the sweeper was down, or two offsets are
    close), only the nearest to the meeting is sent.

    The due time always derives from the occurrence's *current* `starts_at`:
    moving a meeting later makes its pending reminders wait for the new due time
    (the old one never fires); moving it earlier can make a reminder too late,
    and it is skipped. A reminder already sent before a move is not sent again;
    the move notification (`meetings.services.occurrences`) tells people the new
    time, and the remaining reminders follow it.

Who gets it
    Everyone who answered going (confirmed or on the waiting list, which the email
    says) or maybe *before* the reminder was due, with an active account and
    reminder emails on. Someone who answers after a reminder's due time has just
    looked at the meeting and gets only the later reminders.

How it is sent once
    `sweep()` (Celery beat, every minute) creates one `ReminderDelivery` row per
    (occurrence, person, minutes before) with `bulk_create(ignore_conflicts=True)`:
    the unique constraint makes a sweep run twice, or two sweeps at once, create
    each row once. It then enqueues `send_reminder` for unsent rows. `deliver()`
    claims its row with a conditional UPDATE before anything else, so a
    redelivered task or a second copy finds it claimed and does nothing. A claim
    older than `REMINDER_LEASE_SECONDS` with no `sent_at` belongs to a worker that
    died; the next sweep enqueues the row again and a new claim takes it. A send
    that failed on a mail server error keeps the row until the task's own retry is
    due (its lease is set to end then), so the sweeper does not hand it to a
    second task meanwhile. Tasks are never scheduled with far-future ETAs: the Redis
    broker would redeliver them after its visibility timeout.
"""

import contextlib
import datetime as dt
import logging
import smtplib
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db.models import F, Q
from django.utils import dateformat, timezone
from django.utils.text import Truncator, slugify

from accounts.models import zone_or_utc
from communities.models import Community
from meetings.kinds import Kind
from notifications.compose import EmailKind, absolute, compose
from notifications.services import notify

from .ics import occurrence_ics
from .models import Occurrence, OccurrenceStatus, ReminderDelivery, Rsvp, RsvpResponse
from .services.series import REMINDER_MAX

logger = logging.getLogger(__name__)

# Answers that get reminders.
REMINDED = (RsvpResponse.GOING, RsvpResponse.MAYBE)
# Tasks handed to the broker per connection checkout.
ENQUEUE_BATCH = 500
AGENDA_EXCERPT_CHARS = 600

# What `deliver` did.
SENT = "sent"
SKIPPED = "skipped"
NOT_CLAIMED = "not claimed"
NOT_DUE = "not due"


def due_at(starts_at: dt.datetime, minutes_before: int) -> dt.datetime:
    return starts_at - dt.timedelta(minutes=minutes_before)


def too_late_at(starts_at: dt.datetime, minutes_before: int) -> dt.datetime:
    """From this moment on the reminder is not sent: less than half its lead time is left."""
    return starts_at - dt.timedelta(minutes=minutes_before / 2)


def is_open(starts_at: dt.datetime, minutes_before: int, now: dt.datetime) -> bool:
    """Due and not yet too late (which also means the meeting has not started)."""
    return due_at(starts_at, minutes_before) <= now < too_late_at(starts_at, minutes_before)


def reminder_offsets(raw) -> list[int]:
    """A community's reminder minutes, cleaned: positive whole minutes, largest first.

    The setting is a JSON list written by the moderators' form; anything else in it
    (from the admin or an old value) is ignored rather than breaking the sweep, which
    serves every community: a value past the form's week would reach past the year 9999.
    """
    if not isinstance(raw, list):
        return []
    return sorted(
        {
            m
            for m in raw
            if isinstance(m, int) and not isinstance(m, bool) and 0 < m <= REMINDER_MAX
        },
        reverse=True,
    )


def sweep(*, enqueue: Callable[[list[int]], None], now: dt.datetime | None = None) -> int:
    """Create the reminders that are due and enqueue every unsent one; returns how many were enqueued.

    `enqueue` hands the `ReminderDelivery` ids to the broker (`meetings.tasks.sweep` passes
    it): this module holds the rules and never imports the tasks that run it.
    Five queries whatever the number of RSVPs, plus the broker calls: communities,
    occurrences in the window, their RSVPs, one bulk insert, the unsent rows.
    """
    now = now or timezone.now()
    offsets = {
        pk: reminder_offsets(raw)
        for pk, raw in Community.objects.live().not_archived().values_list("pk", "reminder_minutes")
    }
    longest = max((o[0] for o in offsets.values() if o), default=0)
    if longest:
        _create_due(now=now, offsets=offsets, longest=longest)
    return _enqueue_unsent(now=now, enqueue=enqueue)


def _create_due(*, now: dt.datetime, offsets: dict[int, list[int]], longest: int) -> None:
    # The occurrence -> (minutes before, due time) of the one reminder to create now.
    due: dict[int, tuple[int, dt.datetime]] = {}
    candidates = (
        Occurrence.objects.scheduled()
        .filter(
            community__in=Community.objects.live().not_archived(),
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(minutes=longest),
        )
        .values_list("pk", "community_id", "starts_at")
    )
    for pk, community_id, starts_at in candidates:
        open_now = [m for m in offsets.get(community_id, ()) if is_open(starts_at, m, now)]
        if open_now:
            # The nearest one supersedes reminders that are due together (after a pause of the sweeper).
            minutes = min(open_now)
            due[pk] = (minutes, due_at(starts_at, minutes))
    if not due:
        return
    answers = Rsvp.objects.filter(
        occurrence_id__in=due,
        response__in=REMINDED,
        user__is_active=True,
        user__meeting_reminders=True,
    ).values_list("occurrence_id", "user_id", "responded_at")
    rows = [
        ReminderDelivery(
            occurrence_id=occurrence_id,
            user_id=user_id,
            minutes_before=due[occurrence_id][0],
            created_at=now,
        )
        for occurrence_id, user_id, responded_at in answers
        if responded_at <= due[occurrence_id][1]
    ]
    # The unique (occurrence, user, minutes_before) constraint is the guard: rows that exist stay as they are.
    ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)


def _enqueue_unsent(*, now: dt.datetime, enqueue: Callable[[list[int]], None]) -> int:
    """Enqueue a send for each unsent reminder that is due and not held by a live claim.

    Rows made by this sweep are enqueued once. Older rows are enqueued again only
    when they are older than the lease: by then their first task should have run,
    so it was lost (a killed worker's unacknowledged message) or its worker died
    mid-send. Rows of cancelled or started meetings are enqueued too, once, so the
    task records why they were skipped and they leave the unsent index.
    """
    stale = now - dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    unsent = (
        ReminderDelivery.objects.filter(sent_at__isnull=True, skipped="")
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .filter(Q(created_at=now) | Q(created_at__lt=stale))
        .values_list("pk", "minutes_before", "occurrence__starts_at")
        .order_by("pk")
    )
    # A meeting moved later: its reminder waits for the new due time.
    ids = [pk for pk, minutes, starts_at in unsent if due_at(starts_at, minutes) <= now]
    for start in range(0, len(ids), ENQUEUE_BATCH):
        enqueue(ids[start : start + ENQUEUE_BATCH])
    return len(ids)


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    stale = now - dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    return bool(
        ReminderDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True, skipped="")
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def _release(
    delivery_id: int, claimed_at: dt.datetime, *, until: dt.datetime | None = None
) -> None:
    """Give up this call's claim, if it is still this call's; with `until`, hold the row until then.

    Only the claim made at `claimed_at` is given up: a send that outlived its lease may
    have been claimed again meanwhile, and wiping that live claim would let a third
    task send too. `until` is when the task's retry runs: the lease is made to end
    then, so the sweeper does not enqueue the row again in between (each extra task
    would start a retry chain of its own, undoing the backoff) and the retry can claim it.
    """
    held = None if until is None else until - dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    ReminderDelivery.objects.filter(
        pk=delivery_id, sent_at__isnull=True, claimed_at=claimed_at
    ).update(claimed_at=held)


def _skip(delivery_id: int, reason: str) -> str:
    ReminderDelivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(
        skipped=reason[:100]
    )
    return SKIPPED


def _why_not(delivery: ReminderDelivery, rsvp: Rsvp | None, now: dt.datetime) -> str:
    """The reason this reminder must not go out now, or "" if it may."""
    occurrence, user = delivery.occurrence, delivery.user
    community = occurrence.community
    if occurrence.status != OccurrenceStatus.SCHEDULED:
        return "meeting cancelled"
    if occurrence.starts_at <= now:
        return "meeting started before the reminder was sent"
    if now >= too_late_at(occurrence.starts_at, delivery.minutes_before):
        return "too late: less than half the reminder time was left"
    if not occurrence.series.is_active:
        return "meeting series ended"
    if not (community.is_live and not community.is_archived):
        return "community not active"
    if not user.is_active or not user.email:
        return "account inactive or without email"
    if not user.meeting_reminders:
        return "reminder emails turned off"
    if rsvp is None or rsvp.response not in REMINDED:
        return "no longer going"
    if not Community.objects.readable_by(user).filter(pk=community.pk).exists():
        return "no longer reads the community"
    return ""


def _span(starts_at: dt.datetime, ends_at: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{dateformat.format(start, 'l j F Y, H:i')}–{dateformat.format(end, 'H:i')}"
    return f"{dateformat.format(start, 'l j F Y, H:i')} – {dateformat.format(end, 'l j F Y, H:i')}"


def when_phrase(starts_at: dt.datetime, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "today at 12:30 CEST", "tomorrow at 12:30 CEST" or "on Friday 14 June at 12:30 CEST", in `zone`.

    The zone is named: a subject or notification is read on its own, often on a device
    set to another zone, or by someone whose account still says UTC.
    """
    start = starts_at.astimezone(zone)
    days = (start.date() - now.astimezone(zone).date()).days
    day = {0: "today", 1: "tomorrow"}.get(days) or f"on {dateformat.format(start, 'l j F')}"
    return f"{day} at {dateformat.format(start, 'H:i T')}"


def build_email(delivery: ReminderDelivery, rsvp: Rsvp, now: dt.datetime):
    """The reminder email: times in the recipient's time zone (and the meeting's), the `.ics` attached."""
    occurrence, user = delivery.occurrence, delivery.user
    series, community = occurrence.series, occurrence.community
    zone, series_zone = zone_or_utc(user.timezone), series.zone
    title = series.title
    subject = f"Reminder: {title} {when_phrase(occurrence.starts_at, now, zone)}"
    waitlisted = rsvp.response == RsvpResponse.GOING and rsvp.waitlisted
    meeting_url = absolute(occurrence.get_absolute_url())
    # The UTC offsets, not the names, decide: "Europe/Berlin" and "Europe/Paris" show the same time.
    other_zone = (
        occurrence.starts_at.astimezone(zone).utcoffset()
        != occurrence.starts_at.astimezone(series_zone).utcoffset()
    )
    context = {
        "occurrence": occurrence,
        "series": series,
        "community": community,
        "title": title,
        "when": _span(occurrence.starts_at, occurrence.ends_at, zone),
        "zone_name": zone.key,
        "series_when": _span(occurrence.starts_at, occurrence.ends_at, series_zone)
        if other_zone
        else "",
        "series_zone_name": series_zone.key,
        "room": occurrence.where_room,
        "address": series.address,
        "online_url": occurrence.where_online,
        "agenda_excerpt": Truncator(occurrence.agenda.strip()).chars(AGENDA_EXCERPT_CHARS),
        "response": rsvp.get_response_display().lower(),
        "waitlisted": waitlisted,
        "meeting_url": meeting_url,
        # The RSVP form on the meeting page (templates/meetings/includes/_rsvp.html).
        "rsvp_url": f"{meeting_url}#rsvp-{occurrence.pk}",
    }
    if waitlisted:
        why = f"you are on the waiting list for this meeting on {settings.SITE_NAME}"
    else:
        why = f"you answered {context['response']} to this meeting on {settings.SITE_NAME}"
    filename = f"{slugify(title) or 'meeting'}.ics"
    return compose(
        user=user,
        subject=subject,
        template="meetings/email/reminder",
        context=context,
        kind=EmailKind.REMINDERS,
        message_id=delivery.message_id,
        why=why,
        attachments=((filename, occurrence_ics(occurrence), "text/calendar"),),
    )


def deliver(delivery_id: int, *, now: dt.datetime | None = None, retry_in: int = 0) -> str:
    """Send one reminder if this call claims it and it is still wanted; returns what happened.

    Order matters for exactly-once: claim (conditional UPDATE), check, build the
    whole email, send, and only then record `sent_at` with one more UPDATE. The
    only gap left is between the mail server accepting the message and that
    UPDATE committing (about a millisecond). A worker killed inside it leaves a
    claimed, unsent row that is sent again after the lease: at-least-once, with
    the same Message-ID, so mail servers and clients that deduplicate on it show
    it once. The alternative (record `sent_at` before sending) turns the same
    crash into a reminder never sent, which is worse for a reminder. A worker
    killed anywhere before the server accepted the message (while connecting or
    talking to it, the long part) leaves nothing delivered, and the re-send after
    the lease is the only copy.

    The lease (`REMINDER_LEASE_SECONDS`) must stay longer than the task's hard
    time limit, or a slow but alive send could be claimed a second time.

    SMTP and OS errors before the server accepted the message release the claim
    and propagate, for the task to retry in `retry_in` seconds (the row is held
    for that retry until then). An error while closing the connection after the
    message was accepted is not a failed send: retrying it would send it twice.
    """
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return NOT_CLAIMED
    delivery = ReminderDelivery.objects.select_related(
        "user", "occurrence__series__organiser", "occurrence__community"
    ).get(pk=delivery_id)
    occurrence = delivery.occurrence
    if due_at(occurrence.starts_at, delivery.minutes_before) > now:
        # Moved later since the row was made: wait, unclaimed, for the new due time.
        _release(delivery_id, now)
        return NOT_DUE
    rsvp = Rsvp.objects.filter(occurrence=occurrence, user=delivery.user).first()
    reason = _why_not(delivery, rsvp, now)
    if reason:
        return _skip(delivery_id, reason)

    email = build_email(delivery, rsvp, now)
    # Opened here, so that `send()` leaves closing it (SMTP QUIT) to us: a timeout or reset
    # on QUIT comes after the server accepted the message and must not count as a failure.
    email.connection = email.get_connection()
    try:
        email.connection.open()
        email.send()
    except (smtplib.SMTPException, OSError):
        retry_at = timezone.now() + dt.timedelta(seconds=retry_in) if retry_in else None
        _release(delivery_id, now, until=retry_at)
        raise
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            email.connection.close()
    ReminderDelivery.objects.filter(pk=delivery_id).update(sent_at=timezone.now())

    # The in-app copy is made only after a send, so it exists once per sent reminder.
    zone = zone_or_utc(delivery.user.timezone)
    notify(
        recipient=delivery.user,
        kind=Kind.MEETING_REMINDER,
        message=f"Reminder: {occurrence.series.title} {when_phrase(occurrence.starts_at, now, zone)} "
        f"({occurrence.community.name})",
        url=occurrence.get_absolute_url(),
        community=occurrence.community,
        email=False,
    )
    logger.info("Sent reminder %s", delivery.message_id)
    return SENT
