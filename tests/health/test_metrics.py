"""Each health figure against a hand-built data set whose answers are worked out by hand.

`now` is Wednesday 4 March 2026, 12:00 UTC. With the 30-day period, "this period"
runs from 2 February 12:00 and "the previous period" from 3 January 12:00 to then.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from charter.models import Beneficiary, Horizon, VersionStatus
from communities.kinds import AuditAction
from discussions.services.moderation import post_remove
from discussions.services.posting import help_request_create, reply_create
from health.figures import UnitCell
from health.metrics import FIGURE_TEXT, SECTIONS, community_health, period_for
from meetings.models import OccurrenceStatus, RsvpResponse
from tests.charter.factories import (
    CharterFactory,
    CharterVersionFactory,
    ObjectiveFactory,
    ValueStoryFactory,
)
from tests.discussions.factories import HelpfulVoteFactory
from tests.factories import CommunityFactory, UnitFactory, UserFactory
from tests.health.factories import accept, ask, person_with_history, reply
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def ago(days=0, hours=0):
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def period():
    return period_for(30, now=NOW)


@pytest.fixture
def place(db):
    return CommunityFactory(name="Wound Care", slug="wound-care")


def figures(community, period):
    health = community_health(community, period=period, now=NOW)
    return health, {f.key: (f.current, f.previous) for f in health.figures()}


# The period ------------------------------------------------------------------


def test_a_period_ends_now_and_the_previous_one_ends_where_it_starts():
    period = period_for(90, now=NOW)

    assert (period.start, period.end, period.days) == (NOW - timedelta(days=90), NOW, 90)
    assert period.previous.end == period.start
    assert period.previous.start == NOW - timedelta(days=180)


@pytest.mark.parametrize("days", [0, 7, 31, 366])
def test_a_period_is_30_90_or_365_days(days):
    with pytest.raises(ValueError, match="30, 90, 365"):
        period_for(days, now=NOW)


def test_a_period_defaults_to_ending_now():
    assert period_for(30).end == NOW


# Empty and tiny communities ----------------------------------------------------


def test_an_empty_community_has_zeros_and_empty_figures_without_crashing(place, period):
    health, values = figures(place, period)

    assert [f.key for f in health.members] == list(SECTIONS["members"])
    assert [f.key for f in health.figures()] == [k for keys in SECTIONS.values() for k in keys]
    assert values == {
        "members_total": (0, 0),
        "members_joined": (0, 0),
        "members_left": (0, 0),
        "members_active": (0, 0),
        "newcomers": (0, 0),
        "newcomers_replied_share": (None, None),
        "requests_asked": (0, 0),
        "answered_share": (None, None),
        "solved_share": (None, None),
        "median_first_reply_hours": (None, None),
        "median_accepted_hours": (None, None),
        "unanswered_48h": (0, 0),
        "units_represented": (0, 0),
        "cross_unit_answer_share": (None, None),
        "meetings_held": (0, 0),
        "meeting_rsvps": (0, 0),
        "meeting_attended": (None, None),
        "days_since_approval": (None, None),
    }
    assert health.unit_matrix == []
    assert health.objectives == []
    assert health.revisit_by is None
    assert [row["label"] for row in health.value_matrix] == ["Organisation", "Members"]
    assert all(point.values == {"asked": 0, "answered": 0, "active": 0} for point in health.weekly)


def test_every_figure_says_what_it_counts(place, period):
    health, _ = figures(place, period)

    for figure in health.figures():
        assert figure.label and figure.definition.endswith(".")
        assert "{" not in figure.definition
    assert "last 30 days" in health.figure("requests_asked").definition
    assert "asker's own replies" in health.figure("answered_share").definition
    assert "Removed requests don't count" in health.figure("requests_asked").definition
    assert health.figure("answered_share").unit == "%"
    assert health.figure("median_first_reply_hours").unit == "hours"
    assert health.figure("median_first_reply_hours").higher_is_better is False
    assert health.figure("unanswered_48h").higher_is_better is False
    assert health.figure("days_since_approval").unit == "days"
    assert set(FIGURE_TEXT) == {k for keys in SECTIONS.values() for k in keys}


def test_a_community_with_one_member_who_answered_themself(place, period):
    unit = UnitFactory(name="Ward 7")
    solo = person_with_history(place, (ago(10), None), unit=unit)
    request = ask(place, solo, ago(5))
    reply(request, solo, ago(4))

    _, values = figures(place, period)

    assert values["members_total"] == (1, 0)
    assert values["members_joined"] == (1, 0)
    assert values["newcomers"] == (1, 0)
    assert values["members_active"] == (1, 0)
    assert values["newcomers_replied_share"] == (0.0, None)
    assert values["requests_asked"] == (1, 0)
    assert values["answered_share"] == (0.0, None)
    assert values["median_first_reply_hours"] == (None, None)
    assert values["unanswered_48h"] == (1, 0)
    assert values["units_represented"] == (1, 0)
    assert values["cross_unit_answer_share"] == (None, None)


# Members ---------------------------------------------------------------------


def test_members_who_left_and_came_back_are_counted_by_their_history(place, period):
    # Previous period: 60 to 30 days ago. This period: the last 30 days.
    person_with_history(place, (ago(100), ago(50)), (ago(10), None))  # A: back in this period
    person_with_history(place, (ago(45), ago(20)))  # B: newcomer last period, left in this one
    person_with_history(place, (ago(200), ago(40)), (ago(35), None))  # C: left and back, last period
    person_with_history(place, (ago(300), None), audit=False)  # D: a row without any history
    person_with_history(place, (ago(5), None), how=AuditAction.REQUEST_APPROVED)  # E: request approved
    person_with_history(place, (ago(70), ago(65)))  # F: came and went before both periods
    person_with_history(place, (ago(25), ago(20)), (ago(15), ago(10)), (ago(5), None))  # G: twice back
    person_with_history(place, (ago(90), ago(10)), (ago(3), None))  # I: member 30 days ago, by history

    _, values = figures(place, period)

    assert values["members_total"] == (6, 4)  # now: A C D E G I; 30 days ago: B C D I
    assert values["members_joined"] == (4, 2)  # A E G I; B C
    assert values["members_left"] == (3, 2)  # B G I; A C
    assert values["newcomers"] == (2, 1)  # E G; B


def test_a_person_who_left_is_not_a_member_at_the_end(place, period):
    person_with_history(place, (ago(100), ago(1)))

    _, values = figures(place, period)

    assert values["members_total"] == (0, 1)
    assert values["members_left"] == (1, 0)


def test_units_represented_count_the_members_units_at_each_end(place, period):
    radiology, platform, wards = (UnitFactory(name=n) for n in ("Radiology", "Platform", "Wards"))
    person_with_history(place, (ago(100), None), unit=radiology)
    person_with_history(place, (ago(90), None), unit=radiology)
    person_with_history(place, (ago(10), None), unit=platform)  # joined this period
    person_with_history(place, (ago(80), ago(5)), unit=wards)  # left this period
    person_with_history(place, (ago(80), None), unit=None)  # no unit: not a unit

    _, values = figures(place, period)

    assert values["units_represented"] == (2, 2)  # Radiology, Platform; Radiology, Wards


def test_active_members_count_each_kind_of_activity_once_per_person(place, period):
    asker, replier, voter, rsvper, attender, both = (
        person_with_history(place, (ago(100), None)) for _ in range(6)
    )
    idle, removed_poster, not_going, last_period = (
        person_with_history(place, (ago(100), None)) for _ in range(4)
    )
    request = ask(place, asker, ago(10))
    answer = reply(request, replier, ago(9))
    HelpfulVoteFactory(reply=answer, user=voter, created_at=ago(8))
    ask(place, removed_poster, ago(7), removed=True)
    meeting = OccurrenceFactory(
        series=MeetingSeriesFactory(community=place), starts_at=ago(3), ends_at=ago(3) + timedelta(hours=1)
    )
    RsvpFactory(occurrence=meeting, user=rsvper, response=RsvpResponse.MAYBE, responded_at=ago(6))
    RsvpFactory(occurrence=meeting, user=not_going, response=RsvpResponse.NOT_GOING, responded_at=ago(6))
    RsvpFactory(
        occurrence=meeting, user=attender, response=RsvpResponse.GOING, responded_at=ago(40), attended=True
    )
    ask(place, both, ago(2))
    reply(request, both, ago(1))
    RsvpFactory(occurrence=meeting, user=both, response=RsvpResponse.GOING, responded_at=ago(5))
    ask(place, last_period, ago(45))
    other = CommunityFactory()
    ask(other, idle, ago(2))  # active elsewhere only

    _, values = figures(place, period)

    assert values["members_active"] == (6, 2)  # asker replier voter rsvper attender both; last_period, attender


def test_newcomers_replied_share_counts_newcomers_whose_request_got_a_reply(place, period):
    helper = person_with_history(place, (ago(300), None))
    answered, ignored, self_answered, _silent = (
        person_with_history(place, (ago(20), None)) for _ in range(4)
    )
    old_hand = person_with_history(place, (ago(300), None))
    reply(ask(place, answered, ago(10)), helper, ago(9))
    reply(ask(place, self_answered, ago(10)), self_answered, ago(9))
    ask(place, ignored, ago(10))
    reply(ask(place, old_hand, ago(10)), helper, ago(9))  # not a newcomer
    last_time = person_with_history(place, (ago(50), None))
    reply(ask(place, last_time, ago(45)), helper, ago(20))  # answered only after that period ended

    _, values = figures(place, period)

    assert values["newcomers"] == (4, 1)
    assert values["newcomers_replied_share"] == (33.3, 0.0)  # 1 of 3 who asked; 0 of 1


# Help --------------------------------------------------------------------------


@pytest.fixture
def help_set(place):
    """Requests this period and last, answered after set hours; worked out in the test."""
    asker, helper = UserFactory(), UserFactory()

    def asked(at, first_after=None, accepted_after=None, **kwargs):
        request = ask(place, asker, at, **kwargs)
        if first_after is not None:
            answer = reply(request, helper, at + timedelta(hours=first_after))
            if accepted_after is not None:
                accept(request, answer, at + timedelta(hours=accepted_after))
        return request

    asked(ago(10), first_after=2, accepted_after=5)  # R1
    asked(ago(9), first_after=4)  # R2
    own = asked(ago(8))  # R3: only the asker replied
    reply(own, asker, ago(7))
    asked(ago(7), first_after=1, accepted_after=1, removed=True)  # R4: removed
    asked(ago(1))  # R5: too young to count as unanswered
    asked(ago(3), first_after=10, accepted_after=20)  # R6
    asked(ago(2, hours=12), first_after=6)  # R7
    asked(ago(100))  # R0: never answered
    # The previous period (60 to 30 days ago).
    asked(ago(40), first_after=1)  # P1
    asked(ago(45), first_after=3)  # P2
    asked(ago(50), first_after=30)  # P3
    asked(ago(35), first_after=10 * 24)  # P4: first reply 25 days ago, after that period
    return place


def test_help_figures_count_answers_by_others_and_leave_out_removed_requests(help_set, period):
    _, values = figures(help_set, period)

    assert values["requests_asked"] == (6, 4)  # R1 R2 R3 R5 R6 R7; P1-P4
    assert values["answered_share"] == (66.7, 75.0)  # R1 R2 R6 R7 of 6; P1 P2 P3 of 4
    assert values["solved_share"] == (33.3, 0.0)  # R1 R6
    assert values["unanswered_48h"] == (2, 2)  # R0 R3 now; R0 P4 thirty days ago


def test_medians_interpolate_even_counts_and_take_the_middle_of_odd_ones(help_set, period):
    _, values = figures(help_set, period)

    assert values["median_first_reply_hours"] == (5.0, 3.0)  # 2 4 6 10 -> 5; 1 3 30 -> 3
    assert values["median_accepted_hours"] == (12.5, None)  # 5 and 20 -> 12.5; none accepted


def test_a_reply_by_the_asker_is_not_an_answer_and_a_removed_answer_stops_counting(
    community, member, core, moderator, period
):
    with time_machine.travel(ago(3), tick=False):
        request = help_request_create(community=community, by=member, title="Rollback stuck", body="Help")
    with time_machine.travel(ago(3) + timedelta(hours=1), tick=False):
        reply_create(help_request=request, by=member, body="Some more detail on my own question")
    assert figures(community, period)[1]["answered_share"] == (0.0, None)
    assert figures(community, period)[1]["unanswered_48h"] == (1, 0)

    with time_machine.travel(ago(2), tick=False):
        answer = reply_create(help_request=request, by=core, body="Check revisionHistoryLimit")
    _, values = figures(community, period)
    assert values["answered_share"] == (100.0, None)
    assert values["median_first_reply_hours"] == (24.0, None)
    assert values["unanswered_48h"] == (0, 0)

    post_remove(post=answer, by=moderator, reason="Wrong thread")
    _, values = figures(community, period)
    assert values["answered_share"] == (0.0, None)
    assert values["median_first_reply_hours"] == (None, None)


def test_a_median_of_one_request_is_its_wait(place, period):
    reply(ask(place, UserFactory(), ago(4)), UserFactory(), ago(4) + timedelta(minutes=90))

    _, values = figures(place, period)

    assert values["median_first_reply_hours"] == (1.5, None)


# Reach -------------------------------------------------------------------------


def test_answers_across_units_use_the_units_people_had_when_they_posted(place, period):
    radiology, platform = UnitFactory(name="Radiology"), UnitFactory(name="Platform")
    asker = UserFactory(unit=radiology)
    request = ask(place, asker, ago(10))
    colleague = UserFactory(unit=radiology)
    reply(request, UserFactory(unit=platform), ago(9))
    reply(request, UserFactory(unit=platform), ago(9))
    mover = UserFactory(unit=radiology)  # in Platform when they replied, Radiology now
    reply(request, mover, ago(8), unit=platform)
    reply(request, colleague, ago(8))
    reply(request, UserFactory(unit=None), ago(7))  # unknown unit: not in the share
    reply(request, asker, ago(7))  # the asker's own: not an answer
    reply(request, UserFactory(unit=platform), ago(6), removed=True)  # removed
    reply(ask(place, asker, ago(9), removed=True), UserFactory(unit=platform), ago(8))  # removed request
    last_period = ask(place, asker, ago(40))
    reply(last_period, colleague, ago(39))

    health, values = figures(place, period)

    assert values["cross_unit_answer_share"] == (75.0, 0.0)  # 3 of 4 known; 0 of 1
    assert health.unit_matrix == [
        UnitCell(asker_unit="Radiology", answerer_unit="Platform", answers=3),
        UnitCell(asker_unit="Radiology", answerer_unit="Radiology", answers=1),
        UnitCell(asker_unit="Radiology", answerer_unit="Unknown unit", answers=1),
    ]


def test_the_unit_matrix_groups_unknown_askers_too(place, period):
    platform = UnitFactory(name="Platform")
    request = ask(place, UserFactory(unit=None), ago(5), author_unit=None)
    reply(request, UserFactory(unit=platform), ago(4))
    reply(request, UserFactory(unit=None), ago(4))

    health, values = figures(place, period)

    assert values["cross_unit_answer_share"] == (None, None)
    assert health.unit_matrix == [
        UnitCell(asker_unit="Unknown unit", answerer_unit="Platform", answers=1),
        UnitCell(asker_unit="Unknown unit", answerer_unit="Unknown unit", answers=1),
    ]


# Meetings ------------------------------------------------------------------------


def test_meetings_held_count_ended_scheduled_meetings_their_rsvps_and_attendance(place, period):
    series = MeetingSeriesFactory(community=place)

    def meeting(ended_days_ago, status=OccurrenceStatus.SCHEDULED):
        end = ago(ended_days_ago)
        return OccurrenceFactory(series=series, starts_at=end - timedelta(hours=1), ends_at=end, status=status)

    held = meeting(5)
    for response, attended in (
        (RsvpResponse.GOING, True),
        (RsvpResponse.GOING, False),
        (RsvpResponse.MAYBE, True),
        (RsvpResponse.NOT_GOING, None),
    ):
        RsvpFactory(occurrence=held, response=response, attended=attended)
    RsvpFactory(occurrence=meeting(12), response=RsvpResponse.GOING)  # attendance not recorded
    RsvpFactory(occurrence=meeting(8, OccurrenceStatus.CANCELLED), response=RsvpResponse.GOING)
    RsvpFactory(occurrence=meeting(-7), response=RsvpResponse.GOING)  # next week
    RsvpFactory(occurrence=meeting(40), response=RsvpResponse.MAYBE)  # last period, none recorded

    _, values = figures(place, period)

    assert values["meetings_held"] == (2, 1)
    assert values["meeting_rsvps"] == (4, 1)
    assert values["meeting_attended"] == (2, None)


# Charter -------------------------------------------------------------------------


def test_charter_figures_count_days_since_the_version_in_force_was_approved(place, period):
    charter = CharterFactory(community=place)
    CharterVersionFactory(charter=charter, number=1, status=VersionStatus.APPROVED, reviewed_at=ago(100))
    current = CharterVersionFactory(
        charter=charter, number=2, status=VersionStatus.APPROVED, reviewed_at=ago(10, hours=5),
        revisit_by=date(2026, 9, 1),
    )
    charter.approved_version = current
    charter.save()
    first = ObjectiveFactory(charter=charter, title="Answer within a day", position=1)
    retired = ObjectiveFactory(charter=charter, title="Old aim", position=0, is_retired=True)
    ObjectiveFactory(charter=charter, title="Meet monthly", position=2)
    for objective in (first, first, retired):
        ValueStoryFactory(community=place, objective=objective)
    ValueStoryFactory(community=place, horizon=Horizon.LONG, beneficiary=Beneficiary.MEMBERS)

    health, values = figures(place, period)

    assert values["days_since_approval"] == (10, 70)
    assert health.revisit_by == date(2026, 9, 1)
    assert [(o.title, o.stories, o.is_retired) for o in health.objectives] == [
        ("Answer within a day", 2, False),
        ("Meet monthly", 0, False),
        ("Old aim", 1, True),
    ]
    cells = {(c["horizon"], c["beneficiary"]): c["count"] for row in health.value_matrix for c in row["cells"]}
    assert cells[(Horizon.SHORT, Beneficiary.ORGANISATION)] == 3
    assert cells[(Horizon.LONG, Beneficiary.MEMBERS)] == 1


def test_a_charter_first_approved_this_period_has_no_previous_figure(place, period):
    charter = CharterFactory(community=place)
    version = CharterVersionFactory(charter=charter, status=VersionStatus.APPROVED, reviewed_at=ago(3))
    CharterVersionFactory(charter=charter, number=version.number + 1)  # in review: not in force
    charter.approved_version = version
    charter.save()

    _, values = figures(place, period)

    assert values["days_since_approval"] == (3, None)


# Weekly series -----------------------------------------------------------------


def test_the_weekly_series_has_monday_weeks_over_at_least_twelve_weeks(place, period):
    health, _ = figures(place, period)

    weeks = [point.week_start for point in health.weekly]
    assert weeks[0] == date(2025, 12, 8)  # the Monday before 12 weeks ago (Wed 10 Dec)
    assert weeks[-1] == date(2026, 3, 2)  # this week
    assert len(weeks) == 13
    assert all(w.weekday() == 0 for w in weeks)
    assert all(b - a == timedelta(weeks=1) for a, b in zip(weeks, weeks[1:], strict=False))


def test_a_year_has_a_point_for_every_week(place):
    health = community_health(place, period=period_for(365, now=NOW), now=NOW)

    assert health.weekly[0].week_start == date(2025, 3, 3)
    assert len(health.weekly) == 53


def test_weeks_are_utc_weeks_whatever_zone_the_viewer_is_in(place, period):
    ask(place, UserFactory(), datetime(2026, 2, 22, 23, 30, tzinfo=UTC))  # Sunday night in UTC

    with timezone.override("Pacific/Auckland"):  # already Monday there
        health, _ = figures(place, period)

    by_week = {point.week_start: point.values["asked"] for point in health.weekly}
    assert (by_week[date(2026, 2, 16)], by_week[date(2026, 2, 23)]) == (1, 0)


def test_the_weekly_series_counts_asked_first_answered_and_active_people(place, period):
    asker, helper, voter = UserFactory(), UserFactory(), UserFactory()
    monday = datetime(2026, 2, 23, 0, 0, tzinfo=UTC)
    first = ask(place, asker, monday + timedelta(hours=1))
    reply(first, helper, monday + timedelta(days=6, hours=23))  # Sunday night: same week
    second = ask(place, asker, monday + timedelta(days=2))
    answer = reply(second, helper, monday + timedelta(days=8))  # next week
    reply(second, helper, monday + timedelta(days=9))  # a second reply: not first
    HelpfulVoteFactory(reply=answer, user=voter, created_at=monday + timedelta(days=8))
    ask(place, voter, datetime(2025, 12, 9, tzinfo=UTC))  # first week shown
    ask(place, voter, datetime(2025, 12, 7, tzinfo=UTC))  # before it: not shown

    health, _ = figures(place, period)

    by_week = {point.week_start: point.values for point in health.weekly}
    assert by_week[date(2026, 2, 23)] == {"asked": 2, "answered": 1, "active": 2}
    assert by_week[date(2026, 3, 2)] == {"asked": 0, "answered": 1, "active": 2}
    assert by_week[date(2025, 12, 8)] == {"asked": 1, "answered": 0, "active": 1}
    assert sum(v["asked"] for v in by_week.values()) == 3
