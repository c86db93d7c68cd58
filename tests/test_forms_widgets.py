"""The shared date and time widgets render what browsers accept, whatever the locale."""

import datetime as dt

import pytest
import time_machine
from django import forms
from django.utils import translation

from core.forms import (
    IsoDateInput,
    IsoDateTimeInput,
    IsoTimeInput,
    SaneDateField,
    Textarea,
    too_long_message,
)


class Sample(forms.Form):
    day = SaneDateField(required=False)
    at = forms.TimeField(required=False, widget=IsoTimeInput())
    moment = forms.DateTimeField(required=False, widget=IsoDateTimeInput())
    note = forms.CharField(required=False, max_length=5, error_messages=too_long_message(5))


@pytest.fixture(autouse=True)
def british():
    # en-gb is the project's language, and the one whose first date format is 02/05/2027.
    with translation.override("en-gb"):
        yield


def test_a_date_renders_as_iso_not_in_the_locales_format():
    html = IsoDateInput().render("day", dt.date(2027, 5, 2))

    assert 'type="date"' in html
    assert 'value="2027-05-02"' in html


def test_a_time_renders_as_hours_and_minutes():
    html = IsoTimeInput().render("at", dt.time(9, 5, 30))

    assert 'type="time"' in html
    assert 'value="09:05"' in html


def test_a_date_and_time_renders_as_a_datetime_local_value():
    html = IsoDateTimeInput().render("moment", dt.datetime(2027, 5, 2, 14, 30, tzinfo=dt.UTC))

    assert 'type="datetime-local"' in html
    assert 'value="2027-05-02T14:30"' in html


def test_an_empty_value_renders_no_value_attribute():
    assert "value=" not in IsoDateInput().render("day", None)


def test_what_the_browser_sent_comes_back_in_the_form_and_parses():
    form = Sample({"day": "2027-05-02", "at": "09:05", "moment": "2027-05-02T14:30"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2027, 5, 2)
    assert form.cleaned_data["moment"] == dt.datetime(
        2027, 5, 2, 14, 30, tzinfo=form.cleaned_data["moment"].tzinfo
    )
    assert 'value="2027-05-02"' in str(form["day"])


@time_machine.travel(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "1975-12-31", "2077-01-01"])
def test_a_date_far_from_today_is_refused_with_the_years_that_are_accepted(typed):
    form = Sample({"day": typed})

    assert not form.is_valid()
    assert form.errors["day"] == ["Pick a date between the years 1976 and 2076."]


@time_machine.travel(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("typed", ["1976-01-01", "2076-12-31"])
def test_the_edge_years_are_accepted(typed):
    assert Sample({"day": typed}).is_valid()


@time_machine.travel(dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC), tick=False)
def test_the_date_picker_offers_only_the_accepted_years():
    html = str(Sample()["day"])

    assert 'min="1976-01-01"' in html
    assert 'max="2076-12-31"' in html


def test_a_text_too_long_says_the_limit_and_its_length():
    form = Sample({"note": "abcdefgh"})

    assert not form.is_valid()
    assert form.errors["note"] == ["Keep this to 5 characters or fewer; it has 8 now."]


def test_a_textareas_line_breaks_from_the_browser_are_stored_as_newlines():
    class Note(forms.Form):
        text = forms.CharField(widget=Textarea())

    form = Note({"text": "one\r\ntwo\rthree\nfour"})

    assert form.is_valid()
    assert form.cleaned_data["text"] == "one\ntwo\nthree\nfour"
