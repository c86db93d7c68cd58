"""The demo meetings: what the demo promises is there, consistent with what the services keep, seeded once."""

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from communities.models import AuditEvent
from discussions.models import RequestStatus
from meetings.models import MeetingSeries, Occurrence, ReminderDelivery, Rsvp, RsvpResponse
from meetings.services import recurrence
from meetings.services.calendars import calendar_token_reset
from notifications.models import DigestDelivery, Notification

MEMBER = "member@practica.demo"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back, so later tests start clean."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def series(title: str) -> MeetingSeries:
    return MeetingSeries.objects.select_related("community").get(title=title)


def next_of(title: str) -> Occurrence:
    return Occurrence.objects.filter(series__title=title).upcoming().first()


def counts() -> dict[str, int]:
    models = [
        MeetingSeries,
        Occurrence,
        Rsvp,
        ReminderDelivery,
        DigestDelivery,
        Notification,
        AuditEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_the_four_series_are_scheduled_as_promised(seeded):
    clinic = series("Python clinic")
    review = series("Data quality review")
    reading = series("Postmortem reading group")
    workshop = series("Plain language workshop")

    assert (clinic.community.slug, clinic.rrule, clinic.time_zone) == (
        "python-practitioners",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "Europe/London",
    )
    assert clinic.start_time == dt.time(12, 30) and clinic.capacity == 12
    assert clinic.room and clinic.online_url
    assert (review.community.slug, review.rrule, review.time_zone) == (
        "clinical-data-quality",
        "FREQ=MONTHLY;BYDAY=2TH",
        "Europe/Amsterdam",
    )
    assert review.start_time == dt.time(15, 0)
    assert review.online_url and not review.room
    assert reading.community.slug == "incident-response-postmortems"
    assert "INTERVAL=2" in reading.rrule and reading.capacity == 6
    assert workshop.community.slug == "plain-language-writing" and not workshop.is_recurring


def test_the_occurrences_fall_where_the_rules_say_in_local_time(seeded):
    for occurrence in Occurrence.objects.select_related("series"):
        local = occurrence.original_start.astimezone(occurrence.series.zone)
        assert local.time() == occurrence.series.start_time
    for occurrence in Occurrence.objects.filter(series__title="Python clinic"):
        assert occurrence.starts_at.astimezone(occurrence.series.zone).weekday() == 3
    for occurrence in Occurrence.objects.filter(series__title="Data quality review"):
        day = occurrence.starts_at.astimezone(occurrence.series.zone).date()
        assert day.weekday() == 3 and 8 <= day.day <= 14  # the second Thursday
    # Each series' start date is one its own rule gives.
    for s in MeetingSeries.objects.exclude(rrule=""):
        first = recurrence.local_start(s)
        assert recurrence.starts_between(
            s, recurrence.to_utc(first, s.zone), recurrence.to_utc(first, s.zone)
        )


def test_the_demo_member_is_going_to_the_next_python_clinic(seeded):
    upcoming = next_of("Python clinic")

    rsvp = Rsvp.objects.get(occurrence=upcoming, user__email=MEMBER)

    assert rsvp.is_confirmed_going
    assert upcoming.starts_at > timezone.now()


def test_the_next_postmortem_reading_group_is_full_with_two_waiting(seeded):
    upcoming = next_of("Postmortem reading group")

    going = Rsvp.objects.filter(occurrence=upcoming, response=RsvpResponse.GOING)

    assert upcoming.going_count == going.filter(waitlisted=False).count() == 6
    assert upcoming.waitlist_count == going.filter(waitlisted=True).count() == 2
    waiting = list(going.filter(waitlisted=True).order_by("responded_at"))
    confirmed_last = going.filter(waitlisted=False).order_by("responded_at").last()
    assert all(w.responded_at > confirmed_last.responded_at for w in waiting)


def test_every_occurrences_counters_agree_with_its_rsvps(seeded):
    for occurrence in Occurrence.objects.all():
        rsvps = Rsvp.objects.filter(occurrence=occurrence)
        assert occurrence.going_count == rsvps.filter(response="going", waitlisted=False).count()
        assert occurrence.maybe_count == rsvps.filter(response="maybe").count()
        assert occurrence.waitlist_count == rsvps.filter(response="going", waitlisted=True).count()
        if occurrence.capacity is not None:
            assert occurrence.going_count <= occurrence.capacity


def test_the_next_clinics_agenda_links_an_open_help_request(seeded):
    upcoming = next_of("Python clinic")

    [request] = upcoming.threads.all()

    assert request.community_id == upcoming.community_id
    assert request.status in (RequestStatus.OPEN, RequestStatus.ANSWERED)
    assert reverse("discussions:thread", args=[request.community.slug, request.pk]) in (
        upcoming.agenda_html
    )


def test_the_last_clinics_have_attendance_and_the_latest_its_notes_and_sent_reminders(seeded):
    now = timezone.now()
    past = list(Occurrence.objects.filter(series__title="Python clinic", ends_at__lt=now))

    assert len(past) == 2
    for occurrence in past:
        assert occurrence.rsvps.filter(attended=True).count() == 5
        assert occurrence.rsvps.filter(user__email=MEMBER, attended=True).exists()
    latest = past[-1]
    assert "<strong>Present:</strong>" in latest.notes_html
    assert latest.threads.count() == 2
    reminders = ReminderDelivery.objects.filter(occurrence=latest)
    assert reminders.filter(user__email=MEMBER).count() == 2
    for reminder in reminders:
        assert reminder.sent_at is not None
        assert reminder.sent_at < latest.starts_at
        assert reminder.sent_at >= latest.starts_at - dt.timedelta(minutes=reminder.minutes_before)


def test_the_member_had_two_weekly_digests_on_the_mondays_before_this_week(seeded):
    digests = list(DigestDelivery.objects.filter(user__email=MEMBER).order_by("period_start"))

    assert [d.frequency for d in digests] == ["weekly", "weekly"]
    assert all(d.period_start.weekday() == 0 and d.sent_at and d.item_count for d in digests)
    assert digests[1].period_start - digests[0].period_start == dt.timedelta(weeks=1)
    assert digests[1].covers_from == digests[0].covers_to
    # This week's digest is left for the running platform to send.
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(digests[0].user.timezone)).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    assert digests[1].period_start < this_monday


