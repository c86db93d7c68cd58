import pytest
from playwright.sync_api import Page, expect

from communities.models import Membership, Role
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, community_tab, sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_member_asks_to_join_a_listed_community_and_reads_it_once_a_moderator_approves(
    page: Page, live_server, transactional_db
):
    journey = Journey("join-request")
    community = CommunityFactory(
        listed=True,
        name="Clinical Data Standards",
        slug="clinical-data",
        tagline="FHIR, HL7 and the people who map them",
    )
    moderator = UserFactory(display_name="Max Moderator", email="moderator@example.org")
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    applicant = UserFactory(
        display_name="Rita Requester", email="rita@example.org", job_title="Data engineer"
    )

    sign_in(page, applicant.email, journey=journey)
    page.goto("/c/clinical-data/members/")
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()
    journey.check(page, "members-refused")

    page.goto("/c/clinical-data/")
    journey.check(page, "community-as-outsider")
    page.get_by_role("link", name="Ask to join").click()
    expect(page.get_by_role("heading", name="Ask to join Clinical Data Standards")).to_be_visible()
    journey.check(page, "request-form")
    page.get_by_label("Message to the moderators").fill(
        "I map lab results to FHIR Observations every day."
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request is on its way to the moderators.")).to_be_visible()
    expect(page.get_by_text("Your request to join is waiting for the moderators.")).to_be_visible()
    journey.check(page, "request-sent")
    sign_out(page)

    sign_in(page, moderator.email)
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    expect(bell.locator(".bell-count")).to_have_text("1")
    journey.check(page, "moderator-home")
    page.goto("/c/clinical-data/")
    journey.check(page, "community-as-moderator")
    community_tab(page, "Clinical Data Standards", "Join requests")
    expect(page.get_by_text("I map lab results to FHIR Observations every day.")).to_be_visible()
    journey.check(page, "join-requests")
    page.get_by_role("button", name="Approve Rita Requester").click()
    expect(page.get_by_text("Rita Requester is now a member.")).to_be_visible()
    expect(page.get_by_text("No one is waiting.")).to_be_visible()
    journey.check(page, "request-approved")
    sign_out(page)

    sign_in(page, applicant.email)
    expect(page.get_by_role("link", name="Notifications, 1 unread")).to_be_visible()
    page.get_by_role("link", name="Notifications, 1 unread").click()
    journey.check(page, "notifications")
    page.get_by_role(
        "button", name="Welcome! Your request to join Clinical Data Standards was approved."
    ).click()
    expect(page.get_by_text("You are a member")).to_be_visible()
    journey.check(page, "community-as-member")
    page.get_by_role("link", name="See all members").click()
    expect(page.get_by_role("heading", name="2 members")).to_be_visible()
    expect(page.get_by_role("link", name="Rita Requester")).to_be_visible()
    journey.check(page, "members")

    assert Membership.objects.filter(
        community=community, user=applicant, is_active=True, role=Role.MEMBER
    ).exists()
