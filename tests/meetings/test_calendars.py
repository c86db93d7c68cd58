"""Calendars: the `.ics` of one meeting, the community feed and the personal secret feed.

Every response is parsed with the `icalendar` library, as a calendar app would
read it: what matters is what clients see (UID, SEQUENCE, the time zone), not
the bytes.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from communities.models import Membership
from meetings.models import OccurrenceStatus, RsvpResponse
from meetings.selectors import personal_feed_url
from meetings.services.calendars import calendar_token_reset
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def by_uid(calendar: Calendar) -> dict:
    return {str(e["UID"]): e for e in events(calendar)}


def uid(occurrence) -> str:
    return f"meeting-{occurrence.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}"


def titles(calendar: Calendar) -> set[str]:
    return {str(e["SUMMARY"]) for e in events(calendar)}


def ics_url(occurrence) -> str:
    return reverse("meetings:occurrence_ics", args=[occurrence.community.slug, occurrence.pk])


def community_feed_url(community) -> str:
    return reverse("meetings:community_feed", args=[community.slug])


def feed_path(user) -> str:
    return reverse("meetings:personal_feed", args=[user.calendar_token])


def with_token(user):
    calendar_token_reset(user=user)
    return user


def in_days(days: float, hour: int = 10) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def weekly(community, *, start: dt.datetime, count: int, **series_kwargs):
    series = MeetingSeriesFactory(community=community, **series_kwargs)
    return [
        OccurrenceFactory(series=series, starts_at=start + dt.timedelta(weeks=i))
        for i in range(count)
    ]


# One meeting's file ----------------------------------------------------------


def test_the_meeting_file_is_an_attachment_named_after_the_meeting_and_its_local_day(
    client, member, community
):
    series = MeetingSeriesFactory(
        community=community, title="Python clinic: Q&A!", time_zone="Asia/Tokyo"
    )
    # 20:00 UTC on 1 June is already 2 June in Tokyo: the file is named after the series' day.
    occurrence = OccurrenceFactory(
        series=series, starts_at=dt.datetime(2031, 6, 1, 20, 0, tzinfo=UTC)
    )
    client.force_login(member)

    response = client.get(ics_url(occurrence))

    calendar = parse(response)
    assert (
        response["Content-Disposition"] == 'attachment; filename="python-clinic-qa-2031-06-02.ics"'
    )
    assert len(events(calendar)) == 1


def test_the_meeting_file_says_what_where_and_links_back(client, member, community):
    series = MeetingSeriesFactory(
        community=community,
        title="Practice hour",
        room="Room 4.12",
        address="North building, 1 Harbour Street",
        online_url="https://meet.example.org/practice",
        description="Bring a failing test.",
    )
    occurrence = OccurrenceFactory(series=series)
    client.force_login(member)

    [event] = events(parse(client.get(ics_url(occurrence))))

    assert str(event["SUMMARY"]) == "Practice hour (Kubernetes Practitioners)"
    assert str(event["LOCATION"]) == (
        "Room 4.12, North building, 1 Harbour Street, https://meet.example.org/practice"
    )
    page = f"{settings.SITE_URL}{occurrence.get_absolute_url()}"
    assert str(event["URL"]) == page
    assert "Bring a failing test." in str(event["DESCRIPTION"])
    assert page in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    # The organiser by name; nobody's email address leaves the platform in a feed.
    assert "ORGANIZER" not in event
    assert f"Organiser: {series.organiser.name}" in str(event["DESCRIPTION"])
    assert series.organiser.email not in event.to_ical().decode()


def test_a_one_off_room_change_is_the_location_of_that_meeting_only(client, member, community):
    series = MeetingSeriesFactory(community=community, room="Room 4.12", address="", online_url="")
    moved_room = OccurrenceFactory(series=series, room="Atrium")
    usual = OccurrenceFactory(series=series, starts_at=moved_room.starts_at + dt.timedelta(weeks=1))
    client.force_login(member)

    assert str(events(parse(client.get(ics_url(moved_room))))[0]["LOCATION"]) == "Atrium"
    assert str(events(parse(client.get(ics_url(usual))))[0]["LOCATION"]) == "Room 4.12"


def test_commas_semicolons_and_new_lines_in_a_title_are_escaped_not_read_as_structure(
    client, member, community
):
    title = "Review, plan; and\r\nBEGIN:VEVENT\r\nSUMMARY:Injected"
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community, title=title))
    client.force_login(member)

    response = client.get(ics_url(occurrence))

    calendar = parse(response)
    assert len(events(calendar)) == 1
    # A line break is kept as one (RFC 5545 escapes it as \n; CR LF reads back as LF).
    expected = title.replace("\r\n", "\n")
    assert str(events(calendar)[0]["SUMMARY"]) == f"{expected} (Kubernetes Practitioners)"
    assert (
        b"X-WR-CALNAME:Review\\, plan\\; and\\nBEGIN:VEVENT\\nSUMMARY:Injected\r\n"
        in response.content
    )
    assert b"Review\\, plan\\; and" in response.content
    assert b"\r\nBEGIN:VEVENT\r\nSUMMARY:Injected" not in response.content


def test_a_meeting_of_another_community_is_not_found_through_this_one(client, member, community):
    elsewhere = OccurrenceFactory(series=MeetingSeriesFactory(community=CommunityFactory()))
    client.force_login(member)

    response = client.get(reverse("meetings:occurrence_ics", args=[community.slug, elsewhere.pk]))

    assert response.status_code == 404


def test_a_cancelled_meeting_file_says_cancelled(client, member, community):
    occurrence = OccurrenceFactory(
        series=MeetingSeriesFactory(community=community),
        status=OccurrenceStatus.CANCELLED,
        sequence=1,
    )
    client.force_login(member)

    [event] = events(parse(client.get(ics_url(occurrence))))

    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


# Recurrence, time zones and changes ------------------------------------------


def test_each_meeting_of_a_series_is_an_event_of_its_own_with_its_own_uid(
    client, member, community
):
    first, second = weekly(community, start=in_days(3), count=2)
    other = OccurrenceFactory(
        series=MeetingSeriesFactory(community=community), starts_at=in_days(4)
    )
    client.force_login(member)

    feed = by_uid(parse(client.get(community_feed_url(community))))

    assert set(feed) == {uid(first), uid(second), uid(other)}
    # No master event with an RRULE is published, so no event may claim to be an instance of one.
    assert not any("RECURRENCE-ID" in e or "RRULE" in e for e in feed.values())


def test_two_meetings_files_of_one_series_do_not_replace_each_other_in_a_calendar(
    client, member, community
):
    # A calendar app keys an imported event on its UID: the same UID would overwrite the first meeting.
    first, second = weekly(community, start=in_days(3), count=2)
    client.force_login(member)

    [one] = events(parse(client.get(ics_url(first))))
    [two] = events(parse(client.get(ics_url(second))))

    assert one["UID"] != two["UID"]
    assert "RECURRENCE-ID" not in one


def test_times_are_in_the_series_time_zone_with_its_vtimezone(client, member, community):
    [occurrence] = weekly(community, start=in_days(3), count=1, time_zone="America/New_York")
    client.force_login(member)

    calendar = parse(client.get(ics_url(occurrence)))

    [event] = events(calendar)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event["DTEND"].params["TZID"] == "America/New_York"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert event.decoded("DTSTART") == occurrence.starts_at
    assert event.decoded("DTEND") == occurrence.ends_at


def test_a_moved_meeting_keeps_its_uid_and_has_a_higher_sequence(client, member, community):
    usual, moved = weekly(community, start=in_days(3), count=2)
    moved.starts_at = moved.original_start + dt.timedelta(days=1, hours=2)
    moved.ends_at = moved.starts_at + dt.timedelta(hours=1)
    moved.sequence = 1
    moved.save()
    client.force_login(member)

    feed = by_uid(parse(client.get(community_feed_url(community))))

    moved_event = feed[uid(moved)]
    assert moved_event.decoded("DTSTART") == moved.starts_at
    assert moved_event.decoded("DTSTART") != moved.original_start
    assert moved_event["SEQUENCE"] > feed[uid(usual)]["SEQUENCE"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Clocks go forward on Sunday 29 March 2026: 09:30 CET is 08:30Z, 09:30 CEST is 07:30Z.
        (dt.datetime(2026, 3, 24, 8, 30, tzinfo=UTC), dt.datetime(2026, 3, 31, 7, 30, tzinfo=UTC)),
        # Clocks go back on Sunday 25 October 2026: 09:30 CEST is 07:30Z, 09:30 CET is 08:30Z.
        (
            dt.datetime(2026, 10, 20, 7, 30, tzinfo=UTC),
            dt.datetime(2026, 10, 27, 8, 30, tzinfo=UTC),
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_weekly_0930_amsterdam_meeting_stays_at_0930_local_across_the_clock_change(
    client, member, community, before, after
):
    series = MeetingSeriesFactory(
        community=community, time_zone="Europe/Amsterdam", start_time=dt.time(9, 30)
    )
    OccurrenceFactory(series=series, starts_at=before)
    OccurrenceFactory(series=series, starts_at=after)
    client.force_login(member)

    with time_machine.travel(before - dt.timedelta(days=3), tick=False):
        calendar = parse(client.get(community_feed_url(community)))

    starts = sorted(e.decoded("DTSTART") for e in events(calendar))
    assert [s.astimezone(AMSTERDAM).time() for s in starts] == [dt.time(9, 30), dt.time(9, 30)]
    assert starts == [before, after]
    assert all(e["DTSTART"].params["TZID"] == "Europe/Amsterdam" for e in events(calendar))
    # The raw lines are local wall-clock times: what a client without our UTC maths shows.
    assert calendar.to_ical().count(b"DTSTART;TZID=Europe/Amsterdam:") == 2
    assert b"T093000" in calendar.to_ical()


# The community feed ----------------------------------------------------------


def test_the_community_feed_has_upcoming_and_last_months_meetings_with_cancelled_ones_marked(
    client, member, community
):
    series = MeetingSeriesFactory(community=community, title="Clinic")
    OccurrenceFactory(series=series, starts_at=in_days(-40))
    recent = OccurrenceFactory(series=series, starts_at=in_days(-20))
    soon = OccurrenceFactory(series=series, starts_at=in_days(5))
    cancelled = OccurrenceFactory(
        series=series, starts_at=in_days(12), status=OccurrenceStatus.CANCELLED
    )
    OccurrenceFactory(
        series=MeetingSeriesFactory(community=CommunityFactory()), starts_at=in_days(5)
    )
    client.force_login(member)

    response = client.get(community_feed_url(community))

    calendar = parse(response)
    status = {key: str(e["STATUS"]) for key, e in by_uid(calendar).items()}
    assert status == {
        uid(recent): "CONFIRMED",
        uid(soon): "CONFIRMED",
        uid(cancelled): "CANCELLED",
    }
    assert str(calendar["X-WR-CALNAME"]) == "Kubernetes Practitioners meetings"
    assert response["Cache-Control"] == "private, max-age=300"


def test_the_community_feed_of_a_community_without_meetings_is_an_empty_calendar(
    client, member, community
):
    client.force_login(member)

    calendar = parse(client.get(community_feed_url(community)))

    assert events(calendar) == []
    assert str(calendar["VERSION"]) == "2.0"


# Who may read the files ------------------------------------------------------


@pytest.mark.parametrize("which", ["ics", "feed"])
def test_anonymous_visitors_are_sent_to_sign_in(client, community, which):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community))

    url = ics_url(occurrence) if which == "ics" else community_feed_url(community)
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("which", ["ics", "feed"])
def test_an_outsider_reads_a_public_communitys_meetings(client, outsider, community, which):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community))
    client.force_login(outsider)

    url = ics_url(occurrence) if which == "ics" else community_feed_url(community)

    assert len(events(parse(client.get(url)))) == 1


@pytest.mark.parametrize("which", ["ics", "feed"])
def test_an_outsider_cannot_tell_a_private_communitys_meetings_exist(
    client, outsider, private_community, which
):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=private_community))
    client.force_login(outsider)

    url = ics_url(occurrence) if which == "ics" else community_feed_url(private_community)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("which", ["ics", "feed"])
def test_a_non_member_of_a_listed_community_is_refused(client, outsider, which):
    listed = CommunityFactory(listed=True)
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=listed))
    client.force_login(outsider)

    url = ics_url(occurrence) if which == "ics" else community_feed_url(listed)

    assert client.get(url).status_code == 403


def test_a_member_who_left_a_private_community_no_longer_gets_its_meetings(
    client, member, private_community
):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=private_community))
    Membership.objects.filter(user=member, community=private_community).update(is_active=False)
    client.force_login(member)

    assert client.get(ics_url(occurrence)).status_code == 404


# The personal feed -----------------------------------------------------------


def test_the_personal_feed_works_without_signing_in_and_has_my_private_communitys_meetings(
    client, member, community, private_community
):
    with_token(member)
    OccurrenceFactory(
        series=MeetingSeriesFactory(community=private_community, title="Incident review")
    )
    OccurrenceFactory(series=MeetingSeriesFactory(community=community, title="Kube clinic"))

    response = client.get(feed_path(member))

    calendar = parse(response)
    assert titles(calendar) == {
        "Incident review (Incident Reviews)",
        "Kube clinic (Kubernetes Practitioners)",
    }
    assert str(calendar["X-WR-CALNAME"]) == "My meetings"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_personal_feed_keeps_cancelled_meetings_so_calendars_remove_them(
    client, member, private_community
):
    with_token(member)
    OccurrenceFactory(
        series=MeetingSeriesFactory(community=private_community), status=OccurrenceStatus.CANCELLED
    )

    [event] = events(parse(client.get(feed_path(member))))

    assert str(event["STATUS"]) == "CANCELLED"


def test_the_personal_feed_has_meetings_i_am_going_to_in_communities_i_do_not_belong_to(
    client, outsider
):
    with_token(outsider)
    public = CommunityFactory(name="Open Python")
    going = OccurrenceFactory(series=MeetingSeriesFactory(community=public, title="Going"))
    maybe = OccurrenceFactory(series=MeetingSeriesFactory(community=public, title="Maybe"))
    declined = OccurrenceFactory(series=MeetingSeriesFactory(community=public, title="Declined"))
    OccurrenceFactory(series=MeetingSeriesFactory(community=public, title="Not answered"))
    RsvpFactory(occurrence=going, user=outsider, response=RsvpResponse.GOING)
    RsvpFactory(occurrence=maybe, user=outsider, response=RsvpResponse.MAYBE)
    RsvpFactory(occurrence=declined, user=outsider, response=RsvpResponse.NOT_GOING)

    calendar = parse(client.get(feed_path(outsider)))

    assert titles(calendar) == {"Going (Open Python)", "Maybe (Open Python)"}


def test_another_persons_meetings_never_appear_in_my_feed(client, member):
    with_token(member)
    theirs = CommunityFactory(private=True, name="Their circle")
    someone = UserFactory()
    MembershipFactory(community=theirs, user=someone)
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=theirs))
    RsvpFactory(occurrence=occurrence, user=someone)
    # Even their RSVP to a public community I do not belong to stays theirs.
    public = CommunityFactory()
    RsvpFactory(
        occurrence=OccurrenceFactory(series=MeetingSeriesFactory(community=public)), user=someone
    )

    assert events(parse(client.get(feed_path(member)))) == []


def test_leaving_a_community_drops_its_meetings_even_those_i_said_i_was_going_to(
    client, member, private_community
):
    with_token(member)
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=private_community))
    RsvpFactory(occurrence=occurrence, user=member)
    assert len(events(parse(client.get(feed_path(member))))) == 1

    Membership.objects.filter(user=member, community=private_community).update(is_active=False)

    assert events(parse(client.get(feed_path(member)))) == []


def test_the_personal_feed_has_last_months_meetings_but_not_older_ones(client, member, community):
    with_token(member)
    series = MeetingSeriesFactory(community=community)
    OccurrenceFactory(series=series, starts_at=in_days(-45))
    recent = OccurrenceFactory(series=series, starts_at=in_days(-25))

    [event] = events(parse(client.get(feed_path(member))))

    assert str(event["UID"]) == uid(recent)


def test_an_unknown_token_is_not_found(client, member):
    with_token(member)

    response = client.get(reverse("meetings:personal_feed", args=["not-" + member.calendar_token]))

    assert response.status_code == 404


def test_a_deactivated_persons_feed_is_not_found(client, member):
    with_token(member)
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert client.get(feed_path(member)).status_code == 404


def test_after_a_reset_the_old_link_is_not_found_and_the_new_one_works(client, member):
    with_token(member)
    old = feed_path(member)
    client.force_login(member)

    response = client.post(reverse("meetings:feed_reset"), {"next": "/c/kubernetes/"})

    member.refresh_from_db()
    assert response.status_code == 302
    assert response.url == "/c/kubernetes/"
    assert feed_path(member) != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(feed_path(member)).status_code == 200
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("old one no longer works" in m for m in messages)


def test_the_first_reset_creates_a_long_random_token(client, member):
    client.force_login(member)
    assert member.calendar_token is None

    client.post(reverse("meetings:feed_reset"))

    member.refresh_from_db()
    assert len(member.calendar_token) >= 43  # token_urlsafe(32): 256 bits
    assert client.get(feed_path(member)).status_code == 200


def test_turning_the_link_off_makes_it_not_found(client, member):
    with_token(member)
    old = feed_path(member)
    client.force_login(member)

    client.post(reverse("meetings:feed_reset"), {"action": "revoke"})

    member.refresh_from_db()
    assert member.calendar_token is None
    assert client.get(old).status_code == 404


def test_a_reset_never_redirects_off_site(client, member):
    client.force_login(member)

    response = client.post(reverse("meetings:feed_reset"), {"next": "https://evil.example/"})

    assert response.url == reverse("meetings:my_meetings")


def test_a_reset_only_changes_my_own_token(client, member, outsider):
    with_token(outsider)
    theirs = outsider.calendar_token
    client.force_login(member)

    client.post(reverse("meetings:feed_reset"))

    outsider.refresh_from_db()
    assert outsider.calendar_token == theirs


def test_reset_is_post_only(client, member):
    client.force_login(member)

    assert client.get(reverse("meetings:feed_reset")).status_code == 405


def test_personal_feed_url_is_empty_without_a_token_and_absolute_with_one(member):
    assert personal_feed_url(member) == ""

    with_token(member)

    url = personal_feed_url(member)
    assert url == f"{settings.SITE_URL}/meetings/feed/{member.calendar_token}.ics"
    assert personal_feed_url(member, scheme="webcal").startswith("webcal://")
    assert personal_feed_url(member, scheme="webcal").endswith(
        f"/meetings/feed/{member.calendar_token}.ics"
    )


# The links on pages ----------------------------------------------------------


def render_links(user, **context) -> str:
    request = RequestFactory().get("/meetings/mine/")
    request.user = user
    # As My meetings passes them: the feed's addresses on the public SITE_URL.
    feed = {
        "feed_url": personal_feed_url(user),
        "feed_webcal_url": personal_feed_url(user, scheme="webcal"),
    }
    return render_to_string(
        "meetings/includes/_calendar_links.html", {"user": user, **feed, **context}, request=request
    )


def test_the_links_of_one_meeting_offer_its_file(member, community):
    occurrence = OccurrenceFactory(series=MeetingSeriesFactory(community=community))

    html = render_links(member, occurrence=occurrence, community=community)

    assert f'href="{ics_url(occurrence)}"' in html
    assert "Add to calendar (.ics)" in html
    assert "Create my calendar link" not in html


def test_the_community_links_offer_its_feed(member, community):
    html = render_links(member, community=community)

    assert f'href="{community_feed_url(community)}"' in html
    assert "Create my calendar link" not in html


def test_without_a_token_the_personal_links_offer_to_create_one(member):
    html = render_links(member)

    assert "Create my calendar link" in html
    assert "/meetings/feed/" not in html.replace(reverse("meetings:feed_reset"), "")


def test_with_a_token_the_personal_links_show_it_to_copy_with_a_warning_and_a_replace_button(
    member,
):
    with_token(member)

    html = render_links(member)

    assert f'value="{settings.SITE_URL}{feed_path(member)}" readonly' in html
    assert '<label for="calendar-feed-url">' in html
    assert f'href="webcal://{settings.SITE_URL.split("://", 1)[1]}{feed_path(member)}"' in html
    assert "Anyone who has it sees the titles" in html
    assert "Replace my calendar link (revokes the old link)" in html


def test_my_meetings_offers_the_link_then_shows_it_once_created(client, member):
    client.force_login(member)
    page = reverse("meetings:my_meetings")
    assert "Create my calendar link" in client.get(page).content.decode()

    response = client.post(reverse("meetings:feed_reset"), {"next": page}, follow=True)

    member.refresh_from_db()
    html = response.content.decode()
    assert response.redirect_chain == [(page, 302)]
    assert f'value="{settings.SITE_URL}{feed_path(member)}" readonly' in html
    assert "Your calendar link is ready" in html


def test_the_community_meetings_page_links_its_feed(client, member, community):
    client.force_login(member)

    html = client.get(reverse("meetings:list", args=[community.slug])).content.decode()

    assert f'href="{community_feed_url(community)}"' in html


@pytest.mark.parametrize("token", ["abc%00def", "%00", "x" * 300, "a b", "ünïcode"])
def test_a_token_that_cannot_be_one_is_not_found_without_asking_the_database(
    client, token, django_assert_num_queries
):
    # A NUL byte would make PostgreSQL refuse the query (a 500); no real token has any of these.
    with django_assert_num_queries(0):
        response = client.get(f"/meetings/feed/{token}.ics")

    assert response.status_code == 404
