"""Browser journeys: co-creating the vision in a round, and a value story filling the value table."""

import pytest
from playwright.sync_api import Page, expect

from charter.models import Contribution, Endorsement, ValueStory
from communities.models import Role
from tests.charter.factories import CharterFactory, ObjectiveFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import MOBILE, Journey, community_tab, sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture
def cast(transactional_db):
    community = CommunityFactory(
        name="Clinical Data Quality", slug="clinical-data-quality",
        tagline="Clinicians and data people fixing the data patients depend on",
    )
    charter = CharterFactory(community=community)
    people = {
        "moderator": UserFactory(display_name="Maya Okafor", email="maya@example.org"),
        "member": UserFactory(display_name="Tom Becker", email="tom@example.org"),
        "sponsor": UserFactory(display_name="Sarah Whitfield", email="sarah@example.org"),
    }
    MembershipFactory(community=community, user=people["moderator"], role=Role.MODERATOR)
    MembershipFactory(community=community, user=people["member"], role=Role.MEMBER)
    MembershipFactory(community=community, user=people["sponsor"], role=Role.SPONSOR)
    return community, charter, people


def test_a_member_contributes_and_endorses_then_a_moderator_marks_an_idea_used(page: Page, cast):
    community, charter, people = cast
    journey = Journey("vision-round")

    # The moderator opens a round.
    sign_in(page, people["moderator"].email)
    page.goto("/c/clinical-data-quality/charter/vision/")
    journey.check(page, "rounds-empty")
    page.get_by_label("Title").fill("What would trustworthy clinical data look like?")
    page.get_by_label("Introduction").fill("Tell us what works and what you dream of.")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("The vision round is open.")).to_be_visible()
    journey.check(page, "round-opened")
    sign_out(page)

    # The sponsor adds an idea to Dream.
    sign_in(page, people["sponsor"].email)
    page.goto("/c/clinical-data-quality/charter/vision/")
    page.get_by_role("link", name="What would trustworthy clinical data look like?").click()
    page.get_by_label("Your idea for Dream").fill("Every dashboard number carries a quality mark clinicians trust.")
    page.get_by_role("button", name="Add to Dream").click()
    expect(page.get_by_text("Thank you: your idea is in.")).to_be_visible()
    sign_out(page)

    # The member, notified, contributes to Discover and endorses the sponsor's idea in place.
    sign_in(page, people["member"].email)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    journey.check(page, "member-notified")
    page.locator("button.link-button", has_text="Maya Okafor opened a vision round").click()
    expect(page.get_by_role("heading", name="What would trustworthy clinical data look like?")).to_be_visible()
    journey.check(page, "round-as-member")
    page.get_by_label("Your idea for Discover").fill("The weird-readings channel gets an answer within the hour.")
    page.get_by_role("button", name="Add to Discover").click()
    expect(page.get_by_text("Thank you: your idea is in.")).to_be_visible()
    mine = page.locator(".contribution", has_text="weird-readings channel")
    expect(mine.get_by_role("button", name="Endorse")).to_have_count(0)  # not one's own idea

    theirs = page.locator(".contribution", has_text="quality mark clinicians trust")
    expect(theirs.locator(".badge-sponsor")).to_be_visible()
    page.evaluate("window.__samePage = true")
    theirs.get_by_role("button", name="Endorse").click()
    expect(theirs.get_by_role("button", name="Endorsed")).to_have_attribute("aria-pressed", "true")
    expect(theirs.get_by_text("1 endorsement")).to_be_visible()
    expect(page.locator("#vision-status")).to_have_text("You endorse this idea.")
    assert page.evaluate("window.__samePage") is True, "endorsing reloaded the page"
    journey.check(page, "endorsed")
    sign_out(page)
    sponsor_idea = Contribution.objects.get(author=people["sponsor"])
    assert Endorsement.objects.filter(contribution=sponsor_idea, user=people["member"]).exists()

    # The moderator marks the sponsor's idea as used in the draft, in place.
    sign_in(page, people["moderator"].email)
    page.goto("/c/clinical-data-quality/charter/vision/")
    page.get_by_role("link", name="What would trustworthy clinical data look like?").click()
    idea = page.locator(".contribution", has_text="quality mark clinicians trust")
    idea.get_by_role("button", name="Mark as used in the draft").click()
    expect(idea.get_by_text("Used in the draft")).to_be_visible()
    expect(idea.get_by_role("button", name="Unmark")).to_be_visible()
    journey.check(page, "marked-used")
    page.get_by_label("Summary").fill("We drafted the vision from the quality-mark idea.")
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("This round is closed.")).to_be_visible()
    journey.check(page, "round-closed")
    sponsor_idea.refresh_from_db()
    assert sponsor_idea.used_in_draft and sponsor_idea.endorsement_count == 1


