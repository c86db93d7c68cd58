"""One meeting's writes: move, cancel (notifications in each person's zone, audit, isolation), agenda, notes, attendance."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import User
from communities.models import AuditEvent, Membership, Role
from discussions.models import RequestStatus
from meetings.kinds import AuditAction, Kind
from meetings.models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from meetings.services.occurrences import (
    agenda_add_request,
    agenda_update,
    attendance_record,
    notes_update,
    occurrence_cancel,
    occurrence_move,
    when_for,
)
from notifications.models import Notification
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2031, 3, 10, 8, 30, tzinfo=dt.UTC)  # 09:30 in Amsterdam (CET)


@pytest.fixture
def series(community):
    return MeetingSeriesFactory(community=community, time_zone="Europe/Amsterdam")


@pytest.fixture
def occurrence(series):
    return OccurrenceFactory(series=series, starts_at=START)


@pytest.fixture
def next_week(series):
    return OccurrenceFactory(series=series, starts_at=START + dt.timedelta(days=7))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def person(community, *, tz="UTC", role=Role.MEMBER, **kwargs):
    user = UserFactory(timezone=tz, **kwargs)
    MembershipFactory(community=community, user=user, role=role)
    return user


# when_for ------------------------------------------------------------------------


def test_when_for_shows_the_moment_in_the_persons_own_zone():
    assert when_for(User(timezone="Asia/Kolkata"), START) == "Mon 10 Mar 2031, 14:00 IST"
    assert when_for(User(timezone="America/New_York"), START) == "Mon 10 Mar 2031, 04:30 EDT"
    assert when_for(User(timezone="Nowhere/Special"), START) == "Mon 10 Mar 2031, 08:30 UTC"


# Moving --------------------------------------------------------------------------


def test_moving_a_meeting_changes_its_time_and_sequence_only(occurrence, next_week, moderator):
    new_start = START + dt.timedelta(days=1, hours=2)

    occurrence_move(occurrence=occurrence, by=moderator, starts_at=new_start)

    occurrence.refresh_from_db()
    assert occurrence.starts_at == new_start
    assert occurrence.ends_at == new_start + dt.timedelta(minutes=60)
    assert occurrence.original_start == START
    assert occurrence.sequence == 1
    assert occurrence.is_moved
    untouched = Occurrence.objects.get(pk=next_week.pk)
    assert (untouched.starts_at, untouched.sequence) == (START + dt.timedelta(days=7), 0)


def test_moving_can_change_duration_room_and_link(occurrence, moderator):
    occurrence_move(
        occurrence=occurrence,
        by=moderator,
        starts_at=START,
        duration_minutes=90,
        room="Room 1.01",
        online_url="https://meet.example.org/other",
    )

    occurrence.refresh_from_db()
    assert occurrence.ends_at == START + dt.timedelta(minutes=90)
    assert occurrence.where_room == "Room 1.01"
    assert occurrence.where_online == "https://meet.example.org/other"


def test_moving_tells_those_who_answered_in_their_own_time_zone(
    community, occurrence, moderator, django_capture_on_commit_callbacks
):
    in_india = person(community, tz="Asia/Kolkata")
    in_new_york = person(community, tz="America/New_York")
    waiting = person(community)
    said_no = person(community)
    RsvpFactory(occurrence=occurrence, user=in_india, response=RsvpResponse.GOING)
    RsvpFactory(occurrence=occurrence, user=in_new_york, response=RsvpResponse.MAYBE)
    RsvpFactory(occurrence=occurrence, user=waiting, response=RsvpResponse.GOING, waitlisted=True)
    RsvpFactory(occurrence=occurrence, user=said_no, response=RsvpResponse.NOT_GOING)
    RsvpFactory(occurrence=occurrence, user=moderator, response=RsvpResponse.GOING)

    with django_capture_on_commit_callbacks(execute=True):
        occurrence_move(
            occurrence=occurrence,
            by=moderator,
            starts_at=START + dt.timedelta(hours=1),
            reason="The room is booked.",
        )

    told = {n.recipient: n for n in Notification.objects.filter(kind=Kind.MEETING_MOVED)}
    assert set(told) == {in_india, in_new_york, waiting}
    assert "from Mon 10 Mar 2031, 14:00 IST to Mon 10 Mar 2031, 15:00 IST" in told[in_india].message
    assert (
        "from Mon 10 Mar 2031, 04:30 EDT to Mon 10 Mar 2031, 05:30 EDT" in told[in_new_york].message
    )
    assert "The room is booked." in told[in_india].message
    assert told[in_india].url == occurrence.get_absolute_url()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in told)


def test_moving_is_recorded_in_the_audit_log(community, occurrence, moderator):
    occurrence_move(
        occurrence=occurrence, by=moderator, starts_at=START + dt.timedelta(hours=1), reason="Clash"
    )

    event = AuditEvent.objects.get(action=AuditAction.MEETING_MOVED)
    assert event.community == community and event.actor == moderator
    assert event.detail["occurrence"] == occurrence.pk
    assert event.detail["moved_from"] == START.isoformat()
    assert event.detail["reason"] == "Clash"


def test_people_who_left_the_community_are_not_told_of_a_move(community, occurrence, moderator):
    gone = person(community)
    RsvpFactory(occurrence=occurrence, user=gone)
    Membership.objects.filter(user=gone).update(is_active=False)

    occurrence_move(occurrence=occurrence, by=moderator, starts_at=START + dt.timedelta(hours=1))

    assert not Notification.objects.filter(recipient=gone).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": NOW - dt.timedelta(hours=1)}, "future"),
        ({"starts_at": START, "duration_minutes": 2}, "between"),
        ({"starts_at": START, "online_url": "javascript:alert(1)"}, "web address"),
        ({"starts_at": START}, "already is"),
        ({"starts_at": START, "reason": "x" * 501}, "too long"),
        ({"starts_at": dt.datetime(2031, 3, 11, 9, 0)}, "date and time"),  # noqa: DTZ001 - naive on purpose
        ({"starts_at": dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC)}, "five years"),
    ],
)
def test_a_bad_move_is_refused_and_changes_nothing(occurrence, moderator, change, message):
    with pytest.raises(ValidationError, match=message):
        occurrence_move(occurrence=occurrence, by=moderator, **change)

    occurrence.refresh_from_db()
    assert (occurrence.starts_at, occurrence.sequence) == (START, 0)
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MEETING_MOVED).exists()


def test_a_meeting_that_has_started_cannot_be_moved(occurrence, moderator):
    with (
        time_machine.travel(START + dt.timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError, match="upcoming"),
    ):
        occurrence_move(occurrence=occurrence, by=moderator, starts_at=START + dt.timedelta(days=1))


def test_a_cancelled_meeting_cannot_be_moved(occurrence, moderator):
    Occurrence.objects.filter(pk=occurrence.pk).update(status=OccurrenceStatus.CANCELLED)

    with pytest.raises(ValidationError, match="cancelled"):
        occurrence_move(occurrence=occurrence, by=moderator, starts_at=START + dt.timedelta(days=1))


@pytest.mark.parametrize("persona", ["member", "sponsor", "outsider", "site_admin", "core"])
def test_only_the_core_group_moderators_and_site_admins_move_meetings(request, occurrence, persona):
    user = request.getfixturevalue(persona)
    allowed = persona in ("site_admin", "core")

    if allowed:
        occurrence_move(occurrence=occurrence, by=user, starts_at=START + dt.timedelta(hours=1))
    else:
        with pytest.raises(ValidationError, match="core group"):
            occurrence_move(occurrence=occurrence, by=user, starts_at=START + dt.timedelta(hours=1))

    occurrence.refresh_from_db()
    assert occurrence.sequence == (1 if allowed else 0)


def test_nobody_manages_the_meetings_of_an_archived_community(community, occurrence, moderator):
    community.is_archived = True
    community.save()

    with pytest.raises(ValidationError):
        occurrence_move(
            occurrence=occurrence, by=moderator, starts_at=START + dt.timedelta(hours=1)
        )


# Cancelling ----------------------------------------------------------------------


def test_cancelling_one_meeting_tells_those_who_answered_and_leaves_the_series(
    community, occurrence, next_week, moderator
):
    going = person(community, tz="Asia/Kolkata")
    maybe = person(community)
    RsvpFactory(occurrence=occurrence, user=going)
    RsvpFactory(occurrence=occurrence, user=maybe, response=RsvpResponse.MAYBE)
    RsvpFactory(occurrence=occurrence, user=person(community), response=RsvpResponse.NOT_GOING)
    RsvpFactory(occurrence=next_week, user=person(community))

    occurrence_cancel(occurrence=occurrence, by=moderator, reason="Half the team is at KubeCon.")

    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.CANCELLED
    assert occurrence.cancel_reason == "Half the team is at KubeCon."
    assert occurrence.sequence == 1
    assert Occurrence.objects.get(pk=next_week.pk).status == OccurrenceStatus.SCHEDULED
    told = Notification.objects.filter(kind=Kind.MEETING_CANCELLED)
    assert {n.recipient for n in told} == {going, maybe}
    assert told.get(recipient=going).message == (
        f"“{occurrence.series.title}” on Mon 10 Mar 2031, 14:00 IST is cancelled. "
        "Half the team is at KubeCon."
    )
    event = AuditEvent.objects.get(action=AuditAction.MEETING_CANCELLED)
    assert event.detail["occurrence"] == occurrence.pk and event.actor == moderator


def test_a_meeting_cannot_be_cancelled_twice_or_after_it_ended(occurrence, moderator):
    occurrence_cancel(occurrence=occurrence, by=moderator, reason="")
    with pytest.raises(ValidationError, match="already"):
        occurrence_cancel(occurrence=occurrence, by=moderator, reason="")

    later = OccurrenceFactory(series=occurrence.series, starts_at=NOW - dt.timedelta(hours=3))
    with pytest.raises(ValidationError, match="over"):
        occurrence_cancel(occurrence=later, by=moderator, reason="")
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_CANCELLED).count() == 1


def test_a_member_cannot_cancel(occurrence, member):
    with pytest.raises(ValidationError):
        occurrence_cancel(occurrence=occurrence, by=member, reason="No")

    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED


# Agenda --------------------------------------------------------------------------


def test_the_agenda_is_stored_with_its_html(occurrence, core):
    agenda_update(occurrence=occurrence, by=core, agenda="1. **Upgrades**\n2. <script>x</script>")

    occurrence.refresh_from_db()
    assert "<strong>Upgrades</strong>" in occurrence.agenda_html
    assert "<script>" not in occurrence.agenda_html


def test_a_member_cannot_write_the_agenda(occurrence, member):
    with pytest.raises(ValidationError):
        agenda_update(occurrence=occurrence, by=member, agenda="Mine")

    occurrence.refresh_from_db()
    assert occurrence.agenda == ""


def test_an_open_help_request_is_pulled_onto_the_agenda_as_a_link(community, occurrence, moderator):
    agenda_update(occurrence=occurrence, by=moderator, agenda="1. Welcome")
    request = HelpRequestFactory(community=community, title="Pods [stuck] in *Pending*")

    agenda_add_request(occurrence=occurrence, by=moderator, help_request=request)

    occurrence.refresh_from_db()
    assert occurrence.agenda.startswith("1. Welcome\n- [Pods \\[stuck\\] in \\*Pending\\*]")
    link = f'<a href="/c/{community.slug}/help/{request.pk}/"'
    assert link in occurrence.agenda_html
    assert "Pods [stuck] in *Pending*</a>" in occurrence.agenda_html
    assert list(occurrence.threads.all()) == [request]


def test_an_answered_but_unsolved_request_still_counts_as_open(community, occurrence, moderator):
    request = HelpRequestFactory(community=community, status=RequestStatus.ANSWERED)

    agenda_add_request(occurrence=occurrence, by=moderator, help_request=request)

    assert occurrence.threads.filter(pk=request.pk).exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("other_community", "this community"),
        ("removed", "removed"),
        ("solved", "solved"),
        ("closed", "solved or closed"),
        ("twice", "already on the agenda"),
    ],
)
def test_only_open_requests_of_the_same_community_go_on_the_agenda(
    community, occurrence, moderator, kind, message
):
    if kind == "other_community":
        request = HelpRequestFactory(community=CommunityFactory())
    elif kind == "removed":
        request = HelpRequestFactory(community=community, is_removed=True)
    elif kind in ("solved", "closed"):
        request = HelpRequestFactory(community=community, status=kind)
    else:
        request = HelpRequestFactory(community=community)
        agenda_add_request(occurrence=occurrence, by=moderator, help_request=request)
    before = Occurrence.objects.get(pk=occurrence.pk).agenda

    with pytest.raises(ValidationError, match=message):
        agenda_add_request(occurrence=occurrence, by=moderator, help_request=request)

    assert Occurrence.objects.get(pk=occurrence.pk).agenda == before
    assert occurrence.threads.count() == (1 if kind == "twice" else 0)


def test_a_member_cannot_pull_requests_onto_the_agenda(community, occurrence, member):
    request = HelpRequestFactory(community=community)

    with pytest.raises(ValidationError):
        agenda_add_request(occurrence=occurrence, by=member, help_request=request)

    assert not occurrence.threads.exists()


def test_a_cancelled_meetings_agenda_is_closed(occurrence, moderator):
    occurrence_cancel(occurrence=occurrence, by=moderator, reason="")

    with pytest.raises(ValidationError, match="cancelled"):
        agenda_update(occurrence=occurrence, by=moderator, agenda="Too late")


# Notes ---------------------------------------------------------------------------


def test_notes_are_written_after_the_start_and_link_threads(community, occurrence, core):
    discussed = HelpRequestFactory(community=community, status=RequestStatus.SOLVED)
    also = HelpRequestFactory(community=community)
    occurrence.threads.add(HelpRequestFactory(community=community))

    with time_machine.travel(START + dt.timedelta(minutes=70), tick=False):
        notes_update(
            occurrence=occurrence,
            by=core,
            notes="We **agreed** on PDBs.",
            thread_ids=[discussed.pk, also.pk],
        )

    occurrence.refresh_from_db()
    assert "<strong>agreed</strong>" in occurrence.notes_html
    assert set(occurrence.threads.all()) == {discussed, also}
    assert discussed.meetings.get() == occurrence


def test_notes_wait_until_the_meeting_has_started(occurrence, core):
    with pytest.raises(ValidationError, match="started"):
        notes_update(occurrence=occurrence, by=core, notes="Early", thread_ids=[])

    occurrence.refresh_from_db()
    assert occurrence.notes == ""


@pytest.mark.parametrize("kind", ["other_community", "removed", "junk"])
def test_notes_link_only_this_communitys_visible_threads(community, occurrence, core, kind):
    if kind == "junk":
        ids = ["twelve"]
    else:
        other = (
            HelpRequestFactory(community=CommunityFactory())
            if kind == "other_community"
            else HelpRequestFactory(community=community, is_removed=True)
        )
        ids = [other.pk]

    with (
        time_machine.travel(START + dt.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError),
    ):
        notes_update(occurrence=occurrence, by=core, notes="Notes", thread_ids=ids)

    occurrence.refresh_from_db()
    assert occurrence.notes == "" and not occurrence.threads.exists()


def test_a_sponsor_cannot_write_notes(occurrence, sponsor):
    with (
        time_machine.travel(START + dt.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError),
    ):
        notes_update(occurrence=occurrence, by=sponsor, notes="Mine", thread_ids=[])


# Attendance ----------------------------------------------------------------------


def test_attendance_marks_who_came_among_those_who_answered(community, occurrence, moderator):
    came, missed, surprise = person(community), person(community), person(community)
    RsvpFactory(occurrence=occurrence, user=came)
    RsvpFactory(occurrence=occurrence, user=missed)
    RsvpFactory(occurrence=occurrence, user=surprise, response=RsvpResponse.NOT_GOING)

    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        count = attendance_record(
            occurrence=occurrence, by=moderator, attended_user_ids=[came.pk, str(surprise.pk)]
        )

    assert count == 2
    attended = dict(Rsvp.objects.values_list("user", "attended"))
    assert attended == {came.pk: True, missed.pk: False, surprise.pk: True}


def test_attendance_can_be_corrected(community, occurrence, moderator):
    someone = person(community)
    RsvpFactory(occurrence=occurrence, user=someone)

    with time_machine.travel(START + dt.timedelta(hours=2), tick=False):
        attendance_record(occurrence=occurrence, by=moderator, attended_user_ids=[someone.pk])
        attendance_record(occurrence=occurrence, by=moderator, attended_user_ids=[])

    assert Rsvp.objects.get().attended is False


def test_attendance_is_refused_for_people_who_did_not_answer(community, occurrence, moderator):
    answered = person(community)
    RsvpFactory(occurrence=occurrence, user=answered)
    stranger = person(community)

    with (
        time_machine.travel(START + dt.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError, match="answered"),
    ):
        attendance_record(
            occurrence=occurrence, by=moderator, attended_user_ids=[answered.pk, stranger.pk]
        )

    assert Rsvp.objects.get().attended is None


def test_attendance_waits_for_the_meeting_and_needs_a_manager(
    community, occurrence, moderator, member
):
    RsvpFactory(occurrence=occurrence, user=member)

    with pytest.raises(ValidationError, match="started"):
        attendance_record(occurrence=occurrence, by=moderator, attended_user_ids=[member.pk])
    with (
        time_machine.travel(START + dt.timedelta(hours=2), tick=False),
        pytest.raises(ValidationError),
    ):
        attendance_record(occurrence=occurrence, by=member, attended_user_ids=[member.pk])

    assert Rsvp.objects.get().attended is None
