import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from communities.models import Invitation, InvitationStatus, Membership, Role
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, community_tab, sign_in, sign_out

pytestmark = pytest.mark.e2e

INVITEE = "ines.invitee@example.org"
NEW_PASSWORD = "harbour-lantern-92"


def _invitation_link(live_server_url: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [INVITEE]]
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s/]+/)", message.body)
    assert match, message.body
    # The email links to SITE_URL; the browser must come back to the live server.
    return live_server_url + match.group(1)


def test_moderator_invites_an_address_and_that_person_signs_up_through_the_link_and_joins(
    page: Page, live_server, transactional_db
):
    journey = Journey("invitation")
    community = CommunityFactory(
        private=True,
        name="Incident Reviews",
        slug="incident-reviews",
        tagline="Blameless write-ups, shared early",
    )
    moderator = UserFactory(display_name="Max Moderator", email="moderator@example.org")
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)

    sign_in(page, moderator.email, journey=journey)
    page.goto("/c/incident-reviews/")
    community_tab(page, "Incident Reviews", "Invitations")
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    journey.check(page, "invitations")
    page.get_by_label("Email address").fill(INVITEE)
    page.get_by_label("Personal message").fill(
        "Your post-mortem on the pager outage was excellent."
    )
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {INVITEE}.")).to_be_visible()
    expect(page.get_by_role("cell", name=INVITEE, exact=True)).to_be_visible()
    journey.check(page, "invitation-sent")
    sign_out(page)

    page.goto(_invitation_link(live_server.url))
    expect(
        page.get_by_role("heading", name="Max Moderator invited you to join Incident Reviews")
    ).to_be_visible()
    journey.check(page, "invitation-anonymous")
    page.get_by_role("link", name="Create your account").click()
    expect(page.locator("input[name=email]")).to_have_value(INVITEE)
    journey.check(page, "signup-prefilled")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    # The address came through the invitation, so it counts as verified: no confirmation
    # email, the person is signed in and lands back on the invitation (the `next` parameter).
    expect(page.locator("summary[aria-label='Your account menu']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/invitations/[^/]+/$"))
    journey.check(page, "invitation-signed-in")
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_text("You are a member")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Incident Reviews")
    journey.check(page, "community-joined")

    invitee = User.objects.get(email=INVITEE)
    assert invitee.emailaddress_set.get().verified
    assert Membership.objects.filter(community=community, user=invitee, is_active=True).exists()
    assert Invitation.objects.get(email=INVITEE).status == InvitationStatus.ACCEPTED
    assert not [m for m in mail.outbox if "confirm-email" in m.body]
