"""In Chromium, the edit forms with date, time and select widgets save back exactly what they show.

The editor opens the form, touches nothing and clicks save: the database must be
as it was. This is the browser's own reading of the values (a date input drops a
value that is not ISO), which the HTML-level test in tests/test_edit_forms_roundtrip.py
imitates.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from communities.models import Role
from meetings.services.series import series_create
from tests.charter.factories import CharterFactory, ObjectiveFactory
from tests.dbstate import changed_tables, database_state
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, sign_in

pytestmark = pytest.mark.e2e

TEXT = "First line.\n\n- a point\n- another"


@pytest.fixture
def cast(transactional_db):
    community = CommunityFactory(name="Python Practitioners", slug="python-practitioners")
    moderator = UserFactory(
        display_name="Aisha Bello", email="aisha@example.org", timezone="Europe/London"
    )
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    return community, moderator


def save_untouched(page: Page, journey: Journey, step: str, button: str, then: str) -> None:
    journey.check(page, step)
    before = database_state()
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text(then)).to_be_visible()
    assert changed_tables(before, database_state()) == {}


def test_saving_the_charter_draft_untouched_keeps_every_target_date(page: Page, cast):
    community, moderator = cast
    today = timezone.localdate()
    charter = CharterFactory(
        community=community, vision=TEXT, strategy=TEXT, revisit_by=today + dt.timedelta(days=200)
    )
    ObjectiveFactory(
        charter=charter, position=0, title="Same-day help", target_date=dt.date(2027, 5, 2)
    )
    ObjectiveFactory(charter=charter, position=1, title="A clinic a fortnight", target_date=None)
    ObjectiveFactory(
        charter=charter, position=2, title="Ten talks", target_date=today + dt.timedelta(days=90)
    )
    journey = Journey("roundtrip-charter")
    sign_in(page, moderator.email)

    page.goto(f"/c/{community.slug}/charter/draft/")

    # What the browser holds is the date, not an empty box.
    expect(page.locator("input[name='objectives-0-target_date']")).to_have_value("2027-05-02")
    expect(page.get_by_label("Revisit by")).to_have_value(
        (today + dt.timedelta(days=200)).isoformat()
    )
    save_untouched(page, journey, "edit-draft", "Save draft", "Draft saved.")


def _series(community, moderator, **overrides):
    fields = {
        "community": community,
        "by": moderator,
        "title": "Python clinic",
        "description": TEXT,
        "room": "Room 4.02 Lovelace",
        "address": "Clerkenwell office, London",
        "online_url": "https://meet.example.org/python",
        "time_zone": "Europe/London",
        "start_date": timezone.localdate() + dt.timedelta(days=3),
        "start_time": dt.time(12, 30),
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6",
        "capacity": 12,
    }
    fields.update(overrides)
    return series_create(**fields)


@pytest.mark.parametrize(
    "rrule",
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=6", "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270630T235959"],
    ids=["weekly", "monthly-until"],
)
def test_saving_a_meeting_series_untouched_changes_nothing(page: Page, cast, rrule):
    community, moderator = cast
    series = _series(community, moderator, rrule=rrule)
    journey = Journey(f"roundtrip-series-{rrule[:12].lower().replace('=', '-')}")
    sign_in(page, moderator.email)

    page.goto(f"/c/{community.slug}/meetings/series/{series.pk}/edit/")

    expect(page.get_by_label("Start time")).to_have_value("12:30")
    expect(page.get_by_label("Date of the first meeting")).to_have_value(
        series.start_date.isoformat()
    )
    save_untouched(page, journey, "edit-series", "Save the series", "Nothing changed.")


def test_moving_a_meeting_without_touching_the_form_changes_nothing(page: Page, cast):
    community, moderator = cast
    occurrence = _series(community, moderator).occurrences.order_by("starts_at").first()
    journey = Journey("roundtrip-move")
    sign_in(page, moderator.email)

    page.goto(f"/c/{community.slug}/meetings/{occurrence.pk}/move/")

    expect(page.get_by_label("Start time")).to_have_value("12:30")
    save_untouched(
        page,
        journey,
        "move-meeting",
        "Move the meeting",
        "That is when and where the meeting already is.",
    )
