"""Every edit form, opened by its editor and saved untouched, leaves the database as it was.

The form is read out of the page and submitted exactly as a browser would
(`tests.htmlforms`): a date input whose value a browser cannot hold goes back
empty, as it did when saving a charter draft wiped the objectives' target dates.
The whole database is compared before and after, so a save that rewrites a row
with the same words but a new `updated_at`, revision or audit event counts too.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from charter.models import Charter, Objective
from communities.models import Community
from discussions.services.posting import help_request_create, reply_create
from meetings.models import MeetingSeries, RsvpResponse
from meetings.services.occurrences import agenda_update, attendance_record, notes_update
from meetings.services.rsvp import rsvp_set
from meetings.services.series import reminder_settings_update, series_create
from tests.charter.drafts_support import fresh_charter
from tests.charter.factories import ObjectiveFactory
from tests.dbstate import changed_tables, database_state
from tests.factories import UnitFactory
from tests.htmlforms import form_in

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
# Text typed in a textarea has line breaks; browsers send them back as CRLF.
LINES = "First line.\n\n- a point\n- another"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def field_errors(response) -> dict:
    """The field errors of the forms the page was rendered with (a refusal as a whole is fine)."""
    errors = {}
    for context in response.context or []:
        for key in ("form", "formset"):
            form = context.get(key) if hasattr(context, "get") else None
            if form is None or not getattr(form, "is_bound", False):
                continue
            found = getattr(form, "errors", {})
            rows = found if isinstance(found, list) else [found]
            for row in rows:
                errors.update({k: v for k, v in row.items() if k != "__all__"})
    return errors


def round_trip(client, user, url: str, *, containing: str) -> None:
    client.force_login(user)
    before = database_state()

    page = client.get(url)
    assert page.status_code == 200
    form = form_in(page.content.decode(), containing=containing)
    response = client.post(form.action or url, form.data())

    assert response.status_code in (200, 302), response.status_code
    assert field_errors(response) == {}
    assert changed_tables(before, database_state()) == {}


# The forms --------------------------------------------------------------------------------


def test_the_charter_draft_with_dated_objectives_round_trips(client, community, moderator):
    charter = fresh_charter(
        community,
        purpose=LINES,
        vision=LINES,
        strategy=LINES,
        pitch="Come and learn.",
        revisit_by=dt.date(2027, 9, 1),
    )
    ObjectiveFactory(charter=charter, position=0, title="Onboard", target_date=dt.date(2027, 5, 2))
    ObjectiveFactory(
        charter=charter, position=1, title="Share", indicator="Ten posts", target_date=None
    )
    ObjectiveFactory(charter=charter, position=2, title="Teach", target_date=dt.date(2026, 12, 31))
    assert Objective.objects.filter(target_date__isnull=False).count() == 2

    round_trip(
        client,
        moderator,
        reverse("charter:edit", args=[community.slug]),
        containing="draft_revision",
    )


def test_the_charter_purpose_round_trips_for_the_sponsor(client, community, sponsor):
    fresh_charter(community, purpose=LINES, revisit_by=dt.date(2027, 9, 1))

    round_trip(
        client, sponsor, reverse("charter:edit", args=[community.slug]), containing="draft_revision"
    )
    assert Charter.objects.get().purpose == LINES


def test_the_profile_round_trips(client, member):
    member.bio = LINES
    member.unit = UnitFactory(name="Radiology")
    member.location = "Leeds"
    member.timezone = "Europe/London"
    member.save()
    member.expertise.set(["kubernetes", "wound care"])

    round_trip(client, member, reverse("accounts:profile_edit"), containing="display_name")


def test_the_community_settings_round_trip(client, community, moderator):
    Community.objects.filter(pk=community.pk).update(
        description=LINES, meeting_room="Room 4.12", meeting_url="https://meet.example.org/k8s"
    )
    community.tags.set(["kubernetes", "containers"])

    round_trip(
        client,
        moderator,
        reverse("communities:settings", args=[community.slug]),
        containing="tagline",
    )


def _series(community, organiser, **overrides) -> MeetingSeries:
    fields = {
        "community": community,
        "by": organiser,
        "title": "Practice hour",
        "description": LINES,
        "room": "Room 4.12",
        "address": "North building",
        "online_url": "https://meet.example.org/practice",
        "time_zone": "Europe/Amsterdam",
        "start_date": dt.date(2026, 3, 5),
        "start_time": dt.time(9, 30),
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20260630T235959",
        "capacity": 12,
    }
    fields.update(overrides)
    return series_create(**fields)


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20260630T235959",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=5",
        "",
    ],
    ids=["weekly-until", "monthly-count", "once"],
)
def test_a_meeting_series_round_trips(client, community, moderator, rrule):
    series = _series(community, moderator, rrule=rrule)

    round_trip(
        client,
        moderator,
        reverse("meetings:series_edit", args=[community.slug, series.pk]),
        containing="start_date",
    )


def test_moving_a_meeting_without_changing_anything_changes_nothing(client, community, moderator):
    occurrence = _series(community, moderator).occurrences.order_by("starts_at").first()

    round_trip(
        client,
        moderator,
        reverse("meetings:occurrence_move", args=[community.slug, occurrence.pk]),
        containing="date",
    )


def test_a_meetings_agenda_round_trips(client, community, moderator):
    occurrence = _series(community, moderator).occurrences.order_by("starts_at").first()
    agenda_update(occurrence=occurrence, by=moderator, agenda=LINES)

    round_trip(
        client,
        moderator,
        reverse("meetings:agenda_edit", args=[community.slug, occurrence.pk]),
        containing="agenda",
    )


@pytest.fixture
def held_meeting(community, moderator, member, core, frozen):
    """A meeting that has taken place, with two answers, one linked help request and notes."""
    occurrence = _series(community, moderator).occurrences.order_by("starts_at").first()
    rsvp_set(occurrence=occurrence, user=member, response=RsvpResponse.GOING)
    rsvp_set(occurrence=occurrence, user=core, response=RsvpResponse.MAYBE)
    discussed = help_request_create(
        community=community, by=member, title="Pods restart", body="They do.", tags=[]
    )
    help_request_create(community=community, by=core, title="Helm charts", body="How?", tags=[])
    frozen.move_to(occurrence.ends_at + dt.timedelta(hours=1))
    notes_update(occurrence=occurrence, by=moderator, notes=LINES, thread_ids=[discussed.pk])
    attendance_record(occurrence=occurrence, by=moderator, attended_user_ids=[member.pk])
    return occurrence


@pytest.mark.parametrize(("name", "field"), [("notes_edit", "notes"), ("attendance", "attended")])
def test_a_held_meetings_notes_and_attendance_round_trip(
    client, community, moderator, held_meeting, name, field
):
    round_trip(
        client,
        moderator,
        reverse(f"meetings:{name}", args=[community.slug, held_meeting.pk]),
        containing=field,
    )


def test_the_reminder_settings_round_trip(client, community, moderator):
    reminder_settings_update(community=community, by=moderator, minutes=[24 * 60, 45])

    round_trip(
        client,
        moderator,
        reverse("meetings:reminder_settings", args=[community.slug]),
        containing="minutes",
    )


def test_the_email_preferences_round_trip(client, member):
    round_trip(
        client, member, reverse("notifications:email_preferences"), containing="digest_frequency"
    )


def test_a_help_request_edit_round_trips(client, community, member):
    help_request = help_request_create(
        community=community, by=member, title="Pods restart", body=LINES, tags=["kubernetes"]
    )

    round_trip(
        client,
        member,
        reverse("discussions:edit_request", args=[community.slug, help_request.pk]),
        containing="title",
    )


def test_a_reply_edit_round_trips(client, community, member, core):
    help_request = help_request_create(
        community=community, by=member, title="Pods restart", body="They do.", tags=[]
    )
    reply = reply_create(help_request=help_request, by=core, body=LINES)

    round_trip(
        client,
        core,
        reverse("discussions:edit_reply", args=[community.slug, help_request.pk, reply.pk]),
        containing="body",
    )
