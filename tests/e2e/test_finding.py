import pytest
from playwright.sync_api import Page, expect

from communities.models import Role
from discussions.models import RequestStatus
from tests.discussions.finding_helpers import ask
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, sign_in

pytestmark = pytest.mark.e2e


def test_a_member_searches_from_the_header_filters_and_finds_help_wanted(
    page: Page, live_server, transactional_db
):
    journey = Journey("finding")
    community = CommunityFactory(name="Kubernetes Practitioners", slug="kubernetes")
    hidden = CommunityFactory(name="Incident Reviews", slug="incident-reviews", private=True)
    member = UserFactory(display_name="Mia Member", email="mia@example.org", expertise=["helm"])
    MembershipFactory(community=community, user=member, role=Role.MEMBER)
    ask(
        community,
        "Helm rollback leaves old pods running",
        "After `helm rollback` the **old pods** keep serving traffic.\n\n```yaml\nreplicas: 3\n```",
        tags=["helm"],
        replies=["Check the revisionHistoryLimit.", "Use --atomic on upgrade."],
        status=RequestStatus.SOLVED,
    )
    ask(community, "Helm chart values per environment", tags=["helm"])
    ask(community, "Ingress certificates expire silently", tags=["networking"])
    ask(hidden, "Helm outage postmortem")

    sign_in(page, member.email)
    page.get_by_role("searchbox", name="Search help requests").fill("helm")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Search help requests")).to_be_visible()
    results = page.locator("#search-results")
    expect(results.get_by_text("2 help requests")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("Helm")
    expect(results.get_by_text("Solved")).to_be_visible()
    expect(page.get_by_text("Helm outage postmortem")).to_have_count(0)
    journey.check(page, "search-results")

    page.get_by_label("Unanswered only").check()
    expect(results.get_by_text("1 help request")).to_be_visible()
    expect(results.get_by_role("link", name="Helm chart values per environment")).to_be_visible()
    journey.check(page, "search-unanswered")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Help wanted").click()
    expect(page.get_by_role("heading", name="Help wanted", exact=True)).to_be_visible()
    expect(page.get_by_text("2 requests waiting for an answer")).to_be_visible()
    journey.check(page, "help-wanted")
    page.get_by_label("Matches my expertise").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 request waiting for an answer")).to_be_visible()
    journey.check(page, "help-wanted-mine")

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/search/?q=helm")
    journey.check(page, "search-mobile")
