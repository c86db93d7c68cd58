"""Form widgets and fields every app shares: dates and times that survive a round trip.

An `<input type="date">` only accepts `YYYY-MM-DD` (and `type="time"` `HH:MM`,
`type="datetime-local"` `YYYY-MM-DDTHH:MM`). Django's own DateInput renders the
locale's first input format instead (`02/05/2027` in en-gb), which the browser
throws away, so the next save stores no date. These widgets always render the
ISO form, whatever the locale.

Years are bounded too: a date in year 1 or 9999 is a typo, and the meeting
arithmetic (adding a day, converting zones) overflows at those edges.
"""

import datetime as dt

from django import forms
from django.utils import timezone

# How far from today a date people type may lie, in years.
YEARS_AROUND_TODAY = 50


class _IsoMixin:
    iso_format: str

    def __init__(self, attrs=None):
        super().__init__(attrs={"type": self.input_type, **(attrs or {})}, format=self.iso_format)

    def format_value(self, value):
        # A bound form shows back what came in; the browser sends ISO, so keep it as it is.
        if isinstance(value, str) or value is None:
            return value or None
        return value.strftime(self.iso_format)


class IsoDateInput(_IsoMixin, forms.DateInput):
    input_type = "date"
    iso_format = "%Y-%m-%d"


class IsoTimeInput(_IsoMixin, forms.TimeInput):
    input_type = "time"
    iso_format = "%H:%M"


class IsoDateTimeInput(_IsoMixin, forms.DateTimeInput):
    input_type = "datetime-local"
    iso_format = "%Y-%m-%dT%H:%M"


def sane_year_range(today: dt.date | None = None) -> tuple[int, int]:
    year = (today or timezone.localdate()).year
    return year - YEARS_AROUND_TODAY, year + YEARS_AROUND_TODAY


class SaneDateInput(IsoDateInput):
    """An ISO date picker that offers only the years `SaneDateField` accepts."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        first, last = sane_year_range()
        # Worked out per render, not at import, so a long-running server follows the calendar.
        context["widget"]["attrs"].setdefault("min", f"{first}-01-01")
        context["widget"]["attrs"].setdefault("max", f"{last}-12-31")
        return context


class SaneDateField(forms.DateField):
    """A date field on an ISO date picker that refuses years far from today, with a clear message."""

    widget = SaneDateInput

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        first, last = sane_year_range()
        if not first <= value.year <= last:
            raise forms.ValidationError(
                f"Pick a date between the years {first} and {last}.", code="year_out_of_range"
            )


def too_long_message(limit: int) -> dict:
    """`error_messages` for a text field's length limit, worded for the person typing."""
    return {"max_length": f"Keep this to {limit:,} characters or fewer; it has %(show_value)d now."}


class Textarea(forms.Textarea):
    """A textarea whose line breaks are stored as `\\n`.

    Browsers send a textarea's line breaks as CRLF (HTML's form encoding), while
    everything the platform writes itself uses LF; without this, opening a text
    and saving it untouched would change every line of it.
    """

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, str):
            return value.replace("\r\n", "\n").replace("\r", "\n")
        return value
