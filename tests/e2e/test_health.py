"""Browser journey: a sponsor opens the sponsor overview from the account menu, sees which
community needs help and why, opens one community's health page, switches the period
and downloads the CSV.

The history is written straight into the models, stamped in the past, as the
posting and meeting services would have left it.
"""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from communities.kinds import AuditAction
from communities.models import AuditEvent, Role
from meetings.models import RsvpResponse
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

from .helpers import MOBILE, Journey, account_menu, community_tab, sign_in

pytestmark = pytest.mark.e2e


def _member(community, person, *, role=Role.MEMBER, days_ago=300):
    joined = timezone.now() - dt.timedelta(days=days_ago)
    MembershipFactory(
        community=community, user=person, role=role, joined_at=joined, first_joined_at=joined
    )
    AuditEvent.objects.create(
        community=community,
        actor=person,
        subject=person,
        action=AuditAction.JOINED,
        created_at=joined,
    )


def _ask(community, asker, *, days_ago, reply_by=None, after_hours=3):
    asked = timezone.now() - dt.timedelta(days=days_ago, hours=1)
    request = HelpRequestFactory(community=community, author=asker, created_at=asked)
    if reply_by is not None:
        reply = ReplyFactory(
            help_request=request,
            author=reply_by,
            created_at=asked + dt.timedelta(hours=after_hours),
        )
        request.first_reply_at = reply.created_at
        request.reply_count = 1
        request.save(update_fields=["first_reply_at", "reply_count"])
    return request


@pytest.fixture
def cast(transactional_db):
    units = {
        name: UnitFactory(name=name, slug=name.lower().replace(" ", "-"))
        for name in ("Platform Engineering", "Radiology IT", "Security", "Clinical Operations")
    }
    sponsor = UserFactory(
        display_name="Priya Raman", email="priya@example.org", unit=units["Platform Engineering"]
    )
    people = {
        name: UserFactory(display_name=name, unit=units[unit])
        for name, unit in (
            ("Aisha Bello", "Platform Engineering"),
            ("Tom Becker", "Radiology IT"),
            ("Grace Liu", "Security"),
            ("Amara Nwosu", "Clinical Operations"),
        )
    }

    # Python Practitioners: questions from every unit, answered within hours across units, a meeting held.
    python = CommunityFactory(name="Python Practitioners", slug="python-practitioners")
    _member(python, sponsor, role=Role.SPONSOR)
    _member(python, people["Aisha Bello"], role=Role.MODERATOR)
    for name in ("Tom Becker", "Grace Liu", "Amara Nwosu"):
        _member(python, people[name])
    askers = ["Tom Becker", "Grace Liu", "Amara Nwosu", "Tom Becker"]
    for week in range(12):
        asker = people[askers[week % len(askers)]]
        helper = (
            people["Aisha Bello"]
            if week % 2
            else people["Grace Liu" if asker != people["Grace Liu"] else "Tom Becker"]
        )
        for extra in range(1 + week % 3):
            _ask(
                python, asker, days_ago=week * 7 + extra + 1, reply_by=helper, after_hours=2 + extra
            )
    series = MeetingSeriesFactory(
        community=python, title="Python clinic", organiser=people["Aisha Bello"]
    )
    held = timezone.now() - dt.timedelta(days=6)
    occurrence = OccurrenceFactory(series=series, starts_at=held, original_start=held)
    for name in ("Tom Becker", "Grace Liu", "Amara Nwosu"):
        RsvpFactory(
            occurrence=occurrence,
            user=people[name],
            response=RsvpResponse.GOING,
            attended=True,
            responded_at=held - dt.timedelta(days=2),
        )

    # Incident Reviews: three questions have waited days for anyone to answer.
    incidents = CommunityFactory(name="Incident Reviews", slug="incident-reviews")
    _member(incidents, sponsor, role=Role.SPONSOR)
    _member(incidents, people["Aisha Bello"], role=Role.MODERATOR)
    _member(incidents, people["Tom Becker"])
    _member(incidents, people["Amara Nwosu"])
    for days_ago in (4, 9, 20):
        _ask(incidents, people["Tom Becker"], days_ago=days_ago)
    _ask(
        incidents,
        people["Amara Nwosu"],
        days_ago=50,
        reply_by=people["Aisha Bello"],
        after_hours=60,
    )
    return sponsor


