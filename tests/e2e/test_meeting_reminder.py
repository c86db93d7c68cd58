"""Browser journey: a member RSVPs to the next meeting, takes its .ics, gets the reminder
at the right time with the file attached, then stops digests through the email's own link.

The beat sweeps are called in the test body at moved clocks (time-machine), as beat
would call them; only the browser steps run on the real clock.
"""

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import Page, expect

from accounts.models import DigestFrequency
from communities.models import Role
from digests.tasks import send_due_digests
from meetings.models import Occurrence
from meetings.services.series import series_create
from meetings.tasks import sweep
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, htmx_settled, sign_in

pytestmark = pytest.mark.e2e

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def cast(transactional_db):
    community = CommunityFactory(
        name="Python Practitioners", slug="python-practitioners",
        tagline="Everyone who writes Python, whatever their job title",
    )
    community.reminder_minutes = [24 * 60, 60]
    community.save(update_fields=["reminder_minutes"])
    moderator = UserFactory(display_name="Aisha Bello", email="aisha@example.org", timezone="Europe/London")
    member = UserFactory(
        display_name="Tom Becker", email="tom@example.org", timezone="Europe/London",
        digest_frequency=DigestFrequency.WEEKLY, digest_hour=8,
    )
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    MembershipFactory(community=community, user=member, role=Role.MEMBER)
    # Three days from now at 12:30 London time, then weekly (so the digest has a meeting to name).
    start = (dt.datetime.now(LONDON) + dt.timedelta(days=3)).date()
    series_create(
        community=community, by=moderator, title="Python clinic",
        description="Bring the Python problem you are stuck on.",
        room="Room 4.02 Lovelace", address="Clerkenwell office, London",
        online_url="https://meet.example.org/python", time_zone="Europe/London",
        start_date=start, start_time=dt.time(12, 30), duration_minutes=60,
        rrule="FREQ=WEEKLY", capacity=12,
    )
    return community, member


def test_a_member_rsvps_gets_the_reminder_with_the_ics_and_unsubscribes_from_digests(
    page: Page, cast, live_server, tmp_path
):
    community, member = cast
    occurrence = Occurrence.objects.select_related("series").order_by("starts_at").first()
    journey = Journey("meeting-reminder")

    # The member finds the next meeting on the community page and says they are going.
    sign_in(page, member.email)
    page.goto("/c/python-practitioners/")
    card = page.get_by_role("region", name="Next meeting")
    expect(card.get_by_role("link", name="Python clinic", exact=True)).to_be_visible()
    journey.check(page, "community-next-meeting")
    card.get_by_role("link", name="See the meeting and answer").click()
    expect(page.get_by_role("heading", name="Python clinic")).to_be_visible()
    journey.check(page, "meeting")
    people = page.get_by_role("region", name="Who is coming")
    expect(people).not_to_contain_text(member.name)
    page.get_by_role("button", name="Going", exact=True).click()
    expect(page.locator(".rsvp-mine")).to_contain_text("You are going.")
    expect(page.get_by_role("status")).to_have_text("You are going.")
    # Focus stays on the answer given, and the names agree with the counts beside them.
    expect(page.get_by_role("button", name="Going", exact=True)).to_be_focused()
    expect(people).to_contain_text(member.name)
    htmx_settled(page)
    page.get_by_role("button", name="Maybe", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_have_text("You answered maybe.")
    expect(page.get_by_role("button", name="Maybe", exact=True)).to_be_focused()
    expect(people.locator("h3:has-text('Maybe') + ul")).to_contain_text(member.name)
    htmx_settled(page)
    page.get_by_role("button", name="Going", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_have_text("You are going.")
    journey.check(page, "going")

    # The .ics opens in any calendar: the right event at 12:30 London time.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").first.click()
    path = tmp_path / "meeting.ics"
    download_info.value.save_as(path)
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]).startswith("Python clinic")
    starts = events[0].decoded("DTSTART")
    assert starts == occurrence.starts_at
    assert starts.astimezone(LONDON).time() == dt.time(12, 30)

    # A day and a minute before: nothing yet. A day before: the reminder, with the file.
    mail.outbox.clear()
    with time_machine.travel(occurrence.starts_at - dt.timedelta(hours=24, minutes=1), tick=False):
        sweep()
    assert mail.outbox == []
    with time_machine.travel(occurrence.starts_at - dt.timedelta(hours=23, minutes=59), tick=False):
        sweep()
        sweep()  # beat running twice sends nothing twice
    assert [m.to for m in mail.outbox] == [[member.email]]
    reminder = mail.outbox[0]
    assert "Reminder" in reminder.subject and "Python clinic" in reminder.subject
    (filename, content, mimetype), = reminder.attachments
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    attached = Calendar.from_ical(content).walk("VEVENT")[0]
    assert attached.decoded("DTSTART") == occurrence.starts_at

    # The reminder is in the app too.
    page.goto("/notifications/")
    expect(page.get_by_text("Python clinic").first).to_be_visible()
    journey.check(page, "notifications")

    # Monday 08:00 London time brings the weekly digest, which names the meeting...
    mail.outbox.clear()
    today = dt.datetime.now(LONDON).date()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    with time_machine.travel(dt.datetime.combine(monday, dt.time(8, 5), tzinfo=LONDON), tick=False):
        send_due_digests()
    digest = next(m for m in mail.outbox if m.to == [member.email])
    assert "digest" in digest.subject.lower()
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # ...and the member stops digests through the email's own link.
    link = urlsplit(digest.extra_headers["List-Unsubscribe"].strip("<>"))
    page.goto(link.path)
    expect(page.get_by_role("heading", name=f"Stop weekly digests for {member.email}?")).to_be_visible()
    journey.check(page, "unsubscribe-confirm")
    member.refresh_from_db()
    assert member.digest_frequency == DigestFrequency.WEEKLY  # looking changes nothing
    page.get_by_role("button", name="Stop weekly digests").click()
    expect(page.get_by_role("heading").first).to_contain_text("won't")
    journey.check(page, "unsubscribed")
    member.refresh_from_db()
    assert member.digest_frequency == DigestFrequency.NEVER
