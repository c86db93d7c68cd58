import json

import pytest
from playwright.sync_api import Page, expect

from communities.models import Role
from communities.services import membership_join
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.webhooks import receiver as receiver_module

from .helpers import Journey, community_tab, sign_in

pytestmark = pytest.mark.e2e


def test_moderator_adds_a_webhook_and_sees_a_delivery_in_the_log(
    page: Page, live_server, transactional_db
):
    journey = Journey("webhooks")
    receiver, server = receiver_module.start()
    try:
        CommunityFactory(name="Python Practitioners", slug="python")
        moderator = UserFactory(display_name="Max Moderator", email="moderator@example.org")
        community = CommunityFactory._meta.model.objects.get(slug="python")
        MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)

        sign_in(page, moderator.email)
        page.goto("/c/python/")
        community_tab(page, "Python Practitioners", "Webhooks")
        expect(page.get_by_text("No webhooks yet.")).to_be_visible()
        journey.check(page, "empty")
        page.get_by_label("Target URL").fill(receiver.url)
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("Webhook added.")).to_be_visible()
        expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
        journey.check(page, "added")

        membership_join(community=community, user=UserFactory(display_name="Nina Newcomer"))
        assert [json.loads(r["body"])["type"] for r in receiver.received] == ["member.joined"]

        page.get_by_role("link", name="Delivery log").click()
        expect(page.get_by_role("cell", name="member.joined", exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name="Delivered", exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name="200", exact=True)).to_be_visible()
        journey.check(page, "log")
        page.get_by_role("button", name="Send again").click()
        expect(page.get_by_text("The delivery is on its way again.")).to_be_visible()
        assert len(receiver.received) == 2
        journey.check(page, "sent-again")
    finally:
        server.shutdown()
        server.server_close()
