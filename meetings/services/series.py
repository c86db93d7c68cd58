"""Scheduling, changing and ending a meeting series; a community's reminder settings.

Every function checks who is acting (`meetings.permissions`), validates, runs in
a transaction, records the audit event and tells the people concerned. A refusal
raises `ValidationError` with a message fit to show the person.

Who is told what, without spamming:
- a new series: one in-app notification per active member (not the organiser),
  never an email; emails about meetings are the reminders and the digest;
- a schedule change or the end of a series: one notification per person who
  answered going or maybe (waiting list included), per kind (moved, cancelled),
  however many of their meetings it touched; with the usual email copy, since a
  meeting they planned for is affected. People who answered "not going" are not told.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import validate_time_zone
from communities.kinds import AuditAction as CommunityAction
from communities.models import Community, Membership
from communities.policy import access_for
from communities.services import audit
from core.markdown import render_markdown
from meetings.kinds import AuditAction, Kind
from notifications.models import Notification
from notifications.services import notify

from ..models import MeetingSeries, Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from ..permissions import can_manage_meetings, can_set_reminders
from . import recurrence
from .occurrences import when_for

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
ROOM_MAX = 200
ADDRESS_MAX = 300
URL_MAX = 500
DURATION_MIN, DURATION_MAX = 5, 24 * 60
CAPACITY_MAX = 10_000
REMINDER_MIN, REMINDER_MAX, REMINDERS_MAX = 5, 7 * 24 * 60, 4
EARLIEST_START = dt.date(1970, 1, 1)

SCHEDULE_FIELDS = ("rrule", "start_date", "start_time", "time_zone", "duration_minutes")
PLACE_FIELDS = ("room", "address", "online_url")
EDITABLE_FIELDS = ("title", "description", *PLACE_FIELDS, *SCHEDULE_FIELDS, "capacity")

RESCHEDULED_REASON = "The series' schedule changed."
ENDED_REASON = "The series has ended."


# Checks ------------------------------------------------------------------------


def _ensure_can_manage(community: Community, by) -> None:
    if not can_manage_meetings(access_for(by, community)):
        if community.is_archived:
            raise ValidationError(
                "This community is archived: its meetings cannot change.", code="archived"
            )
        raise ValidationError(
            "Only the core group and moderators of this community schedule its meetings.",
            code="forbidden",
        )


def _text(value, *, what: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"The {what} cannot be empty.", code="empty")
    if len(value) > max_length:
        raise ValidationError(
            f"The {what} is too long ({len(value):,} characters; at most {max_length:,}).",
            code="too_long",
        )
    return value


def _clean(values: dict, *, now: dt.datetime, check_upcoming: bool) -> dict:
    """The series' fields, checked and normalised; `ValidationError` with the first problem found."""
    cleaned = {
        "title": _text(values["title"], what="title", max_length=TITLE_MAX, required=True),
        "description": _text(values["description"], what="description", max_length=DESCRIPTION_MAX),
        "room": _text(values["room"], what="room", max_length=ROOM_MAX),
        "address": _text(values["address"], what="address", max_length=ADDRESS_MAX),
        "online_url": _text(values["online_url"], what="online link", max_length=URL_MAX),
    }
    if cleaned["online_url"]:
        try:
            URLValidator(schemes=["http", "https"])(cleaned["online_url"])
        except ValidationError as exc:
            raise ValidationError(
                "The online link must be a web address (https://…).", code="url"
            ) from exc
    if not (cleaned["room"] or cleaned["online_url"]):
        raise ValidationError(
            "Say where you meet: a room, an online link, or both.", code="no_place"
        )

    time_zone = values["time_zone"] or ""
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise ValidationError(
            f"“{time_zone}” is not a time zone we know.", code="time_zone"
        ) from exc
    cleaned["time_zone"] = time_zone
    if not isinstance(values["start_date"], dt.date) or isinstance(
        values["start_date"], dt.datetime
    ):
        raise ValidationError("Give the date of the first meeting.", code="start_date")
    # Dates far out are typos, and near the ends of the calendar they overflow.
    latest = now.date() + dt.timedelta(days=recurrence.FIRST_MEETING_HORIZON_DAYS)
    if values["start_date"] > latest:
        raise ValidationError(
            f"The first meeting is at most five years ahead ({date_format(latest, 'j F Y')}).",
            code="start_date_range",
        )
    if values["start_date"] < EARLIEST_START:
        raise ValidationError(
            "The date of the first meeting is too far in the past.", code="start_date_range"
        )
    if not isinstance(values["start_time"], dt.time):
        raise ValidationError("Give the time the meeting starts.", code="start_time")
    cleaned["start_date"] = values["start_date"]
    cleaned["start_time"] = values["start_time"].replace(second=0, microsecond=0, tzinfo=None)
    duration = values["duration_minutes"]
    if not isinstance(duration, int) or not DURATION_MIN <= duration <= DURATION_MAX:
        raise ValidationError(
            f"A meeting lasts {DURATION_MIN} minutes to {DURATION_MAX // 60} hours.",
            code="duration",
        )
    cleaned["duration_minutes"] = duration
    capacity = values["capacity"]
    if capacity is not None and (
        not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX
    ):
        raise ValidationError(
            f"The number of places is 1 to {CAPACITY_MAX:,}, or empty for no limit.",
            code="capacity",
        )
    cleaned["capacity"] = capacity

    rrule = (values["rrule"] or "").strip()
    recurrence.validate_rule(rrule, start_date=cleaned["start_date"])
    rrule = recurrence.normalise_rrule(rrule, start_date=cleaned["start_date"])
    until = recurrence.parse_rrule(rrule).until
    if until is not None and until < cleaned["start_date"]:
        raise ValidationError(
            "The repeat ends before the first meeting.", code="until_before_start"
        )
    cleaned["rrule"] = rrule
    if check_upcoming and (
        recurrence.first_start_after(
            rrule=rrule,
            time_zone=time_zone,
            start_date=cleaned["start_date"],
            start_time=cleaned["start_time"],
            after=now,
        )
        is None
    ):
        raise ValidationError(
            "This schedule has no meeting after now: check the start date and when the meetings end.",
            code="no_meeting",
        )
    return cleaned


