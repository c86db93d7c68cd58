"""When a series meets: its RFC 5545 rule, in plain English, and the rolling window of occurrences.

A series stores a local start (date, time, time zone) and an RRULE body over
*naive local* times (UNTIL too), so "Tuesdays at 09:30 in Amsterdam" stays at
09:30 on the wall clock across daylight-saving changes while its UTC time moves.
The rules we write and accept are the ones the form can express: one-off (""),
weekly on some weekdays every N weeks, monthly on the Nth (1st..4th, last)
weekday every N months; ending never, on a date (UNTIL = the end of that local
day) or after COUNT meetings. Each gives at most one meeting per local date,
which the window below relies on.

Local times that do not exist or exist twice follow RFC 5545 (3.3.5), which is
what `zoneinfo` does with `fold=0`: an ambiguous time (the autumn hour that
repeats) is its first occurrence, the daylight-saving one; a time in the
spring-forward gap is read with the offset from before the gap, so a 02:30
meeting on that night starts at 03:30 local (01:30 UTC in Europe/Amsterdam).

Occurrences are created ahead for `settings.MEETINGS_WINDOW_DAYS`; a periodic
task (`meetings.tasks.extend_occurrences`) calls `extend_all` hourly. A local
date that already has a meeting of the series (by its original start, or a
scheduled one re-timed onto it) is never filled again, so a cancelled or moved
meeting is not recreated, and a meeting re-timed by a schedule change does not
get a twin.
"""

import dataclasses
import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from communities.models import CommunityStatus

from ..models import MeetingSeries, Occurrence, OccurrenceStatus

UTC = dt.UTC
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
MAX_WEEKLY_INTERVAL = 52
MAX_MONTHLY_INTERVAL = 12
MAX_COUNT = 500
# A rule must give a meeting within this many years of its start, or it is a typo.
FIRST_MEETING_HORIZON_DAYS = 5 * 366


class Repeat(models.TextChoices):
    NONE = "none", "Does not repeat (one meeting)"
    WEEKLY = "weekly", "Weekly, on chosen weekdays"
    MONTHLY = "monthly", "Monthly, on the first, second, third, fourth or last weekday"


class Ends(models.TextChoices):
    NEVER = "never", "Never"
    ON = "on", "On a date"
    AFTER = "after", "After a number of meetings"


@dataclass(frozen=True)
class Recurrence:
    """The form's choices, and what `parse_rrule` reads back from a stored rule."""

    repeat: str = Repeat.NONE
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # weekly; 0 = Monday; empty = the start date's weekday
    nth: int = 1  # monthly: 1..4, or -1 for the last
    weekday: int = 0  # monthly
    ends: str = Ends.NEVER
    until: dt.date | None = None
    count: int | None = None

    def to_rrule(self) -> str:
        if self.repeat == Repeat.NONE:
            return ""
        parts = ["FREQ=WEEKLY" if self.repeat == Repeat.WEEKLY else "FREQ=MONTHLY"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.repeat == Repeat.WEEKLY:
            if self.weekdays:
                parts.append(
                    "BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in sorted(set(self.weekdays)))
                )
        else:
            parts.append(f"BYDAY={self.nth}{WEEKDAY_CODES[self.weekday]}")
        if self.ends == Ends.ON and self.until:
            # The end of that local day: a meeting on the last date still happens.
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        elif self.ends == Ends.AFTER and self.count:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


def build_rrule(
    *,
    repeat: str,
    interval: int = 1,
    weekdays: Iterable[int] = (),
    nth: int = 1,
    weekday: int = 0,
    ends: str = Ends.NEVER,
    until: dt.date | None = None,
    count: int | None = None,
) -> str:
    """The RRULE body for the form's choices ("" for a one-off); `ValidationError` for choices that make none."""
    if repeat not in Repeat.values:
        raise ValidationError("Choose how the meeting repeats.", code="repeat")
    if repeat == Repeat.NONE:
        return ""
    top = MAX_WEEKLY_INTERVAL if repeat == Repeat.WEEKLY else MAX_MONTHLY_INTERVAL
    unit = "weeks" if repeat == Repeat.WEEKLY else "months"
    if not 1 <= int(interval) <= top:
        raise ValidationError(f"Repeat every 1 to {top} {unit}.", code="interval")
    weekdays = tuple(sorted({int(d) for d in weekdays}))
    if any(not 0 <= d <= 6 for d in weekdays) or not 0 <= int(weekday) <= 6:
        raise ValidationError("That is not a day of the week.", code="weekday")
    if repeat == Repeat.MONTHLY and int(nth) not in ORDINALS:
        raise ValidationError(
            "Choose the first, second, third, fourth or last weekday.", code="nth"
        )
    if ends not in Ends.values:
        raise ValidationError("Choose when the meetings end.", code="ends")
    if ends == Ends.ON and until is None:
        raise ValidationError("Give the date of the last meeting.", code="until")
    if ends == Ends.AFTER and not (count and 1 <= int(count) <= MAX_COUNT):
        raise ValidationError(f"End after 1 to {MAX_COUNT} meetings.", code="count")
    return Recurrence(
        repeat=repeat,
        interval=int(interval),
        weekdays=weekdays,
        nth=int(nth),
        weekday=int(weekday),
        ends=ends,
        until=until,
        count=int(count) if count else None,
    ).to_rrule()


_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T\d{6})?$")


