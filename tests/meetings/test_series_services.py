"""Scheduling, changing and ending a series; reminder settings."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.kinds import AuditAction as CommunityAction
from communities.models import AuditEvent
from meetings.kinds import AuditAction as MeetingAction
from meetings.kinds import Kind
from meetings.models import MeetingSeries, Occurrence, OccurrenceStatus, RsvpResponse
from meetings.services import recurrence
from meetings.services.rsvp import rsvp_set
from meetings.services.series import (
    reminder_settings_update,
    series_create,
    series_end,
    series_update,
)
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, RsvpFactory

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=UTC)  # a Thursday
THURSDAY = dt.date(2026, 1, 8)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create(community, by, **overrides):
    fields = {
        "community": community,
        "by": by,
        "title": "Practice hour",
        "description": "Bring a **problem**.",
        "room": "Room 4.12",
        "address": "North building",
        "online_url": "https://meet.example.org/practice",
        "time_zone": "Europe/Amsterdam",
        "start_date": THURSDAY,
        "start_time": dt.time(9, 30),
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;BYDAY=TH",
        "capacity": None,
    }
    fields.update(overrides)
    return series_create(**fields)


def local(occurrence, series=None):
    return occurrence.starts_at.astimezone((series or occurrence.series).zone)


# Scheduling ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["core", "moderator", "site_admin"])
def test_managers_schedule_a_series_and_its_meetings_appear(request, community, persona):
    by = request.getfixturevalue(persona)

    series = create(community, by)

    assert series.organiser == by
    assert series.description_html == "<p>Bring a <strong>problem</strong>.</p>\n"
    assert series.occurrences.count() == 17  # Thursdays 8 January to 30 April
    assert {local(o).time() for o in series.occurrences.all()} == {dt.time(9, 30)}
    event = AuditEvent.objects.get(community=community, action=MeetingAction.MEETING_SCHEDULED)
    assert event.actor == by
    assert event.detail["title"] == "Practice hour"


@pytest.mark.parametrize("persona", ["outsider", "member", "sponsor"])
def test_others_cannot_schedule(request, community, persona):
    with pytest.raises(ValidationError) as error:
        create(community, request.getfixturevalue(persona))

    assert error.value.code == "forbidden"
    assert not MeetingSeries.objects.exists()


def test_nobody_schedules_in_an_archived_community(community, moderator):
    community.is_archived = True
    community.save()

    with pytest.raises(ValidationError) as error:
        create(community, moderator)

    assert error.value.code == "archived"


def test_members_hear_of_a_new_series_in_the_app_only(
    community, moderator, member, core, outsider, django_capture_on_commit_callbacks
):
    left = UserFactory()
    MembershipFactory(community=community, user=left, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        series = create(community, moderator)

    told = Notification.objects.filter(kind=Kind.MEETING_SCHEDULED)
    assert set(told.values_list("recipient", flat=True)) == {member.pk, core.pk}
    note = told.get(recipient=member)
    assert (
        note.message
        == "Max Moderator scheduled a new meeting series: “Practice hour”, first on 8 Jan 2026"
    )
    assert note.url == series.get_absolute_url()
    assert mail.outbox == []


def test_the_members_are_read_once_to_announce_a_series(community, moderator, member, core):
    with CaptureQueriesContext(connection) as captured:
        create(community, moderator)

    # The people told: active members but the organiser.
    member_reads = [
        q["sql"]
        for q in captured.captured_queries
        # (on PostgreSQL inside a DECLARE ... CURSOR FOR: the ids are read by a server-side cursor)
        if 'SELECT "communities_membership"."user_id" AS' in q["sql"]
        and 'NOT ("communities_membership"."user_id" =' in q["sql"]
    ]
    assert len(member_reads) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "  "}, "The title cannot be empty."),
        ({"title": "x" * 201}, "The title is too long (201 characters; at most 200)."),
        ({"time_zone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone we know."),
        ({"duration_minutes": 2}, "A meeting lasts 5 minutes to 24 hours."),
        ({"duration_minutes": 25 * 60}, "A meeting lasts 5 minutes to 24 hours."),
        ({"capacity": 0}, "The number of places is 1 to 10,000, or empty for no limit."),
        (
            {"rrule": "FREQ=SECONDLY"},
            "We cannot read this repeat rule; choose the repeat again on the form.",
        ),
        ({"room": "", "online_url": ""}, "Say where you meet: a room, an online link, or both."),
        (
            {"online_url": "javascript:alert(1)"},
            "The online link must be a web address (https://…).",
        ),
        (
            {"rrule": "FREQ=WEEKLY;BYDAY=TH;UNTIL=20260101T235959"},
            "The repeat ends before the first meeting.",
        ),
        (
            {"rrule": "", "start_date": dt.date(2025, 12, 31)},
            "This schedule has no meeting after now: check the start date and when the meetings end.",
        ),
        (
            {"rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=2", "start_date": dt.date(2025, 12, 1)},
            "This schedule has no meeting after now: check the start date and when the meetings end.",
        ),
        # The ends of the calendar: no overflow, a message.
        (
            {"start_date": dt.date(9999, 12, 31)},
            "The first meeting is at most five years ahead (5 January 2031).",
        ),
        (
            {"rrule": "", "start_date": dt.date(9999, 12, 31), "time_zone": "America/New_York"},
            "The first meeting is at most five years ahead (5 January 2031).",
        ),
        (
            {
                "rrule": "",
                "start_date": dt.date(1, 1, 1),
                "start_time": dt.time(0, 0),
                "time_zone": "Asia/Tokyo",
            },
            "The date of the first meeting is too far in the past.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_made(
    community, moderator, overrides, message
):
    with pytest.raises(ValidationError) as error:
        create(community, moderator, **overrides)

    assert error.value.messages == [message]
    assert not MeetingSeries.objects.exists()
    assert not Occurrence.objects.exists()


def test_a_one_off_meeting_makes_one_occurrence(community, moderator):
    series = create(community, moderator, rrule="", room="", start_time=dt.time(14))

    (occurrence,) = series.occurrences.all()
    assert occurrence.starts_at == dt.datetime(2026, 1, 8, 13, tzinfo=UTC)
    assert occurrence.community == community


def test_a_recurring_series_that_started_in_the_past_is_fine(community, moderator):
    series = create(community, moderator, start_date=dt.date(2025, 6, 5))

    assert series.occurrences.earliest("starts_at").starts_at.date() == THURSDAY


# Changing the series ---------------------------------------------------------------------


@pytest.fixture
def weekly(community, moderator):
    """A weekly Thursday 09:30 Amsterdam series with its meetings from 8 January."""
    return create(community, moderator)


def thursday(series, day: int) -> Occurrence:
    return series.occurrences.get(original_start__date=dt.date(2026, 1, day))


def test_changing_the_title_raises_the_sequence_of_future_meetings_only(weekly, moderator, frozen):
    frozen.move_to(dt.datetime(2026, 1, 9, tzinfo=UTC))  # 8 January's meeting is past

    series_update(series=weekly, by=moderator, title="Practice hour (new format)")

    assert thursday(weekly, 8).sequence == 0
    assert thursday(weekly, 15).sequence == 1
    assert weekly.occurrences.count() == 17
    event = AuditEvent.objects.get(action=MeetingAction.MEETING_EDITED)
    assert event.detail["fields"] == ["title"]


def test_a_new_time_regenerates_unanswered_meetings_and_retimes_answered_ones_in_place(
    weekly, moderator, member, django_capture_on_commit_callbacks
):
    answered = [thursday(weekly, 15), thursday(weekly, 22)]
    for occurrence in answered:
        RsvpFactory(occurrence=occurrence, user=member, response=RsvpResponse.GOING)
    not_going = UserFactory()
    MembershipFactory(community=weekly.community, user=not_going)
    RsvpFactory(occurrence=answered[0], user=not_going, response=RsvpResponse.NOT_GOING)
    unanswered_pk = thursday(weekly, 29).pk

    with django_capture_on_commit_callbacks(execute=True):
        series_update(series=weekly, by=moderator, start_time=dt.time(10, 0))

    assert weekly.occurrences.count() == 17
    assert {local(o).time() for o in weekly.occurrences.all()} == {dt.time(10, 0)}
    assert not Occurrence.objects.filter(pk=unanswered_pk).exists()
    for before in answered:
        after = Occurrence.objects.get(pk=before.pk)
        assert local(after).time() == dt.time(10, 0)
        assert after.original_start == before.original_start  # its RECURRENCE-ID stays
        assert after.sequence == 1
        # No twin on that day.
        day = local(after).date()
        assert sum(local(o).date() == day for o in weekly.occurrences.all()) == 1
    # One notice to the person who answered, however many of their meetings moved.
    (notice,) = Notification.objects.filter(kind=Kind.MEETING_MOVED)
    assert notice.recipient == member
    assert notice.message.startswith(
        "“Practice hour” has new times for 2 meetings you answered; the next is Thu 15 Jan 2026"
    )
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_another_weekday_cancels_answered_meetings_and_tells_who_answered(
    weekly, moderator, member, core
):
    member.timezone = "Europe/Amsterdam"
    member.save()
    RsvpFactory(occurrence=thursday(weekly, 15), user=member, response=RsvpResponse.MAYBE)

    series_update(
        series=weekly, by=moderator, rrule="FREQ=WEEKLY;BYDAY=FR", start_date=dt.date(2026, 1, 9)
    )

    kept = thursday(weekly, 15)
    assert kept.status == OccurrenceStatus.CANCELLED
    assert kept.cancel_reason == "The series' schedule changed."
    assert kept.sequence == 1
    scheduled = weekly.occurrences.filter(status=OccurrenceStatus.SCHEDULED)
    assert {local(o).weekday() for o in scheduled} == {4}
    assert scheduled.count() == 17  # Fridays 9 January to 1 May
    (notice,) = Notification.objects.filter(kind=Kind.MEETING_CANCELLED)
    assert notice.recipient == member
    assert notice.message == (
        "“Practice hour” on Thu 15 Jan 2026, 09:30 CET is cancelled. The series' schedule changed."
    )


def test_meetings_moved_or_cancelled_one_by_one_keep_what_was_decided(weekly, moderator):
    moved = thursday(weekly, 15)
    moved.starts_at += dt.timedelta(days=1)
    moved.ends_at += dt.timedelta(days=1)
    moved.save()
    cancelled = thursday(weekly, 22)
    cancelled.status = OccurrenceStatus.CANCELLED
    cancelled.save()

    series_update(series=weekly, by=moderator, start_time=dt.time(11, 0))

    assert Occurrence.objects.get(pk=moved.pk).starts_at == moved.starts_at
    assert Occurrence.objects.get(pk=cancelled.pk).status == OccurrenceStatus.CANCELLED
    # Their days get no new meeting at the new time.
    for day in (dt.date(2026, 1, 15), dt.date(2026, 1, 22)):
        assert not any(
            local(o).date() == day and local(o).time() == dt.time(11)
            for o in weekly.occurrences.all()
        )


def test_past_meetings_are_never_touched(weekly, moderator, member, frozen):
    past = thursday(weekly, 8)
    RsvpFactory(occurrence=past, user=member)
    frozen.move_to(dt.datetime(2026, 1, 10, tzinfo=UTC))

    series_update(
        series=weekly, by=moderator, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2026, 1, 12)
    )

    again = Occurrence.objects.get(pk=past.pk)
    assert (again.starts_at, again.status, again.sequence) == (past.starts_at, past.status, 0)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
def test_a_new_time_locks_the_future_meetings_before_looking_for_answers(weekly, moderator):
    """Else an answer given meanwhile is deleted with a meeting taken for unanswered."""
    with CaptureQueriesContext(connection) as captured:
        series_update(series=weekly, by=moderator, start_time=dt.time(10, 0))

    reads = [
        q["sql"]
        for q in captured.captured_queries
        if '"meetings_occurrence"' in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert "FOR UPDATE" in reads[0]


def test_a_meeting_with_an_agenda_is_not_deleted_by_a_new_time(weekly, moderator):
    with_agenda = thursday(weekly, 15)
    with_agenda.agenda = "1. Introductions"
    with_agenda.save()

    series_update(series=weekly, by=moderator, start_time=dt.time(9, 0))

    assert Occurrence.objects.get(pk=with_agenda.pk).agenda == "1. Introductions"


def test_a_one_off_keeps_its_answers_when_its_date_changes(community, moderator, member):
    series = create(community, moderator, rrule="")
    (occurrence,) = series.occurrences.all()
    RsvpFactory(occurrence=occurrence, user=member)

    series_update(series=series, by=moderator, start_date=dt.date(2026, 1, 20))

    (after,) = series.occurrences.all()
    assert after.pk == occurrence.pk
    assert local(after).date() == dt.date(2026, 1, 20)
    assert Notification.objects.filter(kind=Kind.MEETING_MOVED, recipient=member).exists()


def test_a_one_off_moved_by_two_date_changes_stays_one_meeting(community, moderator, member):
    series = create(community, moderator, rrule="")
    (occurrence,) = series.occurrences.all()
    RsvpFactory(occurrence=occurrence, user=member)
    series_update(series=series, by=moderator, start_date=dt.date(2026, 1, 20))

    series_update(series=series, by=moderator, start_date=dt.date(2026, 1, 27))

    (after,) = series.occurrences.all()
    assert after.pk == occurrence.pk
    assert local(after).date() == dt.date(2026, 1, 27)
    assert after.sequence == 2


def test_answered_meetings_follow_every_schedule_change_not_only_the_first(
    weekly, moderator, member
):
    answered = thursday(weekly, 15)
    RsvpFactory(occurrence=answered, user=member, response=RsvpResponse.GOING)
    series_update(series=weekly, by=moderator, start_time=dt.time(10, 0))

    series_update(series=weekly, by=moderator, start_time=dt.time(11, 0))

    after = Occurrence.objects.get(pk=answered.pk)
    assert local(after).time() == dt.time(11, 0)
    assert after.sequence == 2
    # A later change of weekday cancels it (and tells who answered); no Thursday meeting is left.
    series_update(
        series=weekly, by=moderator, rrule="FREQ=WEEKLY;BYDAY=FR", start_date=dt.date(2026, 1, 9)
    )
    after.refresh_from_db()
    assert after.status == OccurrenceStatus.CANCELLED
    scheduled = weekly.occurrences.filter(status=OccurrenceStatus.SCHEDULED)
    assert {local(o).weekday() for o in scheduled} == {4}
    assert Notification.objects.filter(kind=Kind.MEETING_CANCELLED, recipient=member).exists()


def test_the_same_schedule_written_differently_changes_nothing(community, moderator):
    series = MeetingSeriesFactory(
        community=community, rrule="FREQ=WEEKLY", start_date=THURSDAY, time_zone="Europe/Amsterdam"
    )
    recurrence.extend_series(series)
    before = list(series.occurrences.values_list("pk", "sequence"))

    series_update(series=series, by=moderator, rrule="FREQ=WEEKLY;BYDAY=TH")

    assert list(series.occurrences.values_list("pk", "sequence")) == before
    assert not AuditEvent.objects.filter(action=MeetingAction.MEETING_EDITED).exists()


def test_more_places_move_the_waiting_list_up(community, moderator, member, core, sponsor):
    series = create(community, moderator, capacity=1)
    occurrence = thursday(series, 15)
    rsvp_set(occurrence=occurrence, user=member, response=RsvpResponse.GOING)
    waiting = rsvp_set(occurrence=occurrence, user=core, response=RsvpResponse.GOING)
    still_waiting = rsvp_set(occurrence=occurrence, user=sponsor, response=RsvpResponse.GOING)
    assert waiting.waitlisted and still_waiting.waitlisted

    series_update(series=series, by=moderator, capacity=2)

    waiting.refresh_from_db()
    still_waiting.refresh_from_db()
    assert not waiting.waitlisted
    assert still_waiting.waitlisted
    occurrence.refresh_from_db()
    assert (occurrence.going_count, occurrence.waitlist_count) == (2, 1)
    assert Notification.objects.filter(kind=Kind.WAITLIST_PROMOTED, recipient=core).exists()


def test_fewer_places_take_no_place_from_anyone(community, moderator, member, core):
    series = create(community, moderator, capacity=2)
    occurrence = thursday(series, 15)
    rsvp_set(occurrence=occurrence, user=member, response=RsvpResponse.GOING)
    rsvp_set(occurrence=occurrence, user=core, response=RsvpResponse.GOING)

    series_update(series=series, by=moderator, capacity=1)

    assert occurrence.rsvps.filter(waitlisted=False).count() == 2


@pytest.mark.parametrize("persona", ["member", "sponsor", "outsider"])
def test_others_cannot_change_a_series(request, weekly, persona):
    with pytest.raises(ValidationError) as error:
        series_update(series=weekly, by=request.getfixturevalue(persona), title="Mine now")

    assert error.value.code == "forbidden"
    weekly.refresh_from_db()
    assert weekly.title == "Practice hour"


def test_a_bad_change_is_refused_and_nothing_changes(weekly, moderator):
    before = list(weekly.occurrences.values_list("pk", "starts_at"))

    with pytest.raises(ValidationError) as error:
        series_update(series=weekly, by=moderator, start_time=dt.time(10), duration_minutes=1)

    assert error.value.messages == ["A meeting lasts 5 minutes to 24 hours."]
    weekly.refresh_from_db()
    assert weekly.start_time == dt.time(9, 30)
    assert list(weekly.occurrences.values_list("pk", "starts_at")) == before


def test_only_series_fields_can_be_changed(weekly, moderator):
    with pytest.raises(TypeError):
        series_update(series=weekly, by=moderator, organiser=moderator)


# Ending ----------------------------------------------------------------------------------


def test_ending_cancels_the_future_and_tells_each_person_once(
    weekly, moderator, member, frozen, django_capture_on_commit_callbacks
):
    past = thursday(weekly, 8)
    for day in (15, 22):
        RsvpFactory(occurrence=thursday(weekly, day), user=member)
    frozen.move_to(dt.datetime(2026, 1, 9, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        series_end(series=weekly, by=moderator)

    weekly.refresh_from_db()
    assert not weekly.is_active
    assert Occurrence.objects.get(pk=past.pk).status == OccurrenceStatus.SCHEDULED
    future = weekly.occurrences.exclude(pk=past.pk)
    assert set(future.values_list("status", "cancel_reason")) == {
        (OccurrenceStatus.CANCELLED, "The series has ended.")
    }
    (notice,) = Notification.objects.filter(kind=Kind.MEETING_CANCELLED)
    assert notice.recipient == member
    assert notice.message == (
        "2 meetings of “Practice hour” that you answered are cancelled, "
        "from Thu 15 Jan 2026, 08:30 UTC. The series has ended."
    )
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=MeetingAction.MEETING_ENDED, actor=moderator).exists()
    assert recurrence.extend_series(weekly) == 0


def test_a_series_ends_once(weekly, moderator):
    series_end(series=weekly, by=moderator)

    with pytest.raises(ValidationError) as error:
        series_end(series=weekly, by=moderator)
    assert error.value.messages == ["This series has already ended."]
    with pytest.raises(ValidationError):
        series_update(series=weekly, by=moderator, title="Back again")


def test_a_member_cannot_end_a_series(weekly, member):
    with pytest.raises(ValidationError):
        series_end(series=weekly, by=member)

    weekly.refresh_from_db()
    assert weekly.is_active


# Reminder settings -----------------------------------------------------------------------


def test_moderators_set_reminders_deduplicated_and_latest_first(community, moderator):
    reminder_settings_update(community=community, by=moderator, minutes=[60, 1440, 60, 10])

    community.refresh_from_db()
    assert community.reminder_minutes == [1440, 60, 10]
    event = AuditEvent.objects.get(action=CommunityAction.SETTINGS_CHANGED)
    assert event.detail == {
        "old": "Reminders: 1 day before, 1 hour before",
        "new": "1 day before, 1 hour before, 10 minutes before",
    }


def test_no_reminders_at_all(community, site_admin):
    reminder_settings_update(community=community, by=site_admin, minutes=[])

    community.refresh_from_db()
    assert community.reminder_minutes == []


def test_the_same_reminders_record_nothing(community, moderator):
    reminder_settings_update(community=community, by=moderator, minutes=[60, 1440])

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (
            [1, 2, 3, 4, 5],
            "A reminder goes out 5 minutes to 7 days (10,080 minutes) before the meeting.",
        ),
        ([10, 20, 30, 40, 50], "Choose at most 4 reminders."),
        ([10081], "A reminder goes out 5 minutes to 7 days (10,080 minutes) before the meeting."),
        (["60"], "A reminder goes out 5 minutes to 7 days (10,080 minutes) before the meeting."),
    ],
)
def test_impossible_reminders_are_refused(community, moderator, minutes, message):
    with pytest.raises(ValidationError) as error:
        reminder_settings_update(community=community, by=moderator, minutes=minutes)

    assert error.value.messages == [message]
    community.refresh_from_db()
    assert community.reminder_minutes == [1440, 60]


@pytest.mark.parametrize("persona", ["core", "member", "sponsor", "outsider"])
def test_only_moderators_choose_reminders(request, community, persona):
    with pytest.raises(ValidationError) as error:
        reminder_settings_update(
            community=community, by=request.getfixturevalue(persona), minutes=[30]
        )

    assert error.value.code == "forbidden"


def test_a_moderator_of_another_community_cannot_set_reminders_here(moderator):
    elsewhere = CommunityFactory()

    with pytest.raises(ValidationError):
        reminder_settings_update(community=elsewhere, by=moderator, minutes=[30])
