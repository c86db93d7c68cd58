import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from communities.models import Membership
from tests.factories import CommunityFactory, UnitFactory

from .helpers import Journey

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "lantern-orchard-47"


def _confirmation_link(live_server_url: str) -> str:
    (message,) = mail.outbox
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    # The link carries whatever host built it; the browser must come back to the live server.
    return live_server_url + match.group(1)


def test_newcomer_signs_up_verifies_email_completes_profile_and_joins_an_open_community(
    page: Page, live_server, transactional_db
):
    journey = Journey("signup")
    UnitFactory(name="Clinical Operations", slug="clinical-operations")
    community = CommunityFactory(
        name="Wound Care Network",
        slug="wound-care",
        tagline="Nurses and clinicians comparing notes",
        tags=["nursing"],
    )

    page.goto("/accounts/signup/")
    journey.check(page, "signup-form")
    page.locator("input[name=email]").fill("nadia.newcomer@example.org")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    journey.check(page, "verify-email-sent")

    page.goto(_confirmation_link(live_server.url))
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    journey.check(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    # Confirming signs the newcomer in and sends them to the welcome version of the profile form.
    expect(page.locator("summary[aria-label='Your account menu']")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome! Tell colleagues who you are")).to_be_visible()
    journey.check(page, "welcome-profile-form")
    page.get_by_label("Name shown to others").fill("Nadia Newcomer")
    page.get_by_label("Unit").select_option(label="Clinical Operations")
    page.get_by_label("Job title").fill("Tissue viability nurse")
    page.get_by_label("Expertise").fill("wound care, dressings")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Nadia Newcomer")).to_be_visible()
    journey.check(page, "profile")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    journey.check(page, "directory")
    page.get_by_role("link", name="Wound Care Network").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wound Care Network")
    journey.check(page, "community-before-joining")
    page.get_by_role("button", name="Join community").click()
    expect(page.get_by_text("You are a member")).to_be_visible()
    journey.check(page, "community-joined")

    user = User.objects.get(email="nadia.newcomer@example.org")
    assert user.display_name == "Nadia Newcomer"
    assert user.unit.name == "Clinical Operations"
    assert sorted(t.name for t in user.expertise.all()) == ["dressings", "wound care"]
    assert Membership.objects.filter(community=community, user=user, is_active=True).exists()


def test_confirming_in_another_browser_still_leads_to_the_welcome_step_with_the_browsers_time_zone(
    browser, page: Page, live_server, transactional_db
):
    page.goto("/accounts/signup/")
    page.locator("input[name=email]").fill("omar.newcomer@example.org")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    # The link is opened on another device (a phone's mail app), in a browser set to Lisbon time.
    phone = browser.new_context(base_url=live_server.url, timezone_id="Europe/Lisbon")
    try:
        other = phone.new_page()
        other.goto(_confirmation_link(live_server.url))
        other.get_by_role("button", name="Confirm").click()
        # Not signed in by the link (it was not their signing-up session): they sign in ...
        other.locator("input[name=login]").fill("omar.newcomer@example.org")
        other.locator("input[name=password]").fill(NEW_PASSWORD)
        other.get_by_role("button", name="Sign In").click()
        # ... and still land on the welcome step, which offers the browser's time zone.
        expect(
            other.get_by_role("heading", name="Welcome! Tell colleagues who you are")
        ).to_be_visible()
        zone = other.get_by_label("Time zone")
        expect(zone).to_have_value("Europe/Lisbon")
        expect(other.get_by_text("Set to your browser's time zone, Europe/Lisbon.")).to_be_visible()
        other.get_by_label("Name shown to others").fill("Omar Newcomer")
        other.get_by_role("button", name="Save profile").click()
        expect(other.get_by_text("Your profile is saved.")).to_be_visible()
    finally:
        phone.close()

    assert User.objects.get(email="omar.newcomer@example.org").timezone == "Europe/Lisbon"
