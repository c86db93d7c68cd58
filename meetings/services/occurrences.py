"""One meeting (an occurrence of a series): move, cancel, agenda, notes and attendance.

Every write checks `can_manage_meetings` (the core group, moderators and site
admins of a live community), runs in a transaction with the occurrence's row
locked, stores Markdown rendered (`*_html`) so pages never render it again, and
touches this occurrence only: moving or cancelling one meeting leaves the rest
of its series as it was. Moving and cancelling bump the iCalendar SEQUENCE,
are recorded in the audit log and tell everyone who answered going, maybe or
joined the waiting list, in their own time zone. Refusals raise
`ValidationError` with a message fit to show the person.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator

from accounts.models import zone_or_utc
from communities.models import Membership
from communities.policy import access_for
from communities.services import audit
from core.markdown import render_markdown
from discussions.models import HelpRequest, RequestStatus
from meetings.kinds import AuditAction, Kind
from notifications.services import notify

from ..models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from ..permissions import can_manage_meetings

AGENDA_MAX = 20_000
NOTES_MAX = 50_000
REASON_MAX = 500
ROOM_MAX = 200
URL_MAX = 500
MIN_MINUTES, MAX_MINUTES = 5, 24 * 60
# A meeting moves at most this far ahead (further is a typo, and near year 9999 it overflows).
MOVE_HORIZON_DAYS = 5 * 366
# Statuses of a help request that still wants help (an answer but none accepted is still open).
OPEN_STATUSES = (RequestStatus.OPEN, RequestStatus.ANSWERED)


# Helpers -------------------------------------------------------------------


def when_for(user, moment: dt.datetime) -> str:
    """A moment as this person reads it: in their time zone, with the zone's abbreviation."""
    zone = zone_or_utc(getattr(user, "timezone", ""))
    return dateformat.format(moment.astimezone(zone), "D j M Y, H:i T")


def _lock(occurrence: Occurrence) -> Occurrence:
    locked = (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("series", "community")
        .get(pk=occurrence.pk)
    )
    return locked


def _require_manager(occurrence: Occurrence, by) -> None:
    if not can_manage_meetings(access_for(by, occurrence.community)):
        raise ValidationError(
            "Only the community's core group and moderators can change its meetings.",
            code="not_manager",
        )


def _require_scheduled(occurrence: Occurrence) -> None:
    if occurrence.is_cancelled:
        raise ValidationError("This meeting is cancelled.", code="cancelled")


def _require_started(occurrence: Occurrence, now, what: str) -> None:
    if occurrence.starts_at > now:
        raise ValidationError(
            f"{what} can be recorded once the meeting has started.", code="not_started"
        )


def _clean_text(text: str, *, what: str, max_length: int) -> str:
    text = (text or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            f"The {what} is too long ({len(text):,} characters; at most {max_length:,}).",
            code="too_long",
        )
    return text


def _keep_current(target: Occurrence, locked: Occurrence, fields) -> None:
    """The caller's object shows what was saved: it is what the caller renders next."""
    for name in fields:
        setattr(target, name, getattr(locked, name))


def _answered(occurrence: Occurrence, *, skip=None):
    """People to tell about a change: going (confirmed or waiting), maybe; still active members."""
    members = Membership.objects.filter(community=occurrence.community_id, is_active=True).values(
        "user_id"
    )
    rsvps = (
        Rsvp.objects.filter(
            occurrence=occurrence,
            response__in=(RsvpResponse.GOING, RsvpResponse.MAYBE),
            user__is_active=True,
            user__in=members,
        )
        .select_related("user")
        .order_by("pk")
    )
    return [r.user for r in rsvps if skip is None or r.user_id != skip.pk]


def _ids(values, *, what: str) -> set[int]:
    try:
        return {int(value) for value in values or ()}
    except (TypeError, ValueError):
        raise ValidationError(f"Those are not {what}.", code="bad_ids") from None


def _title(occurrence: Occurrence) -> str:
    return Truncator(occurrence.series.title).chars(80)


def _save(occurrence: Occurrence, fields: list[str]) -> None:
    occurrence.updated_at = timezone.now()
    occurrence.save(update_fields=[*fields, "updated_at"])


# Moving and cancelling -------------------------------------------------------