def _short(title: str) -> str:
    return title if len(title) <= 80 else f"{title[:79]}…"


# Telling people ----------------------------------------------------------------


def _announce(series: MeetingSeries, *, by, first_start: dt.datetime | None) -> int:
    """One in-app notification per active member: a new series is worth knowing, not worth an email.

    Written in one bulk insert (a community can have thousands of members); `notify`
    would add an email copy, which this deliberately is not.
    """
    community = series.community
    people = (
        Membership.objects.filter(community=community, is_active=True, user__is_active=True)
        .exclude(user=by)
        .values_list("user_id", flat=True)
    )
    kind = "a new meeting series" if series.is_recurring else "a meeting"
    message = f"{by.name} scheduled {kind}: “{_short(series.title)}”"
    if first_start is not None:
        message += f", first on {date_format(first_start.astimezone(series.zone), 'j M Y')}"
    url = series.get_absolute_url()
    now = timezone.now()
    notices = [
        Notification(
            recipient_id=user_id,
            kind=Kind.MEETING_SCHEDULED,
            message=message[:300],
            url=url,
            actor=by,
            community=community,
            created_at=now,
        )
        for user_id in people.iterator(chunk_size=2000)
    ]
    Notification.objects.bulk_create(notices, batch_size=1000)
    # Counted from the list: `len(people)` would read every member's id a second time.
    return len(notices)


