"""A charter goes through sponsor review in the browser: sent back once, then approved."""

import pytest
from playwright.sync_api import Page, expect

from charter.models import Charter, CharterState
from communities.models import Role
from tests.charter.factories import CharterFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, account_menu, sign_in, sign_out

pytestmark = pytest.mark.e2e

PURPOSE = (
    "Python runs our ingestion APIs, risk models and forecasts. This community exists so that "
    "**anyone writing Python here can get unstuck quickly** and write code colleagues can trust."
)


def test_moderator_drafts_sponsor_sends_back_then_approves_and_members_see_the_charter(
    page: Page, live_server, transactional_db
):
    journey = Journey("charter-review")
    community = CommunityFactory(
        name="Python Practitioners", slug="python-guild", tagline="Everyone who writes Python"
    )
    moderator = UserFactory(display_name="Aisha Bello", email="aisha@example.org")
    sponsor = UserFactory(display_name="Priya Raman", email="priya@example.org")
    member = UserFactory(display_name="Mia Member", email="mia@example.org")
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    MembershipFactory(community=community, user=sponsor, role=Role.SPONSOR)
    MembershipFactory(community=community, user=member, role=Role.MEMBER)
    CharterFactory(community=community, purpose=PURPOSE, vision="", strategy="", pitch="")

    # The moderator drafts the charter and submits it.
    sign_in(page, moderator.email)
    page.goto("/c/python-guild/charter/")
    expect(page.get_by_role("heading", name="No approved charter yet")).to_be_visible()
    journey.check(page, "charter-empty")
    page.get_by_role("link", name="Edit draft").click()
    page.get_by_label("Vision").fill("Python at our company feels like one craft, not six islands.")
    page.get_by_label("Objective 1: title").fill("Same-day help for Python questions")
    page.get_by_label("Indicator").first.fill("Median time to first reply")
    page.get_by_label("Strategy").fill("A fortnightly Python clinic, in person and online.")
    page.get_by_label("Value proposition").fill(
        "Stuck on a failing test? Someone in another unit has been there."
    )
    journey.check(page, "edit-draft")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_label("What changed (optional)").fill(
        "Our first charter, from the kick-off workshop."
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Version 1 is with the sponsor for review.")).to_be_visible()
    journey.check(page, "submitted")
    sign_out(page)

    # The sponsor finds it from the account menu and asks for changes.
    sign_in(page, sponsor.email)
    account_menu(page).click()
    page.get_by_role("link", name="Charters to review").click()
    expect(page.get_by_role("heading", name="1 waiting for you")).to_be_visible()
    journey.check(page, "awaiting-review")
    page.get_by_role("link", name="Python Practitioners: version 1").click()
    expect(page.get_by_text("Our first charter, from the kick-off workshop.")).to_be_visible()
    journey.check(page, "review-v1")
    page.get_by_label("Request changes").check()
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_text("Say what should change")).to_be_visible()
    page.get_by_label("Comment").fill("Please give the objective a target date.")
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_text("You asked for changes to version 1.")).to_be_visible()
    journey.check(page, "history-changes-requested")
    sign_out(page)

    # The moderator sees the comment, revises and resubmits.
    sign_in(page, moderator.email)
    page.goto("/c/python-guild/charter/")
    expect(page.get_by_text("Please give the objective a target date.")).to_be_visible()
    journey.check(page, "changes-requested")
    page.get_by_role("link", name="Edit draft").click()
    page.get_by_label("Target date").first.fill("2027-06-30")
    page.get_by_label("Value proposition").fill(
        "Stuck on a failing test? Fifty people in six units have been there."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_label("What changed (optional)").fill("Added a target date.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Version 2 is with the sponsor for review.")).to_be_visible()
    sign_out(page)

    # The sponsor reads the differences and approves.
    sign_in(page, sponsor.email)
    page.goto("/charters/review/")
    page.get_by_role("link", name="Python Practitioners: version 2").click()
    expect(page.get_by_role("heading", name="Value proposition Changed")).to_be_visible()
    expect(page.locator(".diff-new ins").filter(has_text="Fifty")).to_be_visible()
    journey.check(page, "review-v2")
    page.get_by_label("Approve this version").check()
    page.get_by_label("Comment").fill("Approved. Thank you.")
    page.get_by_role("button", name="Send decision").click()
    expect(page.get_by_text("You approved version 2.")).to_be_visible()
    journey.check(page, "approved")
    sign_out(page)

    # A member sees the approved charter and its pitch on the community page.
    sign_in(page, member.email)
    page.goto("/c/python-guild/")
    card = page.get_by_role("region", name="Our charter")
    expect(card.get_by_text("Fifty people in six units have been there.")).to_be_visible()
    expect(card.get_by_text("approved by Priya Raman")).to_be_visible()
    journey.check(page, "community-page")
    card.get_by_role("link", name="Read the full charter").click()
    expect(page.get_by_role("heading", name="Same-day help for Python questions")).to_be_visible()
    expect(page.get_by_text("30 June 2027")).to_be_visible()
    journey.check(page, "charter-approved")
    page.get_by_role("link", name="Printable version").click()
    expect(page.get_by_role("heading", name="Python Practitioners")).to_be_visible()
    journey.check(page, "print")

    charter = Charter.objects.get(community=community)
    assert charter.state == CharterState.APPROVED
    assert charter.approved_version.number == 2