def test_a_sponsor_sees_which_community_needs_help_and_downloads_its_figures(
    page: Page, cast, tmp_path
):
    sponsor = cast
    journey = Journey("health")

    # The account menu loads "Sponsor overview" when it opens.
    sign_in(page, sponsor.email)
    account_menu(page).click()
    link = page.get_by_role("link", name="Sponsor overview")
    expect(link).to_be_visible()
    link.click()

    # Needs help comes first, with its reasons in words.
    expect(page.get_by_role("heading", name="Sponsor overview", level=1)).to_be_visible()
    needs_help = page.get_by_role("region", name="Needs help")
    incidents = needs_help.get_by_role("article", name="Incident Reviews")
    expect(incidents).to_be_visible()
    expect(incidents).to_contain_text("Why it needs help")
    expect(incidents).to_contain_text("3 requests unanswered for over 48 hours")
    thriving = page.get_by_role("region", name="Thriving")
    expect(thriving.get_by_role("article", name="Python Practitioners")).to_be_visible()
    headings = page.locator("h3").all_inner_texts()
    assert headings.index("Incident Reviews") < headings.index("Python Practitioners")
    journey.check(page, "overview")

    # One community's health page, from its row.
    page.get_by_role("link", name="Open the health page of Python Practitioners").click()
    expect(
        page.get_by_role("heading", name="Health · Python Practitioners", level=1)
    ).to_be_visible()
    periods = page.get_by_role("navigation", name="Period")
    expect(periods.get_by_role("link", name="Last 30 days")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("img", name="Help requests each week")).to_be_visible()
    expect(page.get_by_role("img", name="Who helped whom, by unit")).to_be_visible()
    answers = page.locator("#figure-answered_share")
    expect(answers).to_contain_text("100%")
    expect(answers).to_contain_text("Of the help requests asked")  # the definition, right there
    journey.check(page, "community-30-days")

    # The numbers behind a chart open as a table.
    chart = page.locator("#chart-units")
    chart.get_by_text("Show the numbers as a table").click()
    expect(chart.get_by_role("table")).to_be_visible()
    expect(chart.get_by_role("rowheader", name="Platform Engineering")).to_be_visible()

    # A longer period.
    periods.get_by_role("link", name="Last 90 days").click()
    expect(
        page.get_by_role("navigation", name="Period").get_by_role("link", name="Last 90 days")
    ).to_have_attribute("aria-current", "page")
    expect(page.locator(".health-period")).to_contain_text("90 days before")
    journey.check(page, "community-90-days")

    # The CSV: every figure, for the period shown.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    today = timezone.localdate().isoformat()
    assert download.suggested_filename == f"python-practitioners-health-90d-{today}.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["section", "key", "label", "current", "previous", "unit", "definition"]
    figures = {
        row[1]: row
        for row in rows[1:]
        if row and row[0] in ("members", "help", "reach", "meetings", "charter")
    }
    assert {
        "members_active",
        "answered_share",
        "median_first_reply_hours",
        "cross_unit_answer_share",
        "meetings_held",
        "days_since_approval",
    } <= set(figures)
    assert figures["answered_share"][3] == "100.0"
    assert figures["meetings_held"][3] == "1"

    # On a phone the figures stack and the page still passes axe.
    phone = page.context.browser.new_context(viewport=MOBILE, base_url=page.url.split("/c/")[0])
    try:
        small = phone.new_page()
        sign_in(small, sponsor.email)
        small.goto("/c/incident-reviews/health/")
        expect(
            small.get_by_role("heading", name="Health · Incident Reviews", level=1)
        ).to_be_visible()
        journey.check(small, "community-phone")
        small.goto("/health/")
        journey.check(small, "overview-phone")
    finally:
        phone.close()


def test_a_moderator_opens_the_health_page_to_members(page: Page, new_context, cast):
    moderator = UserFactory(display_name="Max Moderator", email="max@example.org")
    member = UserFactory(display_name="Mia Member", email="mia@example.org")
    community = CommunityFactory(name="Wound Care", slug="wound-care")
    _member(community, moderator, role=Role.MODERATOR)
    _member(community, member)
    journey = Journey("health-visibility")

    sign_in(page, moderator.email)
    page.goto("/c/wound-care/health/")
    expect(page.locator("#health-visibility")).to_contain_text("its moderators and sponsors (and site admins)")
    page.get_by_role("button", name="Show it to all members").click()
    expect(page.get_by_role("status").filter(has_text="Every member can now see")).to_be_attached()
    expect(page.locator("#health-visibility")).to_contain_text("every member of Wound Care")
    expect(page.get_by_role("button", name="Keep it for moderators and sponsors")).to_be_visible()
    journey.check(page, "opened")

    other = new_context().new_page()
    sign_in(other, member.email)
    other.goto("/c/wound-care/")
    community_tab(other, "Wound Care", "Health")
    expect(other.get_by_role("heading", name="Health · Wound Care", level=1)).to_be_visible()
    expect(other.get_by_role("button", name="Keep it for moderators and sponsors")).to_have_count(0)
    journey.check(other, "member-view")