def _tell_answered(
    series: MeetingSeries, *, by, moved: list[Occurrence], cancelled: list[Occurrence]
) -> None:
    """One notification per person and kind, for the meetings they said they would (maybe) attend."""
    touched = {o.pk: o for o in [*moved, *cancelled]}
    if not touched:
        return
    # Only people still in the community hear about its meetings.
    members = Membership.objects.filter(community=series.community, is_active=True).values(
        "user_id"
    )
    rsvps = (
        Rsvp.objects.filter(
            occurrence__in=list(touched),
            response__in=[RsvpResponse.GOING, RsvpResponse.MAYBE],
            user__is_active=True,
            user__in=members,
        )
        .select_related("user")
        .order_by("user_id", "occurrence__starts_at")
    )
    moved_ids = {o.pk for o in moved}
    per_person: dict[int, dict] = defaultdict(lambda: {"user": None, "moved": [], "cancelled": []})
    for rsvp in rsvps:
        entry = per_person[rsvp.user_id]
        entry["user"] = rsvp.user
        entry["moved" if rsvp.occurrence_id in moved_ids else "cancelled"].append(
            touched[rsvp.occurrence_id]
        )
    title = _short(series.title)
    url = series.get_absolute_url()
    for entry in per_person.values():
        user = entry["user"]
        if user.pk == getattr(by, "pk", None):
            continue
        if entry["moved"]:
            first = entry["moved"][0]
            if len(entry["moved"]) == 1:
                message = f"“{title}” has a new time: {when_for(user, first.starts_at)}"
            else:
                message = (
                    f"“{title}” has new times for {len(entry['moved'])} meetings you answered; "
                    f"the next is {when_for(user, first.starts_at)}"
                )
            notify(
                recipient=user,
                kind=Kind.MEETING_MOVED,
                message=message,
                url=url,
                actor=by,
                community=series.community,
            )
        if entry["cancelled"]:
            first = entry["cancelled"][0]
            if len(entry["cancelled"]) == 1:
                message = f"“{title}” on {when_for(user, first.starts_at)} is cancelled."
            else:
                message = (
                    f"{len(entry['cancelled'])} meetings of “{title}” that you answered are "
                    f"cancelled, from {when_for(user, first.starts_at)}."
                )
            message += f" {first.cancel_reason}"
            notify(
                recipient=user,
                kind=Kind.MEETING_CANCELLED,
                message=message,
                url=url,
                actor=by,
                community=series.community,
            )