def test_the_members_personal_feed_has_the_next_clinic(seeded, client):
    member = User.objects.get(email=MEMBER)
    calendar_token_reset(user=member)

    response = client.get(reverse("meetings:personal_feed", args=[member.calendar_token]))

    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert "Python clinic (Python Practitioners)" in summaries
    assert "Data quality review (Clinical Data Quality)" in summaries
    assert not any("Postmortem" in s for s in summaries)


def test_seeding_again_changes_nothing(seeded):
    before = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == before


def test_the_running_demo_sends_tom_a_reminder_as_soon_as_beat_sweeps(seeded, mailoutbox):
    """The packaging drop-in starts within a day of seeding: the first sweep reminds Tom of it."""
    from meetings.reminders import deliver
    from meetings.tasks import sweep

    drop_in = next_of("Packaging drop-in")
    assert dt.timedelta(hours=22) < drop_in.starts_at - timezone.now() < dt.timedelta(hours=24)
    assert drop_in.rsvps.get(user__email=MEMBER).response == RsvpResponse.GOING

    sweep()
    for pk in ReminderDelivery.objects.filter(
        occurrence=drop_in, user__email=MEMBER, sent_at__isnull=True
    ).values_list("pk", flat=True):
        deliver(pk)

    reminders = [m for m in mailoutbox if m.to == [MEMBER] and "Packaging drop-in" in m.subject]
    assert len(reminders) == 1
    assert reminders[0].attachments[0][0].endswith(".ics")