def parse_rrule(rule: str) -> Recurrence:
    """Read a stored rule back into the form's choices. `ValueError` for a rule outside what we support."""
    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule:
        return Recurrence()
    parts: dict[str, str] = {}
    for chunk in rule.upper().split(";"):
        key, sep, value = chunk.partition("=")
        if not sep or not value or key in parts:
            raise ValueError(f"Cannot read {chunk!r}.")
        parts[key] = value
    freq = parts.pop("FREQ", "")
    if freq not in ("WEEKLY", "MONTHLY"):
        raise ValueError("Only weekly and monthly meetings are supported.")
    parts.pop("WKST", None)
    raw_interval = parts.pop("INTERVAL", "1")
    top = MAX_WEEKLY_INTERVAL if freq == "WEEKLY" else MAX_MONTHLY_INTERVAL
    if not raw_interval.isdigit() or not 1 <= int(raw_interval) <= top:
        raise ValueError(f"INTERVAL must be 1 to {top}.")
    interval = int(raw_interval)
    days = []
    for code in filter(None, parts.pop("BYDAY", "").split(",")):
        match = _BYDAY.match(code)
        if not match:
            raise ValueError(f"Cannot read the weekday {code!r}.")
        days.append(
            (int(match.group(1)) if match.group(1) else None, WEEKDAY_CODES.index(match.group(2)))
        )
    ends, until, count = Ends.NEVER, None, None
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValueError("A rule ends on a date or after a count, not both.")
    if "UNTIL" in parts:
        match = _UNTIL.match(parts.pop("UNTIL"))
        if not match:
            raise ValueError("UNTIL must be a local date and time, without a Z.")
        ends, until = Ends.ON, dt.datetime.strptime(match.group(1), "%Y%m%d").date()  # noqa: DTZ007 (a date)
    if "COUNT" in parts:
        value = parts.pop("COUNT")
        if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
            raise ValueError(f"COUNT must be 1 to {MAX_COUNT}.")
        ends, count = Ends.AFTER, int(value)
    if parts:
        raise ValueError(f"Unsupported: {', '.join(sorted(parts))}.")
    if freq == "WEEKLY":
        if any(n is not None for n, _ in days):
            raise ValueError("Weekly rules take plain weekdays.")
        return Recurrence(
            repeat=Repeat.WEEKLY,
            interval=interval,
            weekdays=tuple(sorted({d for _, d in days})),
            ends=ends,
            until=until,
            count=count,
        )
    if len(days) != 1 or days[0][0] not in ORDINALS:
        raise ValueError("Monthly rules take one weekday with its position (1..4 or -1).")
    return Recurrence(
        repeat=Repeat.MONTHLY,
        interval=interval,
        nth=days[0][0],
        weekday=days[0][1],
        ends=ends,
        until=until,
        count=count,
    )