@transaction.atomic
def occurrence_move(
    *,
    occurrence: Occurrence,
    by,
    starts_at: dt.datetime,
    duration_minutes: int | None = None,
    room: str = "",
    online_url: str = "",
    reason: str = "",
) -> Occurrence:
    """Move one upcoming meeting to another time (and room or online link); the series stays as it was.

    A blank room or link means "as the series says". Everyone who answered going
    or maybe, or waits for a place, is told the old and new time in their own zone.
    """
    locked = _lock(occurrence)
    _require_manager(locked, by)
    _require_scheduled(locked)
    now = timezone.now()
    if locked.starts_at <= now:
        raise ValidationError("Only upcoming meetings can be moved.", code="past")
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError("Give the new date and time.", code="no_time")
    if starts_at <= now:
        raise ValidationError("Move the meeting to a time in the future.", code="to_past")
    if starts_at > now + dt.timedelta(days=MOVE_HORIZON_DAYS):
        raise ValidationError(
            "Move the meeting to a date within the next five years.", code="too_far"
        )
    if duration_minutes is None:
        duration = locked.ends_at - locked.starts_at
    else:
        if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
            raise ValidationError(
                f"A meeting lasts between {MIN_MINUTES} minutes and {MAX_MINUTES // 60} hours.",
                code="bad_duration",
            )
        duration = dt.timedelta(minutes=duration_minutes)
    room = _clean_text(room, what="room", max_length=ROOM_MAX)
    online_url = _clean_text(online_url, what="online link", max_length=URL_MAX)
    if online_url:
        try:
            URLValidator(schemes=["http", "https"])(online_url)
        except ValidationError:
            raise ValidationError(
                "The online link must be a web address (https://…).", code="bad_url"
            ) from None
    reason = _clean_text(reason, what="reason", max_length=REASON_MAX)
    old_start = locked.starts_at
    new_end = starts_at + duration
    if (
        starts_at == locked.starts_at
        and new_end == locked.ends_at
        and room == locked.room
        and online_url == locked.online_url
    ):
        raise ValidationError("That is when and where the meeting already is.", code="unchanged")

    locked.starts_at = starts_at
    locked.ends_at = new_end
    locked.room = room
    locked.online_url = online_url
    locked.sequence += 1
    _save(locked, ["starts_at", "ends_at", "room", "online_url", "sequence"])
    _keep_current(
        occurrence, locked, ["starts_at", "ends_at", "room", "online_url", "sequence", "updated_at"]
    )

    audit(
        community=locked.community,
        actor=by,
        action=AuditAction.MEETING_MOVED,
        occurrence=locked.pk,
        title=locked.series.title,
        moved_from=old_start.isoformat(),
        moved_to=starts_at.isoformat(),
        reason=reason,
    )
    url = locked.get_absolute_url()
    title = _title(locked)
    for person in _answered(locked, skip=by):
        if old_start == starts_at:
            message = f"“{title}” on {when_for(person, starts_at)} has a new place."
        else:
            message = (
                f"“{title}” moved from {when_for(person, old_start)} "
                f"to {when_for(person, starts_at)}."
            )
        if reason:
            message += f" {reason}"
        notify(
            recipient=person,
            kind=Kind.MEETING_MOVED,
            message=message,
            url=url,
            actor=by,
            community=locked.community,
        )
    return occurrence


@transaction.atomic
def occurrence_cancel(*, occurrence: Occurrence, by, reason: str) -> Occurrence:
    """Cancel one meeting (the series goes on); everyone who answered going or maybe is told."""
    locked = _lock(occurrence)
    _require_manager(locked, by)
    if locked.is_cancelled:
        raise ValidationError("This meeting is already cancelled.", code="cancelled")
    if locked.ends_at <= timezone.now():
        raise ValidationError("This meeting is over; it can no longer be cancelled.", code="past")
    reason = _clean_text(reason, what="reason", max_length=REASON_MAX)

    locked.status = OccurrenceStatus.CANCELLED
    locked.cancel_reason = reason
    locked.sequence += 1
    _save(locked, ["status", "cancel_reason", "sequence"])
    _keep_current(occurrence, locked, ["status", "cancel_reason", "sequence", "updated_at"])

    audit(
        community=locked.community,
        actor=by,
        action=AuditAction.MEETING_CANCELLED,
        occurrence=locked.pk,
        title=locked.series.title,
        starts_at=locked.starts_at.isoformat(),
        reason=reason,
    )
    url = locked.get_absolute_url()
    title = _title(locked)
    for person in _answered(locked, skip=by):
        message = f"“{title}” on {when_for(person, locked.starts_at)} is cancelled."
        if reason:
            message += f" {reason}"
        notify(
            recipient=person,
            kind=Kind.MEETING_CANCELLED,
            message=message,
            url=url,
            actor=by,
            community=locked.community,
        )
    return occurrence


# Agenda, notes, attendance ---------------------------------------------------


