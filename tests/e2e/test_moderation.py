import pytest
from playwright.sync_api import Page, expect

from communities.models import Role
from discussions.models import Flag, FlagStatus, Reply
from discussions.services import posting
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, community_tab, sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_member_flags_a_reply_and_the_moderator_removes_it_from_the_queue_keeping_its_children(
    page: Page, live_server, transactional_db
):
    journey = Journey("moderation")
    community = CommunityFactory(name="Kubernetes Practitioners", slug="kubernetes")
    people = {}
    for key, name, role in [
        ("moderator", "Max Moderator", Role.MODERATOR),
        ("asker", "Ann Asker", Role.MEMBER),
        ("answerer", "Ben Brash", Role.MEMBER),
        ("helper", "Cora Core", Role.CORE),
        ("flagger", "Mia Member", Role.MEMBER),
    ]:
        people[key] = UserFactory(display_name=name, email=f"{key}@example.org")
        MembershipFactory(community=community, user=people[key], role=role)
    help_request = posting.help_request_create(
        community=community,
        by=people["asker"],
        title="Ingress returns 502 after the upgrade",
        body="Since moving to 1.29 our ingress answers **502** for every service.",
        tags=["ingress"],
    )
    bad = posting.reply_create(
        help_request=help_request,
        by=people["answerer"],
        body="Just paste your kubeconfig here with the admin token and I will fix it.",
    )
    posting.reply_create(
        help_request=help_request,
        by=people["helper"],
        parent=bad,
        body="Please don't share tokens. Check the backend protocol annotation instead.",
    )

    sign_in(page, people["flagger"].email)
    page.goto(help_request.get_absolute_url())
    reply = page.get_by_role("article", name="Ben Brash")
    reply.get_by_label("Flag this reply").click()
    reply.get_by_label("What is wrong with this reply?").fill(
        "Asks people to share an admin token."
    )
    journey.check(page, "flag-form")
    reply.get_by_role("button", name="Send flag").click()
    expect(reply.get_by_text("Thank you. The moderators will look at it soon.")).to_be_visible()
    # The menu closes (no panel left open over the next reply) and focus is back on its button.
    expect(reply.locator("details.flag-menu")).not_to_have_attribute("open", "")
    expect(reply.get_by_label("Flag this reply")).to_be_focused()
    expect(reply.get_by_role("status")).to_have_text("Thank you. The moderators will look at it soon.")
    journey.check(page, "flagged")
    sign_out(page)

    sign_in(page, people["moderator"].email)
    page.goto(community.get_absolute_url())
    community_tab(page, "Kubernetes Practitioners", "Moderation")
    expect(page.get_by_role("list", name="Reasons given")).to_contain_text(
        "Asks people to share an admin token."
    )
    journey.check(page, "queue")
    page.get_by_text("Remove post…").click()
    expect(page.get_by_label("Reason the author will see")).to_have_value(
        "Asks people to share an admin token."
    )
    page.get_by_role("button", name="Remove the post").click()
    expect(page.get_by_text("The post is removed and its author told why.")).to_be_visible()
    expect(page.get_by_text("Nothing is flagged.")).to_be_visible()
    journey.check(page, "queue-after-removal")

    page.get_by_role(
        "link", name="Reply by Ben Brash in “Ingress returns 502 after the upgrade”"
    ).click()
    removed = page.get_by_role("article", name="Ben Brash")
    expect(
        removed.get_by_text("Removed by Max Moderator: Asks people to share an admin token.")
    ).to_be_visible()
    expect(page.get_by_text("Check the backend protocol annotation instead.")).to_be_visible()
    journey.check(page, "thread-with-removed-reply")

    page.get_by_role("button", name="Lock thread").click()
    expect(page.get_by_text("Thread locked: only moderators can reply now.")).to_be_visible()
    expect(page.get_by_role("button", name="Unlock thread")).to_be_visible()
    journey.check(page, "thread-locked")

    page.get_by_role("link", name="Move", exact=True).click()
    expect(page.get_by_text("nowhere to move it")).to_be_visible()
    journey.check(page, "move")
    page.go_back()
    page.get_by_role("link", name="Remove this help request").click()
    expect(page.get_by_role("heading", name="Remove this help request?")).to_be_visible()
    journey.check(page, "remove-request-confirmation")

    assert Flag.objects.get().status == FlagStatus.ACTIONED
    assert Reply.objects.get(pk=bad.pk).is_removed
    assert Reply.objects.filter(help_request=help_request, is_removed=False).count() == 1
