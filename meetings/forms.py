"""Forms for meeting series and a community's reminder settings.

The series form turns its repeat choices into an RFC 5545 rule
(`recurrence.build_rrule`) and back (`SeriesForm.initial_for`). Times are the
series' local wall-clock time in its own time zone. The forms for one meeting
are in `forms_occurrences.py`.
"""

import datetime as dt

from django import forms

from accounts.models import time_zone_choices
from core.forms import IsoTimeInput, SaneDateField, Textarea

from .models import MeetingSeries
from .services import recurrence
from .services.recurrence import Ends, Repeat
from .services.series import (
    ADDRESS_MAX,
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    DURATION_MAX,
    DURATION_MIN,
    REMINDER_MAX,
    REMINDER_MIN,
    REMINDERS_MAX,
    ROOM_MAX,
    TITLE_MAX,
    URL_MAX,
    minutes_label,
)

MARKDOWN_HELP = "Markdown works: **bold**, - for lists, [text](link) for links."
WEEKDAY_CHOICES = [(str(n), name) for n, name in enumerate(recurrence.WEEKDAY_NAMES)]
NTH_CHOICES = [(str(n), label.capitalize()) for n, label in recurrence.ORDINALS.items()]


class SeriesForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX, help_text="For example “Practice hour” or “Quarterly show and tell”."
    )
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=Textarea(attrs={"rows": 5}),
        help_text=f"What happens at the meeting and who it is for. {MARKDOWN_HELP}",
    )
    room = forms.CharField(
        required=False, max_length=ROOM_MAX, help_text="The room you meet in, e.g. “Room 4.12”."
    )
    address = forms.CharField(label="Building and address", required=False, max_length=ADDRESS_MAX)
    online_url = forms.URLField(
        label="Online meeting link",
        required=False,
        max_length=URL_MAX,
        assume_scheme="https",
        help_text="A video-call link. Give a room, a link, or both.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="The meeting keeps its local time in this zone when clocks change.",
    )
    start_date = SaneDateField(label="Date of the first meeting")
    start_time = forms.TimeField(label="Start time", widget=IsoTimeInput())
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=DURATION_MIN, max_value=DURATION_MAX, initial=60
    )
    repeat = forms.ChoiceField(
        label="Repeats", choices=Repeat.choices, initial=Repeat.WEEKLY, widget=forms.RadioSelect
    )
    interval = forms.IntegerField(
        label="Every how many weeks (or months)",
        min_value=1,
        max_value=recurrence.MAX_WEEKLY_INTERVAL,
        initial=1,
        required=False,
        help_text="1 for every week (or month), 2 for every other one, and so on.",
    )
    weekdays = forms.MultipleChoiceField(
        label="On (weekly)",
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the days you meet. Leave them all empty to meet on the weekday of the "
        "first meeting.",
    )
    nth = forms.ChoiceField(label="On the (monthly)", choices=NTH_CHOICES, required=False)
    month_weekday = forms.ChoiceField(
        label="Weekday (monthly)", choices=WEEKDAY_CHOICES, required=False
    )
    ends = forms.ChoiceField(
        label="Ends", choices=Ends.choices, initial=Ends.NEVER, widget=forms.RadioSelect
    )
    until = SaneDateField(label="Date of the last meeting", required=False)
    count = forms.IntegerField(
        label="Number of meetings", required=False, min_value=1, max_value=recurrence.MAX_COUNT
    )
    capacity = forms.IntegerField(
        label="Places",
        required=False,
        min_value=1,
        max_value=CAPACITY_MAX,
        help_text="Leave empty for no limit. Past the limit, people join a waiting list.",
    )

    # The groups the template lays out as fieldsets.
    WHAT = ("title", "description")
    WHERE = ("room", "address", "online_url")
    WHEN = ("time_zone", "start_date", "start_time", "duration_minutes")
    REPEAT = ("repeat", "interval", "weekdays", "nth", "month_weekday", "ends", "until", "count")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()

    @classmethod
    def initial_for(cls, series: MeetingSeries) -> dict:
        """The form's values for an existing series (its rule read back into the choices)."""
        try:
            rule = recurrence.parse_rrule(series.rrule)
        except ValueError:
            rule = recurrence.Recurrence(repeat=Repeat.WEEKLY)
        return {
            "title": series.title,
            "description": series.description,
            "room": series.room,
            "address": series.address,
            "online_url": series.online_url,
            "time_zone": series.time_zone,
            "start_date": series.start_date,
            "start_time": series.start_time,
            "duration_minutes": series.duration_minutes,
            "repeat": rule.repeat,
            "interval": rule.interval,
            # A weekly rule naming no day meets on the first meeting's: show that day ticked.
            "weekdays": [
                str(d)
                for d in rule.weekdays
                or ((series.start_date.weekday(),) if rule.repeat == Repeat.WEEKLY else ())
            ],
            "nth": str(rule.nth),
            "month_weekday": str(
                rule.weekday
                if rule.repeat == Repeat.MONTHLY
                else series.start_date.weekday()
            ),
            "ends": rule.ends,
            "until": rule.until,
            "count": rule.count,
            "capacity": series.capacity,
        }

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("room") or cleaned.get("online_url")) and not (
            self.has_error("room") or self.has_error("online_url")
        ):
            self.add_error("room", "Say where you meet: a room, an online link, or both.")
        repeat = cleaned.get("repeat")
        start_date = cleaned.get("start_date")
        if repeat is None or start_date is None:
            return cleaned
        ends = cleaned.get("ends") or Ends.NEVER
        interval = cleaned.get("interval") or 1
        if repeat == Repeat.MONTHLY and interval > recurrence.MAX_MONTHLY_INTERVAL:
            self.add_error("interval", f"Repeat every 1 to {recurrence.MAX_MONTHLY_INTERVAL} months.")
            return cleaned
        if repeat != Repeat.NONE:
            if ends == Ends.ON:
                until = cleaned.get("until")
                if until is None:
                    if not self.has_error("until"):
                        self.add_error("until", "Give the date of the last meeting.")
                    return cleaned
                if until < start_date:
                    self.add_error("until", "The last meeting cannot be before the first one.")
                    return cleaned
            if ends == Ends.AFTER and not cleaned.get("count"):
                if not self.has_error("count"):
                    self.add_error("count", "Give the number of meetings.")
                return cleaned
        weekdays = [int(d) for d in cleaned.get("weekdays") or []]
        month_weekday = cleaned.get("month_weekday")
        try:
            cleaned["rrule"] = recurrence.build_rrule(
                repeat=repeat,
                interval=interval,
                weekdays=weekdays or [start_date.weekday()],
                nth=int(cleaned.get("nth") or 1),
                weekday=int(month_weekday)
                if month_weekday not in (None, "")
                else start_date.weekday(),
                ends=ends,
                until=cleaned.get("until"),
                count=cleaned.get("count"),
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def service_kwargs(self) -> dict:
        """What `series_create` / `series_update` take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "room": data["room"],
            "address": data["address"],
            "online_url": data["online_url"],
            "time_zone": data["time_zone"],
            "start_date": data["start_date"],
            "start_time": data["start_time"],
            "duration_minutes": data["duration_minutes"],
            "rrule": data["rrule"],
            "capacity": data["capacity"],
        }


REMINDER_PRESETS = (10, 30, 60, 2 * 60, 24 * 60, 2 * 24 * 60, 7 * 24 * 60)


class ReminderSettingsForm(forms.Form):
    minutes = forms.MultipleChoiceField(
        label="Send reminders",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose up to {REMINDERS_MAX}; none for no reminders.",
    )
    other = forms.IntegerField(
        label="Another time, in minutes before the meeting",
        required=False,
        min_value=REMINDER_MIN,
        max_value=REMINDER_MAX,
        help_text=f"{REMINDER_MIN} to {REMINDER_MAX:,} minutes (a week).",
    )

    def __init__(self, *args, current: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        values = sorted({*REMINDER_PRESETS, *current}, reverse=True)
        self.fields["minutes"].choices = [(str(m), f"{minutes_label(m)} before") for m in values]
        if not self.is_bound:
            self.initial.setdefault("minutes", [str(m) for m in current])

    def clean(self):
        cleaned = super().clean()
        chosen = {int(m) for m in cleaned.get("minutes") or []}
        if cleaned.get("other"):
            chosen.add(cleaned["other"])
        if len(chosen) > REMINDERS_MAX:
            raise forms.ValidationError(f"Choose at most {REMINDERS_MAX} reminders.")
        cleaned["chosen"] = sorted(chosen, reverse=True)
        return cleaned


def default_start(now: dt.datetime) -> tuple[dt.date, dt.time]:
    """A week from now at 10:00: a sensible first guess for a new series."""
    return (now + dt.timedelta(days=7)).date(), dt.time(10, 0)
