"""The meeting page and its forms for every persona: RSVP (plain and htmx), move, cancel, agenda, notes, attendance."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import AuditEvent, Role
from discussions.models import RequestStatus
from meetings.kinds import AuditAction
from meetings.models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from meetings.services.occurrences import agenda_add_request, agenda_update
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2031, 3, 10, 8, 30, tzinfo=dt.UTC)  # Mon 09:30 in Amsterdam
DURING = START + dt.timedelta(minutes=20)
AFTER = START + dt.timedelta(hours=3)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def occurrence(community):
    series = MeetingSeriesFactory(
        community=community,
        title="Cluster clinic",
        time_zone="Europe/Amsterdam",
        room="Room 4.12",
        address="North building",
        online_url="https://meet.example.org/clinic",
    )
    return OccurrenceFactory(series=series, starts_at=START)


@pytest.fixture
def private_occurrence(private_community):
    return OccurrenceFactory(series__community=private_community, starts_at=START)


def url(name, occurrence, community=None):
    return reverse(
        f"meetings:{name}", args=[(community or occurrence.community).slug, occurrence.pk]
    )


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# The page ------------------------------------------------------------------------


def test_a_member_sees_when_where_and_who_in_their_own_time_zone(
    client, community, occurrence, member
):
    member.timezone = "Asia/Kolkata"
    member.save()
    RsvpFactory(occurrence=occurrence, user=UserFactory(display_name="Gina Going"))
    RsvpFactory(occurrence=occurrence, user=UserFactory(display_name="Mo Maybe"), response="maybe")
    RsvpFactory(
        occurrence=occurrence, user=UserFactory(display_name="Ned Nope"), response="not_going"
    )
    client.force_login(member)

    response = client.get(url("occurrence", occurrence))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Monday 10 March 2031, 14:00–15:00" in html and "Asia/Kolkata" in html
    assert "Monday 10 March 2031, 09:30–10:30" in html and "Europe/Amsterdam" in html
    assert "Room 4.12, North building" in html
    assert 'href="https://meet.example.org/clinic"' in html
    assert "Gina Going" in html and "Mo Maybe" in html and "Ned Nope" not in html
    assert 'value="going"' in html and reverse("meetings:my_meetings") in html


def test_the_series_zone_is_not_repeated_when_it_is_the_viewers(client, occurrence, member):
    member.timezone = "Europe/Amsterdam"
    member.save()
    client.force_login(member)

    html = client.get(url("occurrence", occurrence)).content.decode()

    assert "where the meeting is planned" not in html
    assert html.count("09:30–10:30") == 1


def test_an_outsider_reads_a_public_meeting_without_names_or_buttons(client, occurrence, outsider):
    RsvpFactory(occurrence=occurrence, user=UserFactory(display_name="Gina Going"))
    client.force_login(outsider)

    response = client.get(url("occurrence", occurrence))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Gina Going" not in html
    assert 'value="going"' not in html
    assert "to answer." in html


def test_anonymous_visitors_are_sent_to_sign_in(client, occurrence):
    response = client.get(url("occurrence", occurrence))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_outsider_cannot_tell_a_private_meeting_exists(
    client, private_occurrence, outsider, member
):
    client.force_login(outsider)
    assert client.get(url("occurrence", private_occurrence)).status_code == 404
    client.force_login(member)
    assert client.get(url("occurrence", private_occurrence)).status_code == 200


def test_a_meeting_of_another_community_under_this_slug_is_not_found(
    client, community, private_occurrence, moderator
):
    client.force_login(moderator)

    for name in ("occurrence", "occurrence_move", "occurrence_cancel", "agenda_edit"):
        assert client.get(url(name, private_occurrence, community)).status_code == 404
    response = client.post(url("rsvp", private_occurrence, community), {"response": "going"})
    assert response.status_code == 404
    assert not Rsvp.objects.exists()


def test_cancelled_and_moved_meetings_say_so(client, community, occurrence, member):
    moved = OccurrenceFactory(
        series=occurrence.series,
        starts_at=START + dt.timedelta(days=8),
        original_start=START + dt.timedelta(days=7),
    )
    Occurrence.objects.filter(pk=occurrence.pk).update(
        status=OccurrenceStatus.CANCELLED, cancel_reason="Team offsite"
    )
    client.force_login(member)

    cancelled_page = client.get(url("occurrence", occurrence)).content.decode()
    moved_page = client.get(url("occurrence", moved)).content.decode()

    assert "Cancelled." in cancelled_page and "Team offsite" in cancelled_page
    assert 'value="going"' not in cancelled_page
    assert "Moved." in moved_page and "Monday 17 March 2031" in moved_page


def test_the_page_shows_the_agenda_its_threads_and_links_for_managers(
    client, community, occurrence, moderator, member
):
    request = HelpRequestFactory(community=community, title="Etcd keeps compacting")
    agenda_update(occurrence=occurrence, by=moderator, agenda="1. **Welcome**")
    agenda_add_request(occurrence=occurrence, by=moderator, help_request=request)
    client.force_login(moderator)

    html = client.get(url("occurrence", occurrence)).content.decode()

    assert "<strong>Welcome</strong>" in html
    assert html.count(request.get_absolute_url()) >= 2  # in the agenda and in the list of threads
    for name in ("occurrence_move", "occurrence_cancel", "agenda_edit"):
        assert url(name, occurrence) in html
    assert url("notes_edit", occurrence) not in html  # not before it starts
    client.force_login(member)
    assert (
        url("occurrence_move", occurrence)
        not in client.get(url("occurrence", occurrence)).content.decode()
    )


def test_after_the_start_managers_get_notes_and_attendance_links(client, occurrence, core):
    client.force_login(core)

    with time_machine.travel(DURING, tick=False):
        html = client.get(url("occurrence", occurrence)).content.decode()

    assert url("notes_edit", occurrence) in html and url("attendance", occurrence) in html
    assert url("occurrence_move", occurrence) not in html


def test_a_waiting_member_sees_their_place_in_the_queue(client, community, occurrence, member):
    occurrence.series.capacity = 1
    occurrence.series.save()
    RsvpFactory(occurrence=occurrence, user=UserFactory())
    RsvpFactory(
        occurrence=occurrence,
        user=UserFactory(),
        waitlisted=True,
        responded_at=NOW - dt.timedelta(hours=2),
    )
    RsvpFactory(
        occurrence=occurrence,
        user=member,
        waitlisted=True,
        responded_at=NOW - dt.timedelta(hours=1),
    )
    client.force_login(member)

    html = client.get(url("occurrence", occurrence)).content.decode()

    assert "you are #2 on the waiting list" in html


# RSVP ----------------------------------------------------------------------------


def test_a_plain_rsvp_redirects_back_to_the_meeting_with_a_message(client, occurrence, member):
    client.force_login(member)

    response = client.post(url("rsvp", occurrence), {"response": "going"})

    assert response.status_code == 302 and response.url == occurrence.get_absolute_url()
    assert flash(response) == ["You are going."]
    assert Rsvp.objects.get(user=member).response == RsvpResponse.GOING
    occurrence.refresh_from_db()
    assert occurrence.going_count == 1


def test_an_htmx_rsvp_returns_the_partial_with_a_live_status(client, occurrence, member):
    client.force_login(member)

    response = client.post(url("rsvp", occurrence), {"response": "maybe"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["meetings/includes/_rsvp.html"]
    assert 'role="status"' in html and 'hx-swap-oob="innerHTML"' in html
    assert "You answered maybe." in html
    assert 'value="maybe"' in html and 'aria-pressed="true"' in html
    assert "<strong>1</strong> maybe" in html


def test_an_htmx_rsvp_from_the_meeting_page_updates_who_is_coming_too(client, occurrence, member):
    client.force_login(member)
    page = client.get(url("occurrence", occurrence)).content.decode()
    assert 'name="with_people" value="1"' in page

    response = client.post(
        url("rsvp", occurrence), {"response": "going", "with_people": "1"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert f'id="who-is-coming-{occurrence.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Going (1)" in html and member.name in html
    assert 'name="with_people" value="1"' in html  # and the next answer does the same


def test_an_rsvp_from_elsewhere_sends_no_list_of_names(client, occurrence, member):
    client.force_login(member)

    response = client.post(url("rsvp", occurrence), {"response": "going"}, HTTP_HX_REQUEST="true")

    assert "who-is-coming" not in response.content.decode()


def test_an_htmx_rsvp_to_a_full_meeting_says_the_place_on_the_waiting_list(
    client, community, occurrence, member
):
    occurrence.series.capacity = 1
    occurrence.series.save()
    first = UserFactory()
    MembershipFactory(community=community, user=first)
    client.force_login(first)
    client.post(url("rsvp", occurrence), {"response": "going"})
    client.force_login(member)

    response = client.post(url("rsvp", occurrence), {"response": "going"}, HTTP_HX_REQUEST="true")

    assert "you are number 1 on the waiting list" in response.content.decode()
    assert Rsvp.objects.get(user=member).waitlisted


def test_an_rsvp_from_my_meetings_goes_back_there_but_never_off_site(client, occurrence, member):
    client.force_login(member)
    mine = reverse("meetings:my_meetings")

    back = client.post(url("rsvp", occurrence), {"response": "going", "next": mine})
    away = client.post(
        url("rsvp", occurrence), {"response": "maybe", "next": "https://evil.example/"}
    )

    assert back.url == mine
    assert away.url == occurrence.get_absolute_url()


def test_a_refused_rsvp_says_why_and_changes_nothing(client, occurrence, member):
    Occurrence.objects.filter(pk=occurrence.pk).update(status=OccurrenceStatus.CANCELLED)
    client.force_login(member)

    plain = client.post(url("rsvp", occurrence), {"response": "going"})
    htmx = client.post(url("rsvp", occurrence), {"response": "going"}, HTTP_HX_REQUEST="true")

    assert plain.status_code == 302 and "cancelled" in flash(plain)[0]
    assert htmx.status_code == 200 and 'role="alert"' in htmx.content.decode()
    assert not Rsvp.objects.exists()


def test_a_nonsense_answer_is_refused(client, occurrence, member):
    client.force_login(member)

    response = client.post(url("rsvp", occurrence), {"response": "perhaps"})

    assert flash(response) == ["Answer going, maybe or not going."]
    assert not Rsvp.objects.exists()


@pytest.mark.parametrize("persona", ["outsider", "site_admin"])
def test_people_who_are_not_members_cannot_rsvp(client, request, occurrence, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(url("rsvp", occurrence), {"response": "going"})

    assert response.status_code == 403
    assert not Rsvp.objects.exists()


def test_rsvp_takes_no_get(client, occurrence, member):
    client.force_login(member)

    assert client.get(url("rsvp", occurrence)).status_code == 405


# Move and cancel -----------------------------------------------------------------


def test_the_move_form_starts_from_the_current_time_in_the_series_zone(
    client, occurrence, moderator
):
    client.force_login(moderator)

    response = client.get(url("occurrence_move", occurrence))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2031-03-10"' in html and 'value="09:30"' in html
    assert "In Europe/Amsterdam" in html


def test_moving_through_the_form_moves_and_tells(client, community, occurrence, moderator, member):
    RsvpFactory(occurrence=occurrence, user=member)
    client.force_login(moderator)

    response = client.post(
        url("occurrence_move", occurrence),
        {
            "date": "2031-03-12",
            "time": "14:00",
            "duration_minutes": "90",
            "room": "",
            "online_url": "",
            "reason": "Clash",
        },
    )

    assert response.status_code == 302 and response.url == occurrence.get_absolute_url()
    occurrence.refresh_from_db()
    assert occurrence.starts_at == dt.datetime(2031, 3, 12, 13, 0, tzinfo=dt.UTC)
    assert occurrence.ends_at - occurrence.starts_at == dt.timedelta(minutes=90)
    assert member.notifications.get().kind == "meeting_moved"


def test_a_time_the_clocks_skip_is_refused_on_the_form(client, occurrence, moderator):
    client.force_login(moderator)

    response = client.post(
        url("occurrence_move", occurrence),
        {"date": "2031-03-30", "time": "02:30", "duration_minutes": "60"},
    )

    assert response.status_code == 200
    assert "does not exist" in response.content.decode()
    occurrence.refresh_from_db()
    assert occurrence.starts_at == START


@pytest.mark.parametrize(
    ("day", "time", "zone"),
    [
        ("9999-12-31", "23:30", "Europe/Amsterdam"),
        ("9999-12-31", "23:30", "America/New_York"),
        ("0001-01-01", "00:30", "Asia/Tokyo"),
    ],
)
def test_a_date_at_the_ends_of_the_calendar_is_refused_on_the_move_form(
    client, occurrence, moderator, day, time, zone
):
    occurrence.series.time_zone = zone
    occurrence.series.save()
    client.force_login(moderator)

    response = client.post(
        url("occurrence_move", occurrence), {"date": day, "time": time, "duration_minutes": "60"}
    )

    assert response.status_code == 200
    assert "Pick a date from today to five years ahead." in response.content.decode()
    occurrence.refresh_from_db()
    assert occurrence.starts_at == START


def test_a_service_refusal_shows_on_the_move_form(client, occurrence, moderator):
    client.force_login(moderator)

    response = client.post(
        url("occurrence_move", occurrence),
        {"date": "2031-03-10", "time": "09:30", "duration_minutes": "60"},
    )

    assert response.status_code == 200
    assert "already is" in response.content.decode()


def test_a_meeting_under_way_cannot_be_moved_from_its_page(client, occurrence, moderator):
    client.force_login(moderator)

    with time_machine.travel(DURING, tick=False):
        response = client.get(url("occurrence_move", occurrence))

    assert response.status_code == 302 and flash(response) == [
        "Only upcoming meetings can be moved."
    ]


@pytest.mark.parametrize("persona", ["member", "sponsor", "outsider"])
def test_people_who_do_not_run_meetings_cannot_move_or_cancel(client, request, occurrence, persona):
    client.force_login(request.getfixturevalue(persona))

    for name in ("occurrence_move", "occurrence_cancel", "agenda_edit", "notes_edit", "attendance"):
        assert client.get(url(name, occurrence)).status_code == 403
    response = client.post(url("occurrence_cancel", occurrence), {"reason": "No"})
    assert response.status_code == 403
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SCHEDULED


def test_cancelling_needs_a_reason_and_then_cancels(client, occurrence, core):
    client.force_login(core)

    empty = client.post(url("occurrence_cancel", occurrence), {"reason": "  "})
    done = client.post(url("occurrence_cancel", occurrence), {"reason": "Offsite"})

    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    assert done.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.CANCELLED and occurrence.cancel_reason == "Offsite"
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_CANCELLED, actor=core).exists()
    again = client.get(url("occurrence_cancel", occurrence))
    assert again.status_code == 302 and flash(again)[-1] == "This meeting is already cancelled."


# Agenda --------------------------------------------------------------------------


def test_the_agenda_page_offers_only_open_requests_of_the_community(
    client, community, occurrence, moderator
):
    open_one = HelpRequestFactory(community=community, title="Open question")
    HelpRequestFactory(community=community, title="Solved question", status=RequestStatus.SOLVED)
    HelpRequestFactory(community=community, title="Removed question", is_removed=True)
    HelpRequestFactory(community=CommunityFactory(), title="Elsewhere question")
    on_agenda = HelpRequestFactory(community=community, title="Already there")
    agenda_add_request(occurrence=occurrence, by=moderator, help_request=on_agenda)
    client.force_login(moderator)

    response = client.get(url("agenda_edit", occurrence))

    assert [c.title for c in response.context["candidates"]] == [open_one.title]
    assert url("agenda_add_request", occurrence) in response.content.decode()


def test_saving_the_agenda(client, occurrence, core):
    client.force_login(core)

    response = client.post(url("agenda_edit", occurrence), {"agenda": "- Upgrades\n- *Backups*"})

    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert "<em>Backups</em>" in occurrence.agenda_html


def test_an_over_long_agenda_is_refused_on_the_form(client, occurrence, core):
    client.force_login(core)

    response = client.post(url("agenda_edit", occurrence), {"agenda": "x" * 20_001})

    assert response.status_code == 200 and "at most 20000" in response.content.decode()
    occurrence.refresh_from_db()
    assert occurrence.agenda == ""


def test_adding_a_request_to_the_agenda(client, community, occurrence, moderator):
    request = HelpRequestFactory(community=community, title="Helm or Kustomize?")
    client.force_login(moderator)

    response = client.post(url("agenda_add_request", occurrence), {"help_request": request.pk})

    assert response.url == url("agenda_edit", occurrence)
    assert flash(response) == ["“Helm or Kustomize?” is on the agenda."]
    assert occurrence.threads.get() == request


@pytest.mark.parametrize("kind", ["elsewhere", "solved", "junk"])
def test_adding_a_request_that_cannot_go_on_the_agenda_says_so(
    client, community, occurrence, moderator, kind
):
    if kind == "elsewhere":
        pk = HelpRequestFactory(community=CommunityFactory(private=True)).pk
    elif kind == "solved":
        pk = HelpRequestFactory(community=community, status=RequestStatus.SOLVED).pk
    else:
        pk = "abc"
    client.force_login(moderator)

    response = client.post(url("agenda_add_request", occurrence), {"help_request": pk})

    assert response.status_code == 302
    assert flash(response)[0].startswith(
        "There is no such" if kind != "solved" else "That help request"
    )
    assert not occurrence.threads.exists()


def test_a_cancelled_meetings_agenda_page_sends_back(client, occurrence, moderator):
    Occurrence.objects.filter(pk=occurrence.pk).update(status=OccurrenceStatus.CANCELLED)
    client.force_login(moderator)

    assert client.get(url("agenda_edit", occurrence)).status_code == 302


# Notes and attendance ------------------------------------------------------------


def test_notes_wait_for_the_meeting(client, occurrence, moderator):
    client.force_login(moderator)

    response = client.get(url("notes_edit", occurrence))

    assert response.status_code == 302
    assert flash(response) == ["Notes can be recorded once the meeting has started."]


def test_writing_notes_with_linked_threads(client, community, occurrence, moderator):
    recent = HelpRequestFactory(community=community, title="Recent one")
    older = HelpRequestFactory(community=community, title="Old one")
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        form = client.get(url("notes_edit", occurrence))
        response = client.post(
            url("notes_edit", occurrence),
            {"notes": "We **decided**.", "threads": [recent.pk], "more_threads": f"#{older.pk}"},
        )

    assert "Recent one" in form.content.decode()
    # The thread pages do not link back to meetings, so the form promises no such thing.
    assert "point readers to the meeting and back" not in form.content.decode()
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert "<strong>decided</strong>" in occurrence.notes_html
    assert set(occurrence.threads.all()) == {recent, older}


def test_notes_refuse_links_to_other_communities_threads(client, occurrence, moderator):
    elsewhere = HelpRequestFactory(community=CommunityFactory())
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        response = client.post(
            url("notes_edit", occurrence),
            {"notes": "Notes", "more_threads": f"https://x/c/other/help/{elsewhere.pk}/ nonsense"},
        )

    assert response.status_code == 200
    assert "is not a help request" in response.content.decode()
    occurrence.refresh_from_db()
    assert occurrence.notes == ""


def test_notes_refuse_a_number_too_large_to_be_a_help_request(client, occurrence, moderator):
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        response = client.post(
            url("notes_edit", occurrence),
            {"notes": "Notes", "more_threads": "#99999999999999999999"},
        )

    assert response.status_code == 200
    assert "Not help requests of this community: #99999999999999999999." in response.content.decode()
    occurrence.refresh_from_db()
    assert occurrence.notes == ""


def test_recording_attendance(client, community, occurrence, moderator):
    people = [UserFactory(display_name=f"Attendee {i}") for i in range(3)]
    for i, p in enumerate(people):
        MembershipFactory(community=community, user=p, role=Role.MEMBER)
        RsvpFactory(occurrence=occurrence, user=p, response="going" if i < 2 else "not_going")
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        form = client.get(url("attendance", occurrence))
        response = client.post(
            url("attendance", occurrence), {"attended": [people[0].pk, people[2].pk]}
        )

    html = form.content.decode()
    # The confirmed "going" are ticked to start with.
    assert "Attendee 0" in html and html.count("checked") == 2
    assert response.status_code == 302 and flash(response) == ["Attendance recorded: 2 of 3 came."]
    assert dict(Rsvp.objects.values_list("user", "attended")) == {
        people[0].pk: True,
        people[1].pk: False,
        people[2].pk: True,
    }


def test_unticking_everyone_records_that_nobody_came(client, occurrence, moderator, member):
    RsvpFactory(occurrence=occurrence, user=member)
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        response = client.post(url("attendance", occurrence), {})  # an empty form sends no field

    assert response.status_code == 302
    assert Rsvp.objects.get().attended is False


def test_attendance_for_someone_who_did_not_answer_is_refused_on_the_form(
    client, occurrence, moderator, member
):
    RsvpFactory(occurrence=occurrence, user=UserFactory(display_name="Ann Answered"))
    client.force_login(moderator)

    with time_machine.travel(AFTER, tick=False):
        response = client.post(url("attendance", occurrence), {"attended": [member.pk]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html and "Ann Answered" in html
    assert Rsvp.objects.get().attended is None


def test_the_account_menu_links_to_my_meetings(client, member):
    client.force_login(member)

    html = client.get(reverse("home")).content.decode()

    assert reverse("meetings:my_meetings") in html
