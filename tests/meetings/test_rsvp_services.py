"""RSVP rules: who may answer, capacity and the waiting list, its order, the counters, the lock."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import CommunityStatus, Membership, Role
from meetings.kinds import Kind
from meetings.models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from meetings.services.rsvp import promote_waitlist, rsvp_set, waitlist_position
from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import OccurrenceFactory

pytestmark = pytest.mark.django_db

GOING, MAYBE, NOT_GOING = RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING
T0 = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)


def meeting(community, *, capacity=None, **kwargs) -> Occurrence:
    kwargs.setdefault("starts_at", T0 + dt.timedelta(days=7))
    return OccurrenceFactory(series__community=community, series__capacity=capacity, **kwargs)


def members(community, n: int) -> list:
    people = [UserFactory(display_name=f"Person {chr(65 + i)}") for i in range(n)]
    for person in people:
        MembershipFactory(community=community, user=person, role=Role.MEMBER)
    return people


def counts(occurrence) -> tuple[int, int, int]:
    occurrence.refresh_from_db()
    return occurrence.going_count, occurrence.maybe_count, occurrence.waitlist_count


def answer(occurrence, user, response, *, at):
    with time_machine.travel(at, tick=False):
        return rsvp_set(occurrence=occurrence, user=user, response=response)


# Answers and counters ----------------------------------------------------------


def test_a_member_answers_going_and_the_counters_follow(community, member):
    occurrence = meeting(community)

    with time_machine.travel(T0, tick=False):
        rsvp = rsvp_set(occurrence=occurrence, user=member, response=GOING)

    assert rsvp.response == GOING and not rsvp.waitlisted
    assert rsvp.responded_at == T0
    assert counts(occurrence) == (1, 0, 0)
    assert occurrence.going_count == 1


def test_changing_an_answer_updates_the_one_row_and_the_counters(community, member):
    occurrence = meeting(community)
    answer(occurrence, member, GOING, at=T0)
    answer(occurrence, member, MAYBE, at=T0 + dt.timedelta(minutes=1))
    assert counts(occurrence) == (0, 1, 0)

    answer(occurrence, member, NOT_GOING, at=T0 + dt.timedelta(minutes=2))

    assert counts(occurrence) == (0, 0, 0)
    assert Rsvp.objects.get().response == NOT_GOING


def test_the_counters_are_recounted_from_the_rows_so_they_heal(community, member):
    occurrence = meeting(community)
    Occurrence.objects.filter(pk=occurrence.pk).update(going_count=7, maybe_count=3)

    answer(occurrence, member, MAYBE, at=T0)

    assert counts(occurrence) == (0, 1, 0)


def test_an_unknown_answer_is_refused(community, member):
    occurrence = meeting(community)

    with pytest.raises(ValidationError), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response="perhaps")

    assert not Rsvp.objects.exists()


# Capacity and the waiting list ---------------------------------------------------


def test_going_beyond_the_capacity_joins_the_waiting_list(community):
    occurrence = meeting(community, capacity=2)
    a, b, c = members(community, 3)

    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    third = answer(occurrence, c, GOING, at=T0 + dt.timedelta(minutes=2))

    assert third.waitlisted
    assert waitlist_position(third) == 1
    assert counts(occurrence) == (2, 0, 1)


def test_maybe_does_not_take_a_place(community):
    occurrence = meeting(community, capacity=1)
    a, b = members(community, 2)

    answer(occurrence, a, MAYBE, at=T0)
    second = answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))

    assert not second.waitlisted
    assert counts(occurrence) == (1, 1, 0)


def test_a_freed_place_goes_to_the_earliest_on_the_waiting_list_who_is_told(
    community, django_capture_on_commit_callbacks
):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    answer(occurrence, c, GOING, at=T0 + dt.timedelta(minutes=2))

    with django_capture_on_commit_callbacks(execute=True):
        answer(occurrence, a, NOT_GOING, at=T0 + dt.timedelta(minutes=3))

    b_rsvp, c_rsvp = Rsvp.objects.get(user=b), Rsvp.objects.get(user=c)
    assert not b_rsvp.waitlisted
    assert c_rsvp.waitlisted and waitlist_position(c_rsvp) == 1
    assert counts(occurrence) == (1, 0, 1)
    told = Notification.objects.get(kind=Kind.WAITLIST_PROMOTED)
    assert told.recipient == b
    assert told.url == occurrence.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[b.email]]
    assert not Notification.objects.filter(recipient__in=[a, c]).exists()


def test_going_to_maybe_also_frees_the_place(community):
    occurrence = meeting(community, capacity=1)
    a, b = members(community, 2)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))

    answer(occurrence, a, MAYBE, at=T0 + dt.timedelta(minutes=2))

    assert not Rsvp.objects.get(user=b).waitlisted
    assert counts(occurrence) == (1, 1, 0)


def test_leaving_the_waiting_list_frees_no_place_and_promotes_nobody(community):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    answer(occurrence, c, GOING, at=T0 + dt.timedelta(minutes=2))

    answer(occurrence, b, NOT_GOING, at=T0 + dt.timedelta(minutes=3))

    assert Rsvp.objects.get(user=c).waitlisted
    assert counts(occurrence) == (1, 0, 1)
    assert not Notification.objects.filter(kind=Kind.WAITLIST_PROMOTED).exists()


def test_saying_going_again_keeps_ones_place_in_the_queue(community):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    answer(occurrence, c, GOING, at=T0 + dt.timedelta(minutes=2))

    again = answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=5))
    answer(occurrence, a, NOT_GOING, at=T0 + dt.timedelta(minutes=6))

    assert again.responded_at == T0 + dt.timedelta(minutes=1)
    assert not Rsvp.objects.get(user=b).waitlisted
    assert Rsvp.objects.get(user=c).waitlisted


def test_leaving_the_queue_and_coming_back_queues_at_the_back(community):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    answer(occurrence, c, GOING, at=T0 + dt.timedelta(minutes=2))
    answer(occurrence, b, MAYBE, at=T0 + dt.timedelta(minutes=3))

    back = answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=4))

    assert back.waitlisted and waitlist_position(back) == 2
    assert waitlist_position(Rsvp.objects.get(user=c)) == 1


def test_promotion_follows_the_order_of_answers_place_by_place(community):
    occurrence = meeting(community, capacity=2)
    a, b, c, d, e = members(community, 5)
    for minute, person in enumerate([a, b, c, d, e]):
        answer(occurrence, person, GOING, at=T0 + dt.timedelta(minutes=minute))

    answer(occurrence, b, NOT_GOING, at=T0 + dt.timedelta(minutes=10))
    assert [r.user for r in Rsvp.objects.filter(waitlisted=True)] == [d, e]
    answer(occurrence, a, NOT_GOING, at=T0 + dt.timedelta(minutes=11))

    assert [r.user for r in Rsvp.objects.filter(waitlisted=True)] == [e]
    confirmed = Rsvp.objects.filter(response=GOING, waitlisted=False).values_list("user", flat=True)
    assert set(confirmed) == {c.pk, d.pk}
    assert counts(occurrence) == (2, 0, 1)


def test_a_raised_capacity_moves_people_up_when_promote_waitlist_is_called(community):
    occurrence = meeting(community, capacity=1)
    a, b, c, d = members(community, 4)
    for minute, person in enumerate([a, b, c, d]):
        answer(occurrence, person, GOING, at=T0 + dt.timedelta(minutes=minute))
    occurrence.series.capacity = 3
    occurrence.series.save()

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        promoted = promote_waitlist(occurrence)

    assert [r.user for r in promoted] == [b, c]
    assert counts(occurrence) == (3, 0, 1)
    assert occurrence.waitlist_count == 1
    assert set(
        Notification.objects.filter(kind=Kind.WAITLIST_PROMOTED).values_list("recipient", flat=True)
    ) == {
        b.pk,
        c.pk,
    }


def test_removing_the_capacity_lets_everyone_waiting_in(community):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    for minute, person in enumerate([a, b, c]):
        answer(occurrence, person, GOING, at=T0 + dt.timedelta(minutes=minute))
    occurrence.series.capacity = None
    occurrence.series.save()

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        promoted = promote_waitlist(occurrence)

    assert len(promoted) == 2
    assert counts(occurrence) == (3, 0, 0)


def test_promote_waitlist_moves_nobody_for_a_past_or_cancelled_meeting(community):
    occurrence = meeting(community, capacity=1)
    a, b = members(community, 2)
    answer(occurrence, a, GOING, at=T0)
    answer(occurrence, b, GOING, at=T0 + dt.timedelta(minutes=1))
    occurrence.series.capacity = 5
    occurrence.series.save()

    with time_machine.travel(occurrence.ends_at + dt.timedelta(minutes=1), tick=False):
        assert promote_waitlist(occurrence) == []
    Occurrence.objects.filter(pk=occurrence.pk).update(status=OccurrenceStatus.CANCELLED)
    with time_machine.travel(T0, tick=False):
        assert promote_waitlist(occurrence) == []

    assert Rsvp.objects.get(user=b).waitlisted


def test_someone_who_left_the_community_is_passed_over_on_the_waiting_list(community):
    occurrence = meeting(community, capacity=1)
    a, b, c = members(community, 3)
    for minute, person in enumerate([a, b, c]):
        answer(occurrence, person, GOING, at=T0 + dt.timedelta(minutes=minute))
    Membership.objects.filter(community=community, user=b).update(is_active=False)

    answer(occurrence, a, NOT_GOING, at=T0 + dt.timedelta(minutes=5))

    assert Rsvp.objects.get(user=b).waitlisted
    assert not Rsvp.objects.get(user=c).waitlisted


def test_the_last_place_goes_to_one_of_two_answers_and_the_other_waits(community):
    occurrence = meeting(community, capacity=2)
    a, b, c = members(community, 3)
    answer(occurrence, a, GOING, at=T0)
    # Both clicks loaded the page with one place left.
    stale = Occurrence.objects.get(pk=occurrence.pk)

    first = answer(stale, b, GOING, at=T0 + dt.timedelta(minutes=1))
    second = answer(stale, c, GOING, at=T0 + dt.timedelta(minutes=1))

    assert (first.waitlisted, second.waitlisted) == (False, True)
    assert counts(occurrence) == (2, 0, 1)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
def test_the_occurrence_row_is_locked_before_anything_is_read(community, member):
    occurrence = meeting(community, capacity=1)

    with CaptureQueriesContext(connection) as captured, time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    first_read = next(sql for sql in statements if sql.lstrip().upper().startswith("SELECT"))
    assert "FOR UPDATE" in first_read
    assert '"meetings_occurrence"' in first_read


@pytest.mark.skipif(
    not connection.features.has_select_for_update, reason="needs row locks (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_place_do_not_both_get_it(community):
    occurrence = meeting(community, capacity=2)
    a, b, c = members(community, 3)
    rsvp_set(occurrence=occurrence, user=a, response=GOING)
    start = threading.Barrier(2)
    errors = []

    def click(person):
        try:
            start.wait()
            rsvp_set(occurrence=occurrence, user=person, response=GOING)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(p,)) for p in (b, c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(Rsvp.objects.filter(user__in=[b, c]).values_list("waitlisted", flat=True)) == [
        False,
        True,
    ]
    assert counts(occurrence) == (2, 0, 1)


# Who may answer, and when ---------------------------------------------------------


def test_someone_outside_the_community_cannot_answer(community, outsider):
    occurrence = meeting(community)

    with pytest.raises(ValidationError, match="Only members"), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=outsider, response=GOING)

    assert not Rsvp.objects.exists()


def test_a_site_admin_who_is_not_a_member_cannot_answer(community, site_admin):
    occurrence = meeting(community)

    with pytest.raises(ValidationError), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=site_admin, response=GOING)


def test_a_former_member_cannot_answer(community, member):
    occurrence = meeting(community)
    Membership.objects.filter(user=member, community=community).update(is_active=False)

    with pytest.raises(ValidationError), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)


@pytest.mark.parametrize("change", ["archived", "proposed"])
def test_nobody_answers_in_an_archived_or_unapproved_community(community, member, change):
    occurrence = meeting(community)
    if change == "archived":
        community.is_archived = True
    else:
        community.status = CommunityStatus.PROPOSED
    community.save()

    with pytest.raises(ValidationError), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)


def test_a_cancelled_meeting_takes_no_answers(community, member):
    occurrence = meeting(community, status=OccurrenceStatus.CANCELLED)

    with pytest.raises(ValidationError, match="cancelled"), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)

    assert not Rsvp.objects.exists()


def test_a_meeting_that_has_ended_takes_no_answers_but_one_under_way_does(community, member):
    occurrence = meeting(community)

    with time_machine.travel(occurrence.starts_at + dt.timedelta(minutes=10), tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)
    with (
        pytest.raises(ValidationError, match="over"),
        time_machine.travel(occurrence.ends_at, tick=False),
    ):
        rsvp_set(occurrence=occurrence, user=member, response=NOT_GOING)

    assert Rsvp.objects.get().response == GOING


def test_a_meeting_deleted_since_the_page_was_read_is_a_refusal_not_a_crash(community, member):
    occurrence = meeting(community)
    Occurrence.objects.filter(pk=occurrence.pk).delete()  # a schedule change removed it

    with pytest.raises(ValidationError, match="no longer planned"), time_machine.travel(T0, tick=False):
        rsvp_set(occurrence=occurrence, user=member, response=GOING)

    assert not Rsvp.objects.exists()


def test_the_waiting_list_position_is_none_for_anyone_not_waiting(community, member):
    occurrence = meeting(community)
    rsvp = answer(occurrence, member, GOING, at=T0)

    assert waitlist_position(rsvp) is None
    assert waitlist_position(None) is None


def test_leaving_the_community_withdraws_upcoming_answers_and_moves_the_waiting_list_up(community):
    from communities.models import Role
    from communities.services import membership_leave
    from meetings.models import MeetingSeries
    from meetings.services.rsvp import rsvp_set
    from tests.factories import MembershipFactory, UserFactory
    from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory

    series: MeetingSeries = MeetingSeriesFactory(community=community, capacity=1)
    meeting = OccurrenceFactory(series=series)
    leaver, waiting = UserFactory(), UserFactory()
    MembershipFactory(community=community, user=leaver, role=Role.MEMBER)
    MembershipFactory(community=community, user=waiting, role=Role.MEMBER)
    rsvp_set(occurrence=meeting, user=leaver, response="going")
    rsvp_set(occurrence=meeting, user=waiting, response="going")

    membership_leave(community=community, user=leaver)

    meeting.refresh_from_db()
    assert meeting.rsvps.get(user=leaver).response == "not_going"
    assert meeting.rsvps.get(user=waiting).waitlisted is False
    assert (meeting.going_count, meeting.waitlist_count) == (1, 0)
