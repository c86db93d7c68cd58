"""The meetings list, series pages, scheduling and changing a series, ending it, reminder settings."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from communities.models import Role
from meetings.models import MeetingSeries, OccurrenceStatus
from meetings.services.series import series_create
from tests.factories import CommunityFactory, MembershipFactory

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def weekly_series(community, organiser, **overrides):
    fields = {
        "community": community,
        "by": organiser,
        "title": "Practice hour",
        "description": "Bring a **problem**.",
        "room": "Room 4.12",
        "address": "North building",
        "online_url": "https://meet.example.org/practice",
        "time_zone": "Europe/Amsterdam",
        "start_date": dt.date(2026, 1, 8),
        "start_time": dt.time(9, 30),
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;UNTIL=20260630T235959",
    }
    fields.update(overrides)
    return series_create(**fields)


def form_data(**overrides) -> dict:
    data = {
        "title": "Show and tell",
        "description": "Ten minutes each.",
        "room": "Room 2.01",
        "address": "",
        "online_url": "",
        "time_zone": "Europe/Amsterdam",
        "start_date": "2026-01-13",
        "start_time": "16:00",
        "duration_minutes": "45",
        "repeat": "weekly",
        "interval": "1",
        "weekdays": ["1"],
        "nth": "1",
        "month_weekday": "1",
        "ends": "never",
        "until": "",
        "count": "",
        "capacity": "",
    }
    data.update(overrides)
    return data


# The list --------------------------------------------------------------------------------


def test_the_list_shows_upcoming_meetings_in_the_viewers_time_zone(
    client, community, moderator, member
):
    member.timezone = "America/New_York"
    member.save()
    weekly_series(community, moderator)
    client.force_login(member)

    response = client.get(reverse("meetings:list", args=[community.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Times are in your time zone, America/New_York." in html
    assert "Thu 8 Jan 2026, 03:30–04:30" in html  # 09:30 in Amsterdam
    assert (
        "Every 2 weeks on Thursday, until 30 June 2026, 09:30–10:30 Europe/Amsterdam time" in html
    )
    assert "Schedule a meeting" not in html
    assert "Choose when reminders go out" not in html


@pytest.mark.parametrize("persona", ["core", "moderator", "site_admin"])
def test_managers_are_offered_to_schedule(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("meetings:list", args=[community.slug]))

    assert reverse("meetings:series_create", args=[community.slug]) in response.content.decode()


def test_moderators_are_offered_the_reminder_settings(client, community, moderator):
    client.force_login(moderator)

    response = client.get(reverse("meetings:list", args=[community.slug]))

    assert reverse("meetings:reminder_settings", args=[community.slug]) in response.content.decode()


def test_cancelled_and_moved_meetings_are_marked_in_words(client, community, moderator, member):
    series = weekly_series(community, moderator)
    first, second = series.occurrences.order_by("starts_at")[:2]
    first.status = OccurrenceStatus.CANCELLED
    first.cancel_reason = "The room is being painted."
    first.save()
    second.starts_at += dt.timedelta(hours=1)
    second.ends_at += dt.timedelta(hours=1)
    second.save()
    client.force_login(member)

    html = client.get(reverse("meetings:list", args=[community.slug])).content.decode()

    assert ">Cancelled<" in html
    assert "The room is being painted." in html
    assert ">Moved<" in html


def test_past_meetings_are_listed_latest_first(client, community, moderator, member, frozen):
    series = weekly_series(community, moderator)
    frozen.move_to(dt.datetime(2026, 2, 10, tzinfo=UTC))
    client.force_login(member)

    response = client.get(reverse("meetings:list", args=[community.slug]), {"past": "1"})

    past = list(response.context["page"].object_list)
    assert [o.starts_at.date() for o in past] == [
        dt.date(2026, 2, 5),
        dt.date(2026, 1, 22),
        dt.date(2026, 1, 8),
    ]
    assert all(o.series == series for o in past)
    assert "Past meetings" in response.content.decode()


def test_the_list_is_paginated(client, community, moderator, member):
    weekly_series(community, moderator, rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    client.force_login(member)

    first = client.get(reverse("meetings:list", args=[community.slug]))
    second = client.get(reverse("meetings:list", args=[community.slug]), {"page": 2})

    assert len(first.context["page"].object_list) == 20
    assert second.context["page"].number == 2
    assert (
        first.context["page"].object_list[0].starts_at
        < second.context["page"].object_list[0].starts_at
    )


def test_an_ended_series_leaves_the_list_with_its_cancelled_meetings(
    client, community, moderator, member
):
    from meetings.services.series import series_end

    series = weekly_series(community, moderator)
    series_end(series=series, by=moderator)
    client.force_login(member)

    response = client.get(reverse("meetings:list", args=[community.slug]))

    assert list(response.context["page"].object_list) == []
    assert response.context["series_list"] == []
    assert "No meeting is planned." in response.content.decode()


# Who may see -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, community):
    response = client.get(reverse("meetings:list", args=[community.slug]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_outsider_cannot_tell_a_private_communitys_meetings_exist(
    client, private_community, outsider, moderator
):
    series = weekly_series(private_community, moderator)
    client.force_login(outsider)

    assert client.get(reverse("meetings:list", args=[private_community.slug])).status_code == 404
    assert (
        client.get(reverse("meetings:series", args=[private_community.slug, series.pk])).status_code
        == 404
    )


def test_an_outsider_of_a_listed_community_may_not_read_its_meetings(client, outsider):
    listed = CommunityFactory(listed=True)

    client.force_login(outsider)

    assert client.get(reverse("meetings:list", args=[listed.slug])).status_code == 403


def test_a_series_of_another_community_is_not_found_under_this_one(client, community, moderator):
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere, user=moderator, role=Role.MODERATOR)
    theirs = weekly_series(elsewhere, moderator)
    client.force_login(moderator)

    for name in ("meetings:series", "meetings:series_edit"):
        assert client.get(reverse(name, args=[community.slug, theirs.pk])).status_code == 404
    assert (
        client.post(reverse("meetings:series_end", args=[community.slug, theirs.pk])).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.is_active


# The series page -------------------------------------------------------------------------


def test_the_series_page_shows_schedule_place_organiser_and_next_meetings(
    client, community, moderator, member
):
    series = weekly_series(community, moderator)
    client.force_login(member)

    response = client.get(reverse("meetings:series", args=[community.slug, series.pk]))

    html = response.content.decode()
    assert "Every 2 weeks on Thursday, until 30 June 2026" in html
    assert "Room 4.12, North building" in html
    assert "Max Moderator" in html
    assert "<strong>problem</strong>" in html
    assert len(response.context["upcoming"]) == 9  # every other Thursday in the 120-day window
    assert "Change the series" not in html
    assert "End this series" not in html


def test_managers_can_change_or_end_from_the_series_page(client, community, moderator, core):
    series = weekly_series(community, moderator)
    client.force_login(core)

    html = client.get(reverse("meetings:series", args=[community.slug, series.pk])).content.decode()

    assert reverse("meetings:series_edit", args=[community.slug, series.pk]) in html
    assert reverse("meetings:series_end", args=[community.slug, series.pk]) in html


# Scheduling ------------------------------------------------------------------------------


def test_the_form_starts_from_the_organisers_time_zone_and_the_communitys_room(
    client, community, core
):
    core.timezone = "Asia/Tokyo"
    core.save()
    community.meeting_room = "The big room"
    community.save()
    client.force_login(core)

    response = client.get(reverse("meetings:series_create", args=[community.slug]))

    form = response.context["form"]
    assert form["time_zone"].value() == "Asia/Tokyo"
    assert form["room"].value() == "The big room"
    assert '<option value="Asia/Tokyo" selected>' in response.content.decode()


def test_scheduling_a_weekly_meeting(client, community, core):
    client.force_login(core)

    response = client.post(
        reverse("meetings:series_create", args=[community.slug]),
        form_data(weekdays=["1", "3"], interval="2", ends="after", count="6", capacity="12"),
    )

    series = MeetingSeries.objects.get()
    assert response.status_code == 302
    assert response.url == series.get_absolute_url()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6"
    assert (series.organiser, series.capacity, series.duration_minutes) == (core, 12, 45)
    assert series.occurrences.count() == 6


def test_scheduling_a_monthly_meeting_on_the_last_friday(client, community, core):
    client.force_login(core)

    client.post(
        reverse("meetings:series_create", args=[community.slug]),
        form_data(repeat="monthly", nth="-1", month_weekday="4", ends="on", until="2026-04-30"),
    )

    series = MeetingSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260430T235959"
    assert [o.starts_at.date() for o in series.occurrences.all()] == [
        dt.date(2026, 1, 30),
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 27),
        dt.date(2026, 4, 24),
    ]


def test_scheduling_a_one_off_meeting(client, community, core):
    client.force_login(core)

    client.post(reverse("meetings:series_create", args=[community.slug]), form_data(repeat="none"))

    series = MeetingSeries.objects.get()
    assert series.rrule == ""
    assert series.occurrences.count() == 1


def test_a_weekly_meeting_without_weekdays_meets_on_the_first_meetings_weekday(
    client, community, core
):
    client.force_login(core)

    client.post(reverse("meetings:series_create", args=[community.slug]), form_data(weekdays=[]))

    assert (
        MeetingSeries.objects.get().rrule == "FREQ=WEEKLY;BYDAY=TU"
    )  # 13 January 2026 is a Tuesday


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"room": "", "online_url": ""},
            "room",
            "Say where you meet: a room, an online link, or both.",
        ),
        ({"ends": "on", "until": ""}, "until", "Give the date of the last meeting."),
        (
            {"ends": "on", "until": "2026-01-01"},
            "until",
            "The last meeting cannot be before the first one.",
        ),
        ({"ends": "after", "count": ""}, "count", "Give the number of meetings."),
        (
            {"duration_minutes": "2"},
            "duration_minutes",
            "Ensure this value is greater than or equal to 5.",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"online_url": "not a link at all"}, "online_url", "Enter a valid URL."),
        ({"capacity": "0"}, "capacity", "Ensure this value is greater than or equal to 1."),
        ({"repeat": "monthly", "interval": "13"}, "interval", "Repeat every 1 to 12 months."),
    ],
)
def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(
    client, community, core, overrides, field, message
):
    client.force_login(core)

    response = client.post(
        reverse("meetings:series_create", args=[community.slug]),
        form_data(title="Our typed title", description="Our *typed* notes", **overrides),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    assert 'value="Our typed title"' in html
    assert "Our *typed* notes" in html
    assert not MeetingSeries.objects.exists()


def test_a_refusal_from_the_service_comes_back_on_the_form(client, community, core):
    client.force_login(core)

    response = client.post(
        reverse("meetings:series_create", args=[community.slug]),
        form_data(repeat="none", start_date="2025-12-01", title="Too late"),
    )

    assert response.status_code == 200
    assert "This schedule has no meeting after now" in response.content.decode()
    assert 'value="Too late"' in response.content.decode()
    assert not MeetingSeries.objects.exists()


@pytest.mark.parametrize("persona", ["member", "sponsor", "outsider"])
def test_others_cannot_schedule(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    url = reverse("meetings:series_create", args=[community.slug])

    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    assert not MeetingSeries.objects.exists()


# Changing and ending ---------------------------------------------------------------------


def test_the_edit_form_shows_the_series_as_it_is(client, community, moderator):
    series = weekly_series(community, moderator)
    client.force_login(moderator)

    response = client.get(reverse("meetings:series_edit", args=[community.slug, series.pk]))

    form = response.context["form"]
    assert form["repeat"].value() == "weekly"
    assert form["interval"].value() == 2
    assert form["weekdays"].value() == ["3"]
    assert form["ends"].value() == "on"
    assert form["until"].value() == dt.date(2026, 6, 30)
    html = response.content.decode()
    assert 'value="09:30"' in html
    assert 'value="2026-01-08"' in html


def test_changing_the_time_of_a_series(client, community, moderator, core):
    series = weekly_series(community, moderator)
    client.force_login(core)

    response = client.post(
        reverse("meetings:series_edit", args=[community.slug, series.pk]),
        form_data(
            title="Practice hour",
            description="Bring a **problem**.",
            room="Room 4.12",
            address="North building",
            online_url="https://meet.example.org/practice",
            start_date="2026-01-08",
            start_time="10:00",
            duration_minutes="60",
            weekdays=["3"],
            interval="2",
            ends="on",
            until="2026-06-30",
        ),
    )

    assert response.status_code == 302
    series.refresh_from_db()
    assert series.start_time == dt.time(10)
    assert {o.starts_at.astimezone(series.zone).time() for o in series.occurrences.all()} == {
        dt.time(10)
    }


def test_a_bad_edit_keeps_what_was_typed_and_changes_nothing(client, community, moderator):
    series = weekly_series(community, moderator)
    client.force_login(moderator)

    response = client.post(
        reverse("meetings:series_edit", args=[community.slug, series.pk]),
        form_data(title="A new title I typed", room="", online_url=""),
    )

    assert response.status_code == 200
    assert 'value="A new title I typed"' in response.content.decode()
    series.refresh_from_db()
    assert series.title == "Practice hour"


def test_an_ended_series_cannot_be_edited(client, community, moderator):
    series = weekly_series(community, moderator)
    series.is_active = False
    series.save()
    client.force_login(moderator)

    response = client.get(reverse("meetings:series_edit", args=[community.slug, series.pk]))

    assert response.status_code == 302
    assert response.url == series.get_absolute_url()


def test_ending_a_series(client, community, moderator, core):
    series = weekly_series(community, moderator)
    client.force_login(core)

    response = client.post(reverse("meetings:series_end", args=[community.slug, series.pk]))

    assert response.status_code == 302
    assert response.url == reverse("meetings:list", args=[community.slug])
    series.refresh_from_db()
    assert not series.is_active
    assert not series.occurrences.filter(status=OccurrenceStatus.SCHEDULED).exists()


def test_ending_twice_says_so(client, community, moderator):
    series = weekly_series(community, moderator)
    client.force_login(moderator)
    client.post(reverse("meetings:series_end", args=[community.slug, series.pk]))

    response = client.post(
        reverse("meetings:series_end", args=[community.slug, series.pk]), follow=True
    )

    assert "This series has already ended." in response.content.decode()


def test_ending_is_a_post(client, community, moderator):
    series = weekly_series(community, moderator)
    client.force_login(moderator)

    assert (
        client.get(reverse("meetings:series_end", args=[community.slug, series.pk])).status_code
        == 405
    )


@pytest.mark.parametrize("persona", ["member", "sponsor"])
def test_members_cannot_change_or_end_a_series(client, request, community, moderator, persona):
    series = weekly_series(community, moderator)
    client.force_login(request.getfixturevalue(persona))

    assert (
        client.get(reverse("meetings:series_edit", args=[community.slug, series.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("meetings:series_end", args=[community.slug, series.pk])).status_code
        == 403
    )
    series.refresh_from_db()
    assert series.is_active


# Reminder settings -----------------------------------------------------------------------


def test_the_reminder_settings_show_the_current_choice(client, community, moderator):
    client.force_login(moderator)

    response = client.get(reverse("meetings:reminder_settings", args=[community.slug]))

    assert response.context["form"]["minutes"].value() == ["1440", "60"]
    assert "1 day before, 1 hour before" in response.content.decode()


def test_moderators_choose_reminders(client, community, moderator):
    client.force_login(moderator)

    response = client.post(
        reverse("meetings:reminder_settings", args=[community.slug]),
        {"minutes": ["60", "2880"], "other": "15"},
    )

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.reminder_minutes == [2880, 60, 15]


def test_moderators_can_turn_reminders_off(client, community, moderator):
    client.force_login(moderator)

    client.post(reverse("meetings:reminder_settings", args=[community.slug]), {})

    community.refresh_from_db()
    assert community.reminder_minutes == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"minutes": ["10", "30", "60", "120", "1440"]}, "Choose at most 4 reminders."),
        ({"other": "3"}, "Ensure this value is greater than or equal to 5."),
        ({"minutes": ["7"]}, "Select a valid choice."),
    ],
)
def test_impossible_reminders_are_refused_on_the_form(client, community, moderator, data, message):
    client.force_login(moderator)

    response = client.post(reverse("meetings:reminder_settings", args=[community.slug]), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    community.refresh_from_db()
    assert community.reminder_minutes == [1440, 60]


@pytest.mark.parametrize("persona", ["core", "member", "sponsor"])
def test_only_moderators_reach_the_reminder_settings(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    assert (
        client.get(reverse("meetings:reminder_settings", args=[community.slug])).status_code == 403
    )


# The community page ----------------------------------------------------------------------


def test_the_community_page_shows_the_next_meeting_to_readers(client, community, moderator, member):
    member.timezone = "Europe/Amsterdam"
    member.save()
    series = weekly_series(community, moderator, capacity=8)
    client.force_login(member)

    response = client.get(reverse("communities:detail", args=[community.slug]))

    html = response.content.decode()
    nxt = response.context["next_meeting"]
    assert nxt.series == series
    assert "Next meeting" in html
    assert "Thursday 8 January, 09:30–10:30" in html
    assert "Room 4.12, North building and online" in html
    assert "0 of 8 places" in html
    assert nxt.get_absolute_url() in html
    assert reverse("meetings:list", args=[community.slug]) in html


def test_the_community_page_says_when_nothing_is_planned(client, community, member):
    client.force_login(member)

    html = client.get(reverse("communities:detail", args=[community.slug])).content.decode()

    assert "No meeting is planned yet." in html


def test_anonymous_visitors_see_no_meetings_on_the_community_page(client, community, moderator):
    weekly_series(community, moderator)

    response = client.get(reverse("communities:detail", args=[community.slug]))

    assert "next_meeting" not in response.context
    assert "Next meeting" not in response.content.decode()
    assert reverse("meetings:list", args=[community.slug]) not in response.content.decode()


def test_a_meeting_under_way_is_the_next_meeting(client, community, moderator, member, frozen):
    weekly_series(community, moderator)
    frozen.move_to(dt.datetime(2026, 1, 8, 9, tzinfo=UTC))  # 10:00 in Amsterdam
    client.force_login(member)

    html = client.get(reverse("communities:detail", args=[community.slug])).content.decode()

    assert "Happening now" in html


def test_the_meetings_tab_is_in_the_community_nav_for_readers(client, community, member):
    client.force_login(member)

    html = client.get(reverse("meetings:list", args=[community.slug])).content.decode()

    assert (
        f'href="{reverse("meetings:list", args=[community.slug])}" aria-current="page">Meetings</a>'
        in html
    )