def normalise_rrule(rule: str, *, start_date: dt.date) -> str:
    """The rule as the form writes it (a weekly rule names its weekday), so equal rules compare equal."""
    try:
        recurrence = parse_rrule(rule)
    except ValueError:
        return (rule or "").strip()
    if recurrence.repeat == Repeat.WEEKLY and not recurrence.weekdays:
        recurrence = dataclasses.replace(recurrence, weekdays=(start_date.weekday(),))
    return recurrence.to_rrule()


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def describe(rule: str, *, start_date: dt.date | None = None) -> str:
    """The rule in plain English: "Every 2 weeks on Tuesday, until 30 June 2027"."""
    try:
        recurrence = parse_rrule(rule)
    except ValueError:
        return f"Repeats ({rule})"
    if recurrence.repeat == Repeat.NONE:
        return f"Once, on {date_format(start_date, 'l j F Y')}" if start_date else "Once"
    n = recurrence.interval
    if recurrence.repeat == Repeat.WEEKLY:
        days = recurrence.weekdays or ((start_date.weekday(),) if start_date else ())
        text = "Every week" if n == 1 else f"Every {n} weeks"
        if days:
            text += " on " + _and([WEEKDAY_NAMES[d] for d in days])
    else:
        text = "Every month" if n == 1 else f"Every {n} months"
        text += f" on the {ORDINALS[recurrence.nth]} {WEEKDAY_NAMES[recurrence.weekday]}"
    if recurrence.ends == Ends.ON:
        text += f", until {date_format(recurrence.until, 'j F Y')}"
    elif recurrence.ends == Ends.AFTER:
        text += ", once" if recurrence.count == 1 else f", {recurrence.count} times"
    return text


def describe_series(series: MeetingSeries) -> str:
    """The schedule with its local time: "Every week on Tuesday, 09:30–10:30 Europe/Amsterdam"."""
    start = dt.datetime.combine(series.start_date, series.start_time)
    end = start + dt.timedelta(minutes=series.duration_minutes)
    return (
        f"{describe(series.rrule, start_date=series.start_date)}, "
        f"{start:%H:%M}–{end:%H:%M} {series.time_zone.replace('_', ' ')} time"
    )


# Evaluating ------------------------------------------------------------------


