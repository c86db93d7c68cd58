"""iCalendar (RFC 5545) for meetings: one file per meeting and feeds of many.

Every occurrence is its own, non-recurring VEVENT with a UID of its own that
never changes, so calendars update a moved or cancelled meeting in place
(SEQUENCE rises with each change) instead of adding a second one. There is no
master VEVENT with an RRULE (the rolling window has no end to publish), so the
occurrences must not share the series' UID with a RECURRENCE-ID each: RFC 5545
reads one UID as one recurring event, and clients that import a second meeting's
file with the same UID replace the first meeting with it. Times are written in
the series' time zone, with its VTIMEZONE, so they survive daylight-saving
changes in every client.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from .models import Occurrence

PRODID = "-//Practica//Meetings//EN"


def occurrence_uid(occurrence: Occurrence) -> str:
    return f"meeting-{occurrence.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}"


def _event(occurrence: Occurrence, *, method_cancel: bool = False) -> Event:
    series = occurrence.series
    zone = series.zone
    event = Event()
    event.add("uid", occurrence_uid(occurrence))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", occurrence.starts_at.astimezone(zone))
    event.add("dtend", occurrence.ends_at.astimezone(zone))
    event.add("sequence", occurrence.sequence)
    event.add("summary", f"{series.title} ({occurrence.community.name})")
    where = ", ".join(
        part for part in (occurrence.where_room, series.address, occurrence.where_online) if part
    )
    if where:
        event.add("location", where)
    url = f"{settings.SITE_URL}{occurrence.get_absolute_url()}"
    event.add("url", url)
    description = series.description.strip()
    # The organiser by name only: the platform shows nobody's email address, nor do its feeds.
    if series.organiser_id:
        description = f"{description}\n\nOrganiser: {series.organiser.name}".strip()
    event.add("description", f"{description}\n\n{url}".strip())
    if occurrence.is_cancelled or method_cancel:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_for(occurrences: Iterable[Occurrence], *, name: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per occurrence (needs series, series.organiser and community loaded)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        # An X- property is not known to be TEXT: without vText a comma is left unescaped
        # and a new line in a title makes the library refuse to write the calendar at all.
        calendar.add("x-wr-calname", vText(name))
    for occurrence in occurrences:
        calendar.add_component(_event(occurrence))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def occurrence_ics(occurrence: Occurrence) -> bytes:
    """The `.ics` file for one meeting (download and email attachment)."""
    return calendar_for([occurrence], name=occurrence.series.title)