@transaction.atomic
def agenda_update(*, occurrence: Occurrence, by, agenda: str) -> Occurrence:
    locked = _lock(occurrence)
    _require_manager(locked, by)
    _require_scheduled(locked)
    locked.agenda = _clean_text(agenda, what="agenda", max_length=AGENDA_MAX)
    locked.agenda_html = render_markdown(locked.agenda)
    _save(locked, ["agenda", "agenda_html"])
    _keep_current(occurrence, locked, ["agenda", "agenda_html", "updated_at"])
    return occurrence


# Characters that would end or start Markdown syntax inside a link's text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def agenda_line(help_request: HelpRequest) -> str:
    """The Markdown line that puts a help request on an agenda: a link to its thread."""
    title = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(help_request.title.split()))
    url = reverse("discussions:thread", args=[help_request.community.slug, help_request.pk])
    return f"- [{title}]({url}) (help request #{help_request.pk})"


def open_requests_for_agenda(occurrence: Occurrence):
    """The community's open help requests not yet on this meeting's agenda, oldest activity last."""
    return (
        HelpRequest.objects.visible()
        .filter(community=occurrence.community_id, status__in=OPEN_STATUSES)
        .exclude(meetings=occurrence)
        .order_by("-last_activity_at", "-pk")
    )


@transaction.atomic
def agenda_add_request(*, occurrence: Occurrence, by, help_request: HelpRequest) -> Occurrence:
    """Pull an open help request of the same community onto the agenda (a linked line, and `threads`)."""
    locked = _lock(occurrence)
    _require_manager(locked, by)
    _require_scheduled(locked)
    help_request = HelpRequest.objects.select_related("community").get(pk=help_request.pk)
    if help_request.community_id != locked.community_id:
        raise ValidationError(
            "Only help requests of this community can go on its agenda.", code="other_community"
        )
    if help_request.is_removed:
        raise ValidationError("That help request was removed.", code="removed")
    if help_request.status not in OPEN_STATUSES:
        raise ValidationError(
            "That help request is already solved or closed; only open ones go on the agenda.",
            code="not_open",
        )
    if locked.threads.filter(pk=help_request.pk).exists():
        raise ValidationError("That help request is already on the agenda.", code="already_there")
    line = agenda_line(help_request)
    agenda = locked.agenda.rstrip()
    agenda = f"{agenda}\n{line}" if agenda else line
    locked.agenda = _clean_text(agenda, what="agenda", max_length=AGENDA_MAX)
    locked.agenda_html = render_markdown(locked.agenda)
    _save(locked, ["agenda", "agenda_html"])
    locked.threads.add(help_request)
    _keep_current(occurrence, locked, ["agenda", "agenda_html", "updated_at"])
    return occurrence


@transaction.atomic
def notes_update(*, occurrence: Occurrence, by, notes: str, thread_ids) -> Occurrence:
    """Write the notes (minutes) once the meeting has started, and set the threads it discussed."""
    locked = _lock(occurrence)
    _require_manager(locked, by)
    _require_scheduled(locked)
    _require_started(locked, timezone.now(), "Notes")
    notes = _clean_text(notes, what="notes", max_length=NOTES_MAX)
    wanted = _ids(thread_ids, what="help requests")
    threads = list(
        HelpRequest.objects.visible().filter(pk__in=wanted, community=locked.community_id)
    )
    if len(threads) != len(wanted):
        raise ValidationError(
            "Link only help requests of this community that are still there.", code="bad_thread"
        )
    locked.notes = notes
    locked.notes_html = render_markdown(notes)
    _save(locked, ["notes", "notes_html"])
    locked.threads.set(threads)
    _keep_current(occurrence, locked, ["notes", "notes_html", "updated_at"])
    return occurrence


@transaction.atomic
def attendance_record(*, occurrence: Occurrence, by, attended_user_ids) -> int:
    """Mark who came among those who answered (everyone else who answered did not); returns how many came."""
    locked = _lock(occurrence)
    _require_manager(locked, by)
    _require_scheduled(locked)
    _require_started(locked, timezone.now(), "Attendance")
    came = _ids(attended_user_ids, what="people")
    rsvps = list(Rsvp.objects.filter(occurrence=locked))
    unknown = came - {r.user_id for r in rsvps}
    if unknown:
        raise ValidationError(
            "Attendance is recorded for people who answered the RSVP only.", code="not_answered"
        )
    for rsvp in rsvps:
        rsvp.attended = rsvp.user_id in came
    Rsvp.objects.bulk_update(rsvps, ["attended"])
    return len(came)