def to_utc(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A naive local time in `zone` as UTC, with the RFC 5545 reading of gaps and repeats (fold=0)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def local_start(series: MeetingSeries) -> dt.datetime:
    return dt.datetime.combine(series.start_date, series.start_time)


def _rule(series_rrule: str, dtstart: dt.datetime):
    return rrulestr(series_rrule, dtstart=dtstart, cache=False)


def starts_between(
    series: MeetingSeries, after: dt.datetime, before: dt.datetime
) -> list[dt.datetime]:
    """The UTC starts the series' rule gives in [after, before] (both aware)."""
    zone = series.zone
    dtstart = local_start(series)
    if not series.rrule:
        candidates = [dtstart]
    else:
        # A day's margin each side in local time; the exact bounds are applied in UTC below.
        lo = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
        hi = before.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
        candidates = _rule(series.rrule, dtstart).between(lo, hi, inc=True)
    return [start for start in (to_utc(c, zone) for c in candidates) if after <= start <= before]


def first_start_after(
    *, rrule: str, time_zone: str, start_date: dt.date, start_time: dt.time, after: dt.datetime
) -> dt.datetime | None:
    """The first UTC start later than `after`, or None when the rule has ended (or ends too soon)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    dtstart = dt.datetime.combine(start_date, start_time)
    if not rrule:
        start = to_utc(dtstart, zone)
        return start if start > after else None
    rule = _rule(rrule, dtstart)
    local_after = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
    limit = max(local_after, dtstart) + dt.timedelta(days=FIRST_MEETING_HORIZON_DAYS)
    for candidate in rule.xafter(local_after, inc=True):
        if candidate > limit:
            return None
        start = to_utc(candidate, zone)
        if start > after:
            return start
    return None


def validate_rule(rrule: str, *, start_date: dt.date) -> None:
    """`ValidationError` unless the rule is one we write (and dateutil reads)."""
    try:
        parse_rrule(rrule)
        if rrule:
            _rule(rrule, dt.datetime.combine(start_date, dt.time()))
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            "We cannot read this repeat rule; choose the repeat again on the form.", code="rrule"
        ) from exc


def window_end(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.MEETINGS_WINDOW_DAYS)


# The rolling window ------------------------------------------------------------


def _taken_dates(
    series_list: Sequence[MeetingSeries], *, since: dt.datetime, until: dt.datetime
) -> dict:
    """Per series, the local dates that already have a meeting: by original start, or re-timed onto it."""
    zones = {s.pk: s.zone for s in series_list}
    margin = dt.timedelta(days=2)
    rows = Occurrence.objects.filter(series__in=[s.pk for s in series_list]).filter(
        Q(original_start__range=(since - margin, until + margin))
        | Q(starts_at__range=(since - margin, until + margin), status=OccurrenceStatus.SCHEDULED)
    )
    taken = defaultdict(set)
    for series_id, original, starts, status in rows.values_list(
        "series_id", "original_start", "starts_at", "status"
    ):
        zone = zones[series_id]
        taken[series_id].add(original.astimezone(zone).date())
        if status == OccurrenceStatus.SCHEDULED:
            taken[series_id].add(starts.astimezone(zone).date())
    return taken


def _extend(series_list: Sequence[MeetingSeries], *, now: dt.datetime) -> int:
    """Create the missing occurrences of these series in the window, in a fixed number of queries."""
    series_list = [s for s in series_list if s.is_active]
    if not series_list:
        return 0
    horizon = window_end(now)
    longest = max(s.duration_minutes for s in series_list)
    taken = _taken_dates(series_list, since=now - dt.timedelta(minutes=longest), until=horizon)
    new = []
    for series in series_list:
        duration = dt.timedelta(minutes=series.duration_minutes)
        zone = series.zone
        seen = taken[series.pk]
        # A meeting under way (ends after now) still belongs in the window; one that is over does not.
        for start in starts_between(series, now - duration + dt.timedelta(microseconds=1), horizon):
            day = start.astimezone(zone).date()
            if day in seen:
                continue
            seen.add(day)
            new.append(
                Occurrence(
                    series=series,
                    community_id=series.community_id,
                    original_start=start,
                    starts_at=start,
                    ends_at=start + duration,
                    created_at=now,
                    updated_at=now,
                )
            )
    # ignore_conflicts: a concurrent run that created the same (series, original_start) first wins.
    Occurrence.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    MeetingSeries.objects.filter(pk__in=[s.pk for s in series_list]).update(generated_until=horizon)
    for series in series_list:
        series.generated_until = horizon
    return len(new)


def extend_series(series: MeetingSeries, *, now: dt.datetime | None = None) -> int:
    """Create the series' missing occurrences from now to now + MEETINGS_WINDOW_DAYS; how many it made.

    Idempotent: running it again makes none. Never recreates a meeting that was
    cancelled or moved (its local date is taken). Call it inside the transaction
    that changed the series, which holds the series row locked.
    """
    return _extend([series], now=now or timezone.now())


def extend_all(*, now: dt.datetime | None = None, batch_size: int = 200) -> int:
    """Extend every active series of the live, unarchived communities; how many occurrences it made.

    Batches of series, a fixed number of queries each. Each batch locks its series
    rows, skipping those locked by an edit in progress (`series_update` extends
    the series itself), so a stale rule never adds meetings after an edit.
    """
    now = now or timezone.now()
    horizon = window_end(now)
    due = (
        MeetingSeries.objects.active()
        .filter(community__status=CommunityStatus.ACTIVE, community__is_archived=False)
        .filter(Q(generated_until__isnull=True) | Q(generated_until__lt=horizon))
        .order_by("pk")
    )
    created, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                due.filter(pk__gt=last_pk).select_for_update(skip_locked=True, of=("self",))[
                    :batch_size
                ]
            )
            if not batch:
                return created
            created += _extend(batch, now=now)
        last_pk = batch[-1].pk
