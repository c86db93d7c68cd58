"""The series form counts only the weekdays the person ticks, shows ISO dates and keeps to sane years."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from meetings.models import MeetingSeries
from tests.meetings.test_series_views import form_data, weekly_series

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)  # a Thursday; the default start is 8 January


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create_url(community):
    return reverse("meetings:series_create", args=[community.slug])


def test_a_new_series_ticks_no_weekday_for_the_person(client, community, core):
    client.force_login(core)

    response = client.get(create_url(community))

    assert response.context["form"]["weekdays"].value() in (None, [])
    assert 'name="weekdays" value="3" checked' not in response.content.decode()
    assert 'value="2026-01-08"' in response.content.decode()


def test_ticking_tuesday_with_a_thursday_start_meets_on_tuesday_only(client, community, core):
    client.force_login(core)

    response = client.post(
        create_url(community), form_data(start_date="2026-01-08", weekdays=["1"])
    )

    series = MeetingSeries.objects.get()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "“Show and tell” is scheduled: every week on Tuesday. Members can now answer."
    ]


def test_the_form_says_what_an_empty_weekday_choice_means(client, community, core):
    client.force_login(core)

    html = client.get(create_url(community)).content.decode()

    assert "Leave them all empty to meet on the weekday of the first meeting." in html


@pytest.mark.parametrize(
    ("field", "typed"),
    [("start_date", "0001-01-01"), ("start_date", "9999-01-01"), ("until", "9999-12-31")],
)
def test_a_date_in_an_absurd_year_is_refused_with_a_message(client, community, core, field, typed):
    client.force_login(core)

    response = client.post(create_url(community), form_data(**{field: typed, "ends": "on"}))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        "Pick a date between the years 1976 and 2076."
    ]
    assert not MeetingSeries.objects.exists()


def test_the_edit_form_of_a_rule_without_weekdays_shows_the_day_it_meets_ticked(
    client, community, moderator
):
    series = weekly_series(community, moderator, rrule="FREQ=WEEKLY")
    MeetingSeries.objects.filter(pk=series.pk).update(rrule="FREQ=WEEKLY")
    client.force_login(moderator)

    response = client.get(reverse("meetings:series_edit", args=[community.slug, series.pk]))

    assert response.context["form"]["weekdays"].value() == ["3"]  # 8 January 2026, a Thursday