# The series ----------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    community: Community,
    by,
    title: str,
    description: str = "",
    room: str = "",
    address: str = "",
    online_url: str = "",
    time_zone: str,
    start_date: dt.date,
    start_time: dt.time,
    duration_minutes: int = 60,
    rrule: str = "",
    capacity: int | None = None,
) -> MeetingSeries:
    """Schedule a series (or a one-off meeting) and create its meetings in the window."""
    _ensure_can_manage(community, by)
    now = timezone.now()
    cleaned = _clean(
        {
            "title": title,
            "description": description,
            "room": room,
            "address": address,
            "online_url": online_url,
            "time_zone": time_zone,
            "start_date": start_date,
            "start_time": start_time,
            "duration_minutes": duration_minutes,
            "rrule": rrule,
            "capacity": capacity,
        },
        now=now,
        check_upcoming=True,
    )
    series = MeetingSeries.objects.create(
        community=community,
        organiser=by,
        description_html=render_markdown(cleaned["description"]),
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    recurrence.extend_series(series, now=now)
    audit(
        community=community,
        actor=by,
        action=AuditAction.MEETING_SCHEDULED,
        title=series.title,
        url=series.get_absolute_url(),
    )
    first = recurrence.first_start_after(
        rrule=series.rrule,
        time_zone=series.time_zone,
        start_date=series.start_date,
        start_time=series.start_time,
        after=now,
    )
    _announce(series, by=by, first_start=first)
    return series


def _has_content():
    """Answers or an agenda: what a schedule change must not silently delete."""
    return (
        Exists(Rsvp.objects.filter(occurrence=OuterRef("pk")))
        | ~Q(agenda="")
        | Exists(Occurrence.threads.through.objects.filter(occurrence_id=OuterRef("pk")))
    )


def _reschedule(series: MeetingSeries, *, by, old: dict, now: dt.datetime) -> None:
    """Bring the future meetings in line with a changed schedule; past ones are never touched.

    - moved or cancelled one by one: kept as they are (someone decided about them);
    - untouched and empty: deleted, the window regenerated from the new rule;
    - untouched with answers or an agenda: re-timed in place (sequence + 1) when the
      new rule has a meeting on the same local date (a one-off's only meeting always
      matches a one-off's), otherwise cancelled, and the people who answered are told.
    """
    future = Occurrence.objects.filter(
        series=series, starts_at__gt=now, status=OccurrenceStatus.SCHEDULED
    )
    # Locked before anything is read (as `rsvp_set` locks its meeting): an answer given right
    # now is in before we look for answers, or waits and finds its meeting gone; never deleted
    # with the meeting unseen.
    list(future.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    # Untouched: where the old schedule put it. A meeting re-timed by an earlier schedule
    # change no longer sits on its original start, but it follows the schedule all the same.
    old_series = MeetingSeries(**{name: old[name] for name in SCHEDULE_FIELDS})
    on_old_schedule = recurrence.starts_between(
        old_series, now, recurrence.window_end(now) + dt.timedelta(days=2)
    )
    untouched = future.filter(Q(starts_at=F("original_start")) | Q(starts_at__in=on_old_schedule))
    untouched.filter(~Q(pk__in=untouched.filter(_has_content()).values("pk"))).delete()
    keep = list(untouched.order_by("starts_at", "pk"))

    moved, cancelled = [], []
    duration = dt.timedelta(minutes=series.duration_minutes)
    if keep:
        old_zone = zoneinfo.ZoneInfo(old["time_zone"])
        until = max(recurrence.window_end(now), keep[-1].starts_at) + dt.timedelta(days=2)
        new_starts = recurrence.starts_between(series, now + dt.timedelta(microseconds=1), until)
        by_date = {start.astimezone(series.zone).date(): start for start in new_starts}
        one_off = not old["rrule"] and not series.rrule
        for occurrence in keep:
            if one_off:
                new_start = new_starts[0] if new_starts else None
            else:
                new_start = by_date.pop(occurrence.starts_at.astimezone(old_zone).date(), None)
            if new_start is None:
                occurrence.status = OccurrenceStatus.CANCELLED
                occurrence.cancel_reason = RESCHEDULED_REASON
                cancelled.append(occurrence)
            else:
                if new_start != occurrence.starts_at:
                    moved.append(occurrence)
                occurrence.starts_at, occurrence.ends_at = new_start, new_start + duration
            occurrence.sequence += 1
            occurrence.updated_at = now
        Occurrence.objects.bulk_update(
            keep, ["status", "cancel_reason", "starts_at", "ends_at", "sequence", "updated_at"]
        )
    recurrence.extend_series(series, now=now)
    _tell_answered(series, by=by, moved=moved, cancelled=cancelled)


def _promote_waitlists(series: MeetingSeries, *, now: dt.datetime) -> None:
    """More places: people waiting move up, in the order they answered."""
    from .rsvp import promote_waitlist

    waiting = Occurrence.objects.filter(
        series=series, status=OccurrenceStatus.SCHEDULED, ends_at__gt=now, waitlist_count__gt=0
    ).select_related("community")
    for occurrence in waiting:
        occurrence.series = series  # with its new capacity
        promote_waitlist(occurrence)


@transaction.atomic
def series_update(*, series: MeetingSeries, by, **fields) -> MeetingSeries:
    """Change a series. Fields not given keep their value; returns the series as saved.

    A schedule change (rule, start, time, time zone, duration) reworks the future
    meetings (see `_reschedule`); a change of place or title raises their
    sequence so calendars update. More places move waiting lists up; fewer places
    never take a place from someone who has one.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not a field of a meeting series: {', '.join(sorted(unknown))}")
    community = series.community
    _ensure_can_manage(community, by)
    # Locked: the hourly extend_all skips a series being edited, so its old rule adds nothing after this.
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    series.community = community
    if not series.is_active:
        raise ValidationError("This series has ended; schedule a new one instead.", code="ended")
    old = {name: getattr(series, name) for name in EDITABLE_FIELDS}
    # "FREQ=WEEKLY" and "FREQ=WEEKLY;BYDAY=TU" from a Tuesday are the same schedule.
    old["rrule"] = recurrence.normalise_rrule(old["rrule"], start_date=old["start_date"])
    values = {**old, **fields}
    now = timezone.now()
    schedule_changed = any(values[name] != old[name] for name in SCHEDULE_FIELDS)
    cleaned = _clean(values, now=now, check_upcoming=schedule_changed)
    changed = [name for name in EDITABLE_FIELDS if cleaned[name] != old[name]]
    if not changed:
        return series
    for name in changed:
        setattr(series, name, cleaned[name])
    update_fields = [*changed, "updated_at"]
    if "description" in changed:
        series.description_html = render_markdown(series.description)
        update_fields.append("description_html")
    series.updated_at = now
    series.save(update_fields=update_fields)

    if any(name in changed for name in SCHEDULE_FIELDS):
        _reschedule(series, by=by, old=old, now=now)
    elif any(name in changed for name in (*PLACE_FIELDS, "title")):
        Occurrence.objects.filter(
            series=series, starts_at__gt=now, status=OccurrenceStatus.SCHEDULED
        ).update(sequence=F("sequence") + 1, updated_at=now)
    if old["capacity"] is not None and (
        series.capacity is None or series.capacity > old["capacity"]
    ):
        _promote_waitlists(series, now=now)
    audit(
        community=community,
        actor=by,
        action=AuditAction.MEETING_EDITED,
        title=series.title,
        url=series.get_absolute_url(),
        fields=[MeetingSeries._meta.get_field(name).verbose_name for name in changed],
    )
    return series


@transaction.atomic
def series_end(*, series: MeetingSeries, by) -> MeetingSeries:
    """Stop a series: no new meetings, the future ones cancelled (and their people told). The past stays."""
    community = series.community
    _ensure_can_manage(community, by)
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    series.community = community
    if not series.is_active:
        raise ValidationError("This series has already ended.", code="ended")
    now = timezone.now()
    series.is_active = False
    series.updated_at = now
    series.save(update_fields=["is_active", "updated_at"])
    future = list(
        Occurrence.objects.filter(
            series=series, starts_at__gt=now, status=OccurrenceStatus.SCHEDULED
        ).order_by("starts_at", "pk")
    )
    for occurrence in future:
        occurrence.status = OccurrenceStatus.CANCELLED
        occurrence.cancel_reason = ENDED_REASON
        occurrence.sequence += 1
        occurrence.updated_at = now
    Occurrence.objects.bulk_update(future, ["status", "cancel_reason", "sequence", "updated_at"])
    audit(
        community=community,
        actor=by,
        action=AuditAction.MEETING_ENDED,
        title=series.title,
        url=series.get_absolute_url(),
    )
    _tell_answered(series, by=by, moved=[], cancelled=future)
    return series


# Reminders -----------------------------------------------------------------------


def minutes_label(minutes: int) -> str:
    """1440 -> "1 day", 90 -> "1 hour 30 minutes"."""
    parts = []
    for size, name in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 minutes"


def reminders_label(values) -> str:
    return ", ".join(f"{minutes_label(m)} before" for m in values) if values else "none"


@transaction.atomic
def reminder_settings_update(*, community: Community, by, minutes: list[int]) -> Community:
    """When reminders go out before each meeting: up to four times, 5 minutes to a week ahead, or none."""
    if not can_set_reminders(access_for(by, community)):
        raise ValidationError(
            "Only the moderators of this community choose its reminders.", code="forbidden"
        )
    values = set()
    for value in minutes:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not REMINDER_MIN <= value <= REMINDER_MAX
        ):
            raise ValidationError(
                f"A reminder goes out {REMINDER_MIN} minutes to {REMINDER_MAX // (24 * 60)} days "
                "(10,080 minutes) before the meeting.",
                code="reminder_range",
            )
        values.add(value)
    if len(values) > REMINDERS_MAX:
        raise ValidationError(f"Choose at most {REMINDERS_MAX} reminders.", code="too_many")
    new = sorted(values, reverse=True)
    community = Community.objects.select_for_update().get(pk=community.pk)
    old = list(community.reminder_minutes or [])
    if new == old:
        return community
    community.reminder_minutes = new
    community.save(update_fields=["reminder_minutes"])
    audit(
        community=community,
        actor=by,
        action=CommunityAction.SETTINGS_CHANGED,
        old=f"Reminders: {reminders_label(old)}",
        new=reminders_label(new),
    )
    return community