def test_a_member_records_a_value_story_and_sees_it_in_the_matrix(page: Page, cast, new_context):
    community, charter, people = cast
    ObjectiveFactory(charter=charter, title="Fewer false alerts for nurses")
    journey = Journey("value-story")

    sign_in(page, people["member"].email)
    page.goto("/c/clinical-data-quality/")
    community_tab(page, "Clinical Data Quality", "Value stories")
    expect(page.get_by_role("table", name="Value created: 0 stories")).to_be_visible()
    journey.check(page, "stories-empty")
    page.get_by_role("link", name="Add a value story").first.click()
    journey.check(page, "story-form")
    page.get_by_role("button", name="Save the story").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    journey.check(page, "story-form-errors")
    page.get_by_label("Title").fill("Duplicate readings stopped false alerts")
    page.get_by_label("What happened").fill("We traced duplicates to the Boston feed and **fixed** them.")
    page.get_by_label("Who benefited").fill("Night-shift nurses")
    page.get_by_label("Short term value for organisation").check()
    page.get_by_label("Objective").select_option(label="Fewer false alerts for nurses")
    page.get_by_label("Time saved (minutes)").fill("900")
    page.get_by_role("button", name="Save the story").click()
    expect(page.get_by_text("Thank you: your story is on the value table.")).to_be_visible()
    expect(page.get_by_role("heading", name="Duplicate readings stopped false alerts")).to_be_visible()
    journey.check(page, "story")

    page.get_by_role("link", name="All value stories").click()
    table = page.get_by_role("table", name="Value created: 1 story, about 15 hours saved")
    expect(table).to_be_visible()
    expect(table.get_by_role("link", name="Duplicate readings stopped false alerts")).to_be_visible()
    journey.check(page, "stories-with-one")
    assert ValueStory.objects.get().objective.title == "Fewer false alerts for nurses"

    phone = new_context(MOBILE).new_page()
    sign_in(phone, people["member"].email)
    phone.goto("/c/clinical-data-quality/stories/")
    journey.check(phone, "stories-mobile")


def test_an_interested_colleague_reads_a_closed_round_on_a_phone(cast, new_context):
    community, charter, people = cast
    from charter.services import vision

    vision_round = vision.vision_round_open(charter=charter, by=people["moderator"], title="Round one")
    vision.contribution_add(vision_round=vision_round, author=people["member"], prompt="deliver", text="I will help.")
    vision.vision_round_close(vision_round=vision_round, by=people["moderator"], summary="Thanks, all.")
    outsider = UserFactory(display_name="Ravi Menon", email="ravi@example.org")
    phone = new_context(MOBILE).new_page()

    sign_in(phone, outsider.email)
    phone.goto(f"/c/clinical-data-quality/charter/vision/{vision_round.pk}/")
    expect(phone.get_by_text("I will help.")).to_be_visible()
    expect(phone.get_by_text("This round is closed.")).to_be_visible()
    Journey("vision-round-mobile").check(phone, "closed-round")
