"""RSVPs sent at the same moment, on PostgreSQL: the occurrence's row lock keeps the places,
the waiting list and the counters true. (Two people racing for the last place is in
test_rsvp_services.py.)"""

import datetime as dt

import pytest
import time_machine

from communities.models import Role
from meetings.models import Rsvp, RsvpResponse
from meetings.services.rsvp import rsvp_set
from tests.concurrency import at_once, errors, needs_row_locks
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import OccurrenceFactory

pytestmark = [needs_row_locks, pytest.mark.django_db(transaction=True)]

GOING, NOT_GOING = RsvpResponse.GOING, RsvpResponse.NOT_GOING
T0 = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(T0, tick=False):
        yield


def members(community, n: int) -> list:
    people = [UserFactory() for _ in range(n)]
    for person in people:
        MembershipFactory(community=community, user=person, role=Role.MEMBER)
    return people


def meeting(community, capacity):
    return OccurrenceFactory(
        series__community=community, series__capacity=capacity, starts_at=T0 + dt.timedelta(days=7)
    )


def counts(occurrence) -> tuple[int, int, int]:
    occurrence.refresh_from_db()
    return occurrence.going_count, occurrence.maybe_count, occurrence.waitlist_count


def test_a_double_click_on_going_makes_one_answer_and_takes_one_place(community):
    occurrence = meeting(community, capacity=1)
    (person,) = members(community, 1)

    outcomes = at_once(*[lambda: rsvp_set(occurrence=occurrence, user=person, response=GOING)] * 2)

    assert errors(outcomes) == []
    assert Rsvp.objects.filter(occurrence=occurrence, user=person).count() == 1
    assert counts(occurrence) == (1, 0, 0)


def test_a_crowd_answering_going_at_once_fills_the_places_and_queues_the_rest(community):
    occurrence = meeting(community, capacity=3)
    crowd = members(community, 8)

    outcomes = at_once(
        *[lambda p=p: rsvp_set(occurrence=occurrence, user=p, response=GOING) for p in crowd]
    )

    assert errors(outcomes) == []
    confirmed = Rsvp.objects.filter(occurrence=occurrence, response=GOING, waitlisted=False)
    assert confirmed.count() == 3
    assert counts(occurrence) == (3, 0, 5)


def test_a_place_freed_while_others_join_goes_to_the_queue_never_over_capacity(community):
    occurrence = meeting(community, capacity=2)
    first, second, *others = members(community, 6)
    rsvp_set(occurrence=occurrence, user=first, response=GOING)
    rsvp_set(occurrence=occurrence, user=second, response=GOING)

    outcomes = at_once(
        lambda: rsvp_set(occurrence=occurrence, user=first, response=NOT_GOING),
        *[lambda p=p: rsvp_set(occurrence=occurrence, user=p, response=GOING) for p in others],
    )

    assert errors(outcomes) == []
    confirmed = Rsvp.objects.filter(occurrence=occurrence, response=GOING, waitlisted=False)
    assert set(confirmed.values_list("user", flat=True)) & {first.pk} == set()
    assert confirmed.count() == 2
    assert counts(occurrence) == (2, 0, 3)
