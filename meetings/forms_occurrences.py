"""Forms for one meeting: RSVP, move, cancel, agenda, notes and attendance.

Times in the move form are the series' local time (its time zone is named on
the form), as the meeting is planned there; a local time that does not exist
(skipped by a daylight-saving change) is refused rather than guessed.
"""

import datetime as dt
import re
import zoneinfo

from django import forms
from django.utils import timezone

from core.forms import IsoDateInput, IsoTimeInput, Textarea
from discussions.models import HelpRequest

from .models import Occurrence, RsvpResponse
from .services.occurrences import (
    AGENDA_MAX,
    MAX_MINUTES,
    MIN_MINUTES,
    MOVE_HORIZON_DAYS,
    NOTES_MAX,
    REASON_MAX,
    ROOM_MAX,
    URL_MAX,
)

MARKDOWN_HELP = "Markdown works: **bold**, - for lists, [text](link) for links."
# How many of the community's recent help requests the notes form offers as checkboxes.
RECENT_THREADS = 30
MAX_ID = 2**63 - 1


class RsvpForm(forms.Form):
    response = forms.ChoiceField(choices=RsvpResponse.choices)


def local_parts(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> tuple[dt.date, dt.time]:
    local = moment.astimezone(zone)
    return local.date(), local.time().replace(second=0, microsecond=0)


def aware_in(zone: zoneinfo.ZoneInfo, day: dt.date, time: dt.time) -> dt.datetime | None:
    """The moment a local date and time name in `zone`; None if the clocks skip it (DST gap)."""
    local = dt.datetime.combine(day, time).replace(tzinfo=zone)
    # A skipped local time does not survive the round trip through UTC.
    round_trip = local.astimezone(dt.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local


class MoveForm(forms.Form):
    # Not a SaneDateField: the move has its own, narrower range (today to five years ahead).
    date = forms.DateField(widget=IsoDateInput())
    time = forms.TimeField(label="Start time", widget=IsoTimeInput())
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=MIN_MINUTES, max_value=MAX_MINUTES
    )
    room = forms.CharField(max_length=ROOM_MAX, required=False)
    online_url = forms.URLField(
        label="Online meeting link", max_length=URL_MAX, required=False, assume_scheme="https"
    )
    reason = forms.CharField(
        max_length=REASON_MAX,
        required=False,
        widget=Textarea(attrs={"rows": 2}),
        help_text="Optional; sent to everyone who answered going or maybe.",
    )

    def __init__(self, *args, occurrence: Occurrence, **kwargs):
        self.occurrence = occurrence
        series = occurrence.series
        self.zone = series.zone
        day, time = local_parts(occurrence.starts_at, self.zone)
        kwargs.setdefault(
            "initial",
            {
                "date": day,
                "time": time,
                "duration_minutes": int(
                    (occurrence.ends_at - occurrence.starts_at).total_seconds() // 60
                ),
                "room": occurrence.room,
                "online_url": occurrence.online_url,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["date"].help_text = f"In {series.time_zone}, the series' time zone."
        self.fields["room"].help_text = (
            f"Leave empty for the series' room ({series.room})."
            if series.room
            else "Leave empty for none."
        )
        self.fields["online_url"].help_text = (
            f"Leave empty for the series' link ({series.online_url})."
            if series.online_url
            else "Leave empty for none."
        )

    def clean(self):
        data = super().clean()
        if data.get("date"):
            today = timezone.now().astimezone(self.zone).date()
            if not today <= data["date"] <= today + dt.timedelta(days=MOVE_HORIZON_DAYS):
                self.add_error("date", "Pick a date from today to five years ahead.")
                return data
        if data.get("date") and data.get("time") is not None:
            starts_at = aware_in(self.zone, data["date"], data["time"])
            if starts_at is None:
                self.add_error(
                    "time",
                    f"{data['time']:%H:%M} does not exist on {data['date']:%d %B %Y} in "
                    f"{self.occurrence.series.time_zone}: the clocks go forward. Pick another time.",
                )
            data["starts_at"] = starts_at
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX,
        widget=Textarea(attrs={"rows": 3}),
        help_text="Sent to everyone who answered going or maybe, and shown on the meeting's page.",
    )


class AgendaForm(forms.Form):
    agenda = forms.CharField(
        max_length=AGENDA_MAX,
        required=False,
        widget=Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
    )


class AddRequestForm(forms.Form):
    help_request = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Notes and minutes",
        max_length=NOTES_MAX,
        required=False,
        widget=Textarea(attrs={"rows": 14}),
        help_text=MARKDOWN_HELP,
    )
    threads = forms.ModelMultipleChoiceField(
        label="Help requests discussed",
        queryset=HelpRequest.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The ones on the agenda and the community's most recently active.",
    )
    more_threads = forms.CharField(
        label="Link more help requests",
        required=False,
        max_length=1000,
        help_text="Paste their links or numbers, separated by spaces or commas.",
    )

    def __init__(self, *args, occurrence: Occurrence, **kwargs):
        self.occurrence = occurrence
        linked = list(occurrence.threads.values_list("pk", flat=True))
        recent = list(
            HelpRequest.objects.visible()
            .filter(community=occurrence.community_id)
            .exclude(pk__in=linked)
            .order_by("-last_activity_at", "-pk")
            .values_list("pk", flat=True)[:RECENT_THREADS]
        )
        kwargs.setdefault("initial", {"notes": occurrence.notes, "threads": linked})
        super().__init__(*args, **kwargs)
        self.fields["threads"].queryset = (
            HelpRequest.objects.visible()
            .filter(pk__in=linked + recent, community=occurrence.community_id)
            .order_by("-last_activity_at", "-pk")
        )

    def clean_more_threads(self) -> set[int]:
        text = self.cleaned_data.get("more_threads", "")
        ids = set()
        for part in re.split(r"[\s,]+", text.strip()):
            if not part:
                continue
            match = re.search(r"/help/(\d+)", part) or re.fullmatch(r"#?(\d+)", part)
            if match is None:
                raise forms.ValidationError(f"“{part}” is not a help request's link or number.")
            ids.add(int(match.group(1)))
        # A number past the largest id matches nothing (and would overflow the query).
        found = set(
            HelpRequest.objects.visible()
            .filter(
                pk__in={pk for pk in ids if pk <= MAX_ID},
                community=self.occurrence.community_id,
            )
            .values_list("pk", flat=True)
        )
        missing = sorted(ids - found)
        if missing:
            raise forms.ValidationError(
                "Not help requests of this community: "
                + ", ".join(f"#{pk}" for pk in missing)
                + "."
            )
        return ids

    @property
    def thread_ids(self) -> set[int]:
        return {t.pk for t in self.cleaned_data.get("threads", ())} | self.cleaned_data.get(
            "more_threads", set()
        )


class AttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label="Who came", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, rsvps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (
                str(r.user_id),
                f"{r.user.name} ({r.get_response_display().lower()}"
                f"{', waiting list' if r.waitlisted else ''})",
            )
            for r in rsvps
        ]
        if "initial" not in kwargs:
            recorded = any(r.attended is not None for r in rsvps)
            self.initial["attended"] = [
                str(r.user_id) for r in rsvps if (r.attended if recorded else r.is_confirmed_going)
            ]
