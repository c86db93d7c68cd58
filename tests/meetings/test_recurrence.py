"""Recurrence rules, their plain-English description, and the rolling window of occurrences."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import MeetingSeries, Occurrence, OccurrenceStatus
from meetings.services import recurrence
from meetings.services.recurrence import Ends, Repeat, build_rrule, describe, parse_rrule
from tests.factories import CommunityFactory
from tests.meetings.factories import MeetingSeriesFactory

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def starts(series: MeetingSeries) -> list[dt.datetime]:
    return list(series.occurrences.order_by("starts_at").values_list("starts_at", flat=True))


def make_series(
    *, rrule: str, start_date: dt.date, start_time=dt.time(9, 30), zone="Europe/Amsterdam", **kw
):
    return MeetingSeriesFactory(
        rrule=rrule, start_date=start_date, start_time=start_time, time_zone=zone, **kw
    )


# Building rules from the form's choices ------------------------------------------------


def test_a_one_off_has_no_rule():
    assert build_rrule(repeat=Repeat.NONE) == ""


def test_weekly_on_chosen_weekdays():
    assert build_rrule(repeat=Repeat.WEEKLY, weekdays=[3, 1]) == "FREQ=WEEKLY;BYDAY=TU,TH"


def test_every_two_weeks_until_the_end_of_a_local_day():
    rule = build_rrule(
        repeat=Repeat.WEEKLY, interval=2, weekdays=[1], ends=Ends.ON, until=dt.date(2027, 6, 30)
    )

    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270630T235959"


def test_monthly_on_the_second_tuesday_and_the_last_friday():
    assert build_rrule(repeat=Repeat.MONTHLY, nth=2, weekday=1) == "FREQ=MONTHLY;BYDAY=2TU"
    assert (
        build_rrule(repeat=Repeat.MONTHLY, nth=-1, weekday=4, ends=Ends.AFTER, count=6)
        == "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"
    )


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"repeat": Repeat.WEEKLY, "interval": 0, "weekdays": [1]}, "Repeat every 1 to 52 weeks."),
        ({"repeat": Repeat.MONTHLY, "interval": 13, "nth": 1}, "Repeat every 1 to 12 months."),
        (
            {"repeat": Repeat.MONTHLY, "nth": 5},
            "Choose the first, second, third, fourth or last weekday.",
        ),
        (
            {"repeat": Repeat.WEEKLY, "weekdays": [1], "ends": Ends.ON},
            "Give the date of the last meeting.",
        ),
        (
            {"repeat": Repeat.WEEKLY, "weekdays": [1], "ends": Ends.AFTER, "count": 0},
            "End after 1 to 500 meetings.",
        ),
        ({"repeat": "daily"}, "Choose how the meeting repeats."),
    ],
)
def test_impossible_choices_are_refused_with_a_reason(choices, message):
    with pytest.raises(recurrence.ValidationError) as error:
        build_rrule(**choices)

    assert error.value.messages == [message]


# Reading rules back and describing them ------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270630T235959",
        "FREQ=MONTHLY;BYDAY=2TU;COUNT=10",
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR",
    ],
)
def test_a_rule_survives_the_round_trip_through_the_form(rule):
    assert parse_rrule(rule).to_rrule() == rule


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270630T235959",
            "Every 2 weeks on Tuesday, until 30 June 2027",
        ),
        ("FREQ=WEEKLY;BYDAY=TU,TH", "Every week on Tuesday and Thursday"),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6",
            "Every week on Monday, Wednesday and Friday, 6 times",
        ),
        ("FREQ=MONTHLY;BYDAY=2TU", "Every month on the second Tuesday"),
        ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR", "Every 3 months on the last Friday"),
        ("FREQ=WEEKLY", "Every week on Wednesday"),  # the start date's weekday
        ("", "Once, on Wednesday 4 March 2026"),
    ],
)
def test_a_rule_reads_as_plain_english(rule, text):
    assert describe(rule, start_date=dt.date(2026, 3, 4)) == text


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=MINUTELY",
        "FREQ=WEEKLY;BYHOUR=9,10",
        "FREQ=WEEKLY;UNTIL=20270630T235959Z",
        "FREQ=WEEKLY;UNTIL=20270630;COUNT=3",
        "FREQ=MONTHLY;BYDAY=TU",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=WEEKLY;INTERVAL=x",
        "nonsense",
    ],
)
def test_rules_we_do_not_write_are_refused(rule):
    with pytest.raises(ValueError):
        parse_rrule(rule)
    with pytest.raises(recurrence.ValidationError):
        recurrence.validate_rule(rule, start_date=dt.date(2026, 3, 4))
    assert describe(rule) == f"Repeats ({rule})"


def test_a_bare_weekly_rule_is_normalised_to_name_its_weekday():
    assert (
        recurrence.normalise_rrule("FREQ=WEEKLY", start_date=dt.date(2026, 3, 3))
        == "FREQ=WEEKLY;BYDAY=TU"
    )


# Evaluating rules in the series' time zone ---------------------------------------------


@pytest.mark.django_db
@time_machine.travel(utc(2026, 3, 1, 12), tick=False)
def test_weekly_meetings_keep_their_local_time_across_the_spring_change_in_amsterdam():
    series = make_series(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3", start_date=dt.date(2026, 3, 24))

    recurrence.extend_series(series)

    # Clocks go forward on Sunday 29 March: 09:30 CET is 08:30 UTC, 09:30 CEST is 07:30 UTC.
    assert starts(series) == [
        utc(2026, 3, 24, 8, 30),
        utc(2026, 3, 31, 7, 30),
        utc(2026, 4, 7, 7, 30),
    ]
    assert {s.astimezone(series.zone).time() for s in starts(series)} == {dt.time(9, 30)}


@pytest.mark.django_db
@time_machine.travel(utc(2026, 9, 1, 12), tick=False)
def test_weekly_meetings_keep_their_local_time_across_the_autumn_change_in_amsterdam():
    series = make_series(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=2", start_date=dt.date(2026, 10, 20))

    recurrence.extend_series(series)

    # Clocks go back on Sunday 25 October.
    assert starts(series) == [utc(2026, 10, 20, 7, 30), utc(2026, 10, 27, 8, 30)]


@pytest.mark.django_db
@time_machine.travel(utc(2026, 2, 1, 12), tick=False)
def test_weekly_meetings_keep_their_local_time_across_both_changes_in_new_york():
    spring = make_series(
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2",
        start_date=dt.date(2026, 3, 2),
        start_time=dt.time(18, 0),
        zone="America/New_York",
    )
    autumn = make_series(
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2",
        start_date=dt.date(2026, 10, 26),
        start_time=dt.time(18, 0),
        zone="America/New_York",
    )

    with time_machine.travel(utc(2026, 2, 1, 12), tick=False):
        recurrence.extend_series(spring)
    with time_machine.travel(utc(2026, 9, 1, 12), tick=False):
        recurrence.extend_series(autumn)

    # 8 March: EST (-5) to EDT (-4); 1 November: back to EST.
    assert starts(spring) == [utc(2026, 3, 2, 23), utc(2026, 3, 9, 22)]
    assert starts(autumn) == [utc(2026, 10, 26, 22), utc(2026, 11, 2, 23)]


@pytest.mark.django_db
@time_machine.travel(utc(2026, 3, 1, 12), tick=False)
def test_a_meeting_in_the_spring_forward_gap_starts_after_the_gap():
    """02:30 does not exist on 29 March in Amsterdam: read with the offset before the gap (RFC 5545)."""
    series = make_series(rrule="", start_date=dt.date(2026, 3, 29), start_time=dt.time(2, 30))

    recurrence.extend_series(series)

    (start,) = starts(series)
    assert start == utc(2026, 3, 29, 1, 30)
    assert start.astimezone(series.zone).time() == dt.time(3, 30)


@pytest.mark.django_db
@time_machine.travel(utc(2026, 9, 1, 12), tick=False)
def test_a_meeting_in_the_repeated_autumn_hour_is_the_first_of_the_two():
    series = make_series(rrule="", start_date=dt.date(2026, 10, 25), start_time=dt.time(2, 30))

    recurrence.extend_series(series)

    assert starts(series) == [utc(2026, 10, 25, 0, 30)]  # 02:30 CEST, not 02:30 CET


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 12), tick=False)
def test_every_two_weeks():
    series = make_series(
        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3", start_date=dt.date(2026, 1, 6), zone="UTC"
    )

    recurrence.extend_series(series)

    assert [s.date() for s in starts(series)] == [
        dt.date(2026, 1, 6),
        dt.date(2026, 1, 20),
        dt.date(2026, 2, 3),
    ]


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 12), tick=False)
def test_monthly_on_the_second_tuesday():
    series = make_series(rrule="FREQ=MONTHLY;BYDAY=2TU", start_date=dt.date(2026, 1, 1), zone="UTC")

    recurrence.extend_series(series)

    # 120 days from 1 January: January to April.
    assert [s.date() for s in starts(series)] == [
        dt.date(2026, 1, 13),
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 10),
        dt.date(2026, 4, 14),
    ]


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 12), tick=False)
def test_monthly_on_the_last_friday():
    series = make_series(
        rrule="FREQ=MONTHLY;BYDAY=-1FR", start_date=dt.date(2026, 1, 1), zone="UTC"
    )

    recurrence.extend_series(series)

    assert [s.date() for s in starts(series)] == [
        dt.date(2026, 1, 30),
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 27),
        dt.date(2026, 4, 24),
    ]


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 12), tick=False)
def test_until_keeps_a_meeting_on_the_last_date_and_none_after():
    series = make_series(
        rrule=build_rrule(
            repeat=Repeat.WEEKLY, weekdays=[3], ends=Ends.ON, until=dt.date(2026, 1, 22)
        ),
        start_date=dt.date(2026, 1, 8),
        start_time=dt.time(23, 30),  # late in the day: the whole last date counts
    )

    recurrence.extend_series(series)

    assert [s.astimezone(series.zone).date() for s in starts(series)] == [
        dt.date(2026, 1, 8),
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 22),
    ]


@pytest.mark.django_db
def test_count_counts_from_the_first_meeting_not_from_each_run():
    series = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3", start_date=dt.date(2026, 1, 6), zone="UTC"
    )

    with time_machine.travel(utc(2026, 1, 1), tick=False):
        assert recurrence.extend_series(series) == 3
    with time_machine.travel(utc(2026, 3, 1), tick=False):
        assert recurrence.extend_series(series) == 0

    assert series.occurrences.count() == 3


# The rolling window ----------------------------------------------------------------------


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 12), tick=False)
def test_extending_makes_each_meeting_once_with_the_series_community():
    series = make_series(rrule="FREQ=WEEKLY;BYDAY=TH", start_date=dt.date(2026, 1, 1), zone="UTC")

    first = recurrence.extend_series(series)
    again = recurrence.extend_series(series)

    assert first == 17  # Thursdays from 8 January to 30 April (now + 120 days); 1 January's is over
    assert again == 0
    assert series.occurrences.count() == 17
    assert set(series.occurrences.values_list("community_id", flat=True)) == {series.community_id}
    assert all(
        o.ends_at - o.starts_at == dt.timedelta(minutes=60) for o in series.occurrences.all()
    )
    series.refresh_from_db()
    assert series.generated_until == utc(2026, 5, 1, 12)


@pytest.mark.django_db
def test_the_window_ends_exactly_at_now_plus_the_window_days(settings):
    settings.MEETINGS_WINDOW_DAYS = 14
    series = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TH",
        start_date=dt.date(2026, 1, 1),
        start_time=dt.time(12),
        zone="UTC",
    )

    with time_machine.travel(utc(2026, 1, 1, 12), tick=False):
        recurrence.extend_series(series)
    # 15 January 12:00 is exactly 14 days ahead: inside.
    assert starts(series) == [utc(2026, 1, 1, 12), utc(2026, 1, 8, 12), utc(2026, 1, 15, 12)]

    series.occurrences.all().delete()
    with time_machine.travel(utc(2026, 1, 1, 12, 0, 1), tick=False):
        recurrence.extend_series(series)
    # A second later, 15 January is inside but 1 January 12:00 has started and is still under way.
    assert starts(series) == [utc(2026, 1, 1, 12), utc(2026, 1, 8, 12), utc(2026, 1, 15, 12)]

    with time_machine.travel(utc(2026, 1, 8, 11, 59, 59), tick=False):
        assert recurrence.extend_series(series) == 0  # 22 January 12:00 is a second outside
    with time_machine.travel(utc(2026, 1, 8, 12), tick=False):
        assert recurrence.extend_series(series) == 1
    assert starts(series)[-1] == utc(2026, 1, 22, 12)


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1, 14), tick=False)
def test_a_meeting_that_is_over_is_not_created():
    series = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TH",
        start_date=dt.date(2026, 1, 1),
        start_time=dt.time(12),
        zone="UTC",
    )

    recurrence.extend_series(series)

    assert starts(series)[0] == utc(2026, 1, 8, 12)


@pytest.mark.django_db
def test_a_cancelled_meeting_is_never_recreated():
    series = make_series(rrule="FREQ=WEEKLY;BYDAY=TH", start_date=dt.date(2026, 1, 1), zone="UTC")
    with time_machine.travel(utc(2026, 1, 1), tick=False):
        recurrence.extend_series(series)
    cancelled = series.occurrences.get(starts_at__date=dt.date(2026, 1, 15))
    cancelled.status = OccurrenceStatus.CANCELLED
    cancelled.save()

    with time_machine.travel(utc(2026, 1, 2), tick=False):
        recurrence.extend_series(series)
        recurrence.extend_all()

    on_that_day = series.occurrences.filter(original_start__date=dt.date(2026, 1, 15))
    assert list(on_that_day.values_list("status", flat=True)) == [OccurrenceStatus.CANCELLED]


@pytest.mark.django_db
def test_a_moved_meeting_is_not_recreated_on_its_old_date():
    series = make_series(rrule="FREQ=WEEKLY;BYDAY=TH", start_date=dt.date(2026, 1, 1), zone="UTC")
    with time_machine.travel(utc(2026, 1, 1), tick=False):
        recurrence.extend_series(series)
    moved = series.occurrences.get(starts_at__date=dt.date(2026, 1, 15))
    moved.starts_at += dt.timedelta(days=1)
    moved.ends_at += dt.timedelta(days=1)
    moved.save()

    with time_machine.travel(utc(2026, 1, 8), tick=False):
        assert recurrence.extend_series(series) == 1  # only 7 May, new at the end of the window

    assert not series.occurrences.filter(starts_at__date=dt.date(2026, 1, 15)).exists()
    assert series.occurrences.get(
        original_start__date=dt.date(2026, 1, 15)
    ).starts_at.date() == dt.date(2026, 1, 16)


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1), tick=False)
def test_an_ended_series_gets_no_new_meetings():
    series = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TH", start_date=dt.date(2026, 1, 1), zone="UTC", is_active=False
    )

    assert recurrence.extend_series(series) == 0
    assert recurrence.extend_all() == 0
    assert not series.occurrences.exists()


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1), tick=False)
def test_extend_all_covers_active_series_of_live_unarchived_communities_only():
    live = make_series(rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=2", start_date=dt.date(2026, 1, 1))
    archived = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=2",
        start_date=dt.date(2026, 1, 1),
        community=CommunityFactory(is_archived=True),
    )
    proposed = make_series(
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=2",
        start_date=dt.date(2026, 1, 1),
        community=CommunityFactory(status="proposed"),
    )

    assert recurrence.extend_all() == 2

    assert live.occurrences.count() == 2
    assert not archived.occurrences.exists()
    assert not proposed.occurrences.exists()
    assert recurrence.extend_all() == 0


@pytest.mark.django_db
@time_machine.travel(utc(2026, 1, 1), tick=False)
def test_extend_all_takes_the_same_queries_for_2_series_as_for_20():
    """Guards a query (or more) per series: existing meetings are read, and new ones written, per batch.

    Inserts are left out of the count: a bulk insert is split by the database's limit on
    parameters (about 80 rows a statement on SQLite), so their number follows the rows made.
    """

    def queries_for(n: int) -> int:
        for _ in range(n):
            make_series(rrule="FREQ=WEEKLY;BYDAY=TH", start_date=dt.date(2026, 1, 1), zone="UTC")
        with CaptureQueriesContext(connection) as captured:
            created = recurrence.extend_all()
        assert created == 18 * n
        return len([q for q in captured.captured_queries if not q["sql"].startswith("INSERT")])

    few = queries_for(2)
    Occurrence.objects.all().delete()
    MeetingSeries.objects.all().delete()
    many = queries_for(20)

    assert few == many
