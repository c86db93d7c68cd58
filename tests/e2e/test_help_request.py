"""A help request from question to accepted answer, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from communities.models import Role
from discussions.kinds import Kind
from discussions.models import HelpRequest, Reply, RequestStatus
from discussions.services import posting
from notifications.models import Notification
from tests.discussions.factories import ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .helpers import Journey, htmx_settled, sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_a_member_asks_an_expert_answers_a_colleague_follows_up_and_the_asker_accepts(
    page: Page, live_server, transactional_db
):
    journey = Journey("help-request")
    community = CommunityFactory(
        name="Python Practitioners",
        slug="python",
        tagline="Everyone who writes Python",
        tags=["python"],
    )
    asker = UserFactory(display_name="Mia Member", email="mia@example.org")
    expert = UserFactory(
        display_name="Aisha Bello", email="aisha@example.org", expertise=["pytest", "django"]
    )
    colleague = UserFactory(display_name="Tom Becker", email="tom@example.org")
    bystander = UserFactory(
        display_name="Nina Nobody", email="nina@example.org", expertise=["pytest"]
    )
    moderator = UserFactory(display_name="Hannah Schmidt", email="hannah@example.org")
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    for person in (asker, expert, colleague):
        MembershipFactory(community=community, user=person)
    # An older, solved question resembling the new one: similar questions should surface it.
    older = posting.help_request_create(
        community=community,
        by=moderator,
        title="How do I share pytest fixtures between test modules?",
        body="Copying fixtures around is getting old.",
        tags=["pytest"],
    )
    old_answer = posting.reply_create(help_request=older, by=expert, body="Use a `conftest.py`.")
    posting.answer_accept(help_request=older, reply=old_answer, by=moderator)
    Notification.objects.all().delete()

    # The asker posts a request with tags and sees similar questions while typing the title.
    sign_in(page, asker.email, journey=journey)
    page.goto("/c/python/")
    page.get_by_role("navigation", name="Python Practitioners").get_by_role(
        "link", name="Help requests"
    ).click()
    expect(page.get_by_role("heading", name="1 help request")).to_be_visible()
    journey.check(page, "list")
    page.get_by_role("link", name="Ask for help").first.click()
    title = page.get_by_label("Title")
    title.press_sequentially("Sharing pytest fixtures across test modules", delay=10)
    similar = page.locator("#similar-requests")
    expect(
        similar.get_by_role("link", name="How do I share pytest fixtures between test modules?")
    ).to_be_visible()
    details = page.get_by_label("Details")
    details.fill(
        "Our `tests/` folder has **five** copies of the same `db_user` fixture. Where should it live?"
    )
    details.press("End")
    details.press_sequentially(" ", delay=10)
    expect(page.locator("#preview-request strong")).to_have_text("five")
    page.get_by_label("Tags").fill("pytest, python")
    journey.check(page, "ask-with-similar-and-preview")
    page.get_by_role("button", name="Post your request").click()
    expect(
        page.get_by_role("heading", name="Sharing pytest fixtures across test modules")
    ).to_be_visible()
    expect(page.get_by_text("Your request is posted.")).to_be_visible()
    journey.check(page, "thread-asked")
    request = HelpRequest.objects.get(title="Sharing pytest fixtures across test modules")
    sign_out(page)

    # The expert, whose expertise matches a tag, is told and replies.
    assert Notification.objects.filter(recipient=expert, kind=Kind.HELP_WANTED).count() == 1
    assert not Notification.objects.filter(recipient=bystander).exists()  # not a member
    sign_in(page, expert.email)
    page.get_by_role("link", name="Notifications, 1 unread").click()
    journey.check(page, "expert-notifications")
    page.get_by_role("button", name=re.compile("You may be able to help: Mia Member asked")).click()
    expect(
        page.get_by_role("heading", name="Sharing pytest fixtures across test modules")
    ).to_be_visible()
    page.get_by_role("textbox", name="Your reply").fill(
        "Move it to `tests/conftest.py`: pytest finds fixtures there for every module below it."
    )
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    expert_reply = Reply.objects.get(help_request=request, author=expert)
    expect(page.locator(f"#reply-{expert_reply.pk}")).to_contain_text("pytest finds fixtures there")
    # Focus lands on the new reply, not at the top of the page.
    expect(page.locator(f"#reply-{expert_reply.pk}")).to_be_focused()
    journey.check(page, "expert-replied")
    sign_out(page)

    # Another member replies to that reply: the reply nests under it.
    sign_in(page, colleague.email)
    page.goto(request.get_absolute_url())
    page.get_by_role("link", name="Reply to Aisha Bello").click()
    inline = page.locator(f"#reply-{expert_reply.pk}-slot")
    expect(inline.get_by_role("textbox", name="Your reply")).to_be_focused()
    inline.get_by_role("textbox", name="Your reply").fill(
        f"And if only some modules need it, use a nested conftest. Thanks @{expert.handle}!"
    )
    journey.check(page, "nested-reply-form")
    inline.get_by_role("button", name="Post reply").click()
    nested = page.locator(f"#reply-{expert_reply.pk} .replies-nested > li")
    expect(nested).to_contain_text("use a nested conftest")
    expect(nested).to_be_focused()
    expect(nested.get_by_role("link", name=f"@{expert.handle}")).to_be_visible()
    journey.check(page, "nested-reply")
    # A helpful vote, toggled in place.
    vote = page.locator(f"#reply-{expert_reply.pk} > .reply-body").get_by_role(
        "button", name=re.compile("Helpful")
    )
    vote.focus()
    page.keyboard.press("Enter")
    expect(
        page.locator(f"#reply-{expert_reply.pk} > .reply-body").get_by_role(
            "button", name=re.compile("Helpful")
        )
    ).to_have_attribute("aria-pressed", "true")
    # The vote swaps the button for its new state; keyboard focus stays on it.
    expect(page.locator(f"#helpful-{expert_reply.pk}")).to_be_focused()
    htmx_settled(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#helpful-{expert_reply.pk}")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#helpful-{expert_reply.pk}")).to_be_focused()
    htmx_settled(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#helpful-{expert_reply.pk}")).to_have_attribute("aria-pressed", "true")
    sign_out(page)

    # A busy answer: its replies beyond the page's 50 wait behind "N more replies", which loads
    # them in place and moves focus to the first of them.
    for n in range(60):
        ReplyFactory(
            parent=expert_reply,
            author=moderator if n % 2 else colleague,
            body=f"Follow-up {n}",
            body_html=f"<p>Follow-up {n}</p>",
        )
    children = list(Reply.objects.get_children(expert_reply))
    sign_in(page, moderator.email)
    page.goto(request.get_absolute_url())
    expect(page.locator(f"#reply-{children[48].pk}")).to_be_visible()
    expect(page.locator(f"#reply-{children[49].pk}")).to_have_count(0)
    more = page.get_by_role("link", name="12 more replies to Aisha Bello")
    more.click()
    first_new = page.locator(f"#reply-{children[49].pk}")
    expect(first_new).to_be_focused()
    expect(more).to_have_count(0)
    expect(page.locator(f"#reply-{expert_reply.pk} .replies-nested > li.reply")).to_have_count(61)
    journey.check(page, "more-replies")
    sign_out(page)

    # The asker accepts the expert's answer.
    sign_in(page, asker.email)
    page.goto(request.get_absolute_url())
    page.get_by_role("button", name="Accept the reply by Aisha Bello as the answer").click()
    accepted = page.locator("#accepted-answer")
    expect(accepted).to_contain_text("pytest finds fixtures there")
    expect(page.locator(".help-request").get_by_text("Solved")).to_be_visible()
    journey.check(page, "accepted")
    request.refresh_from_db()
    assert request.status == RequestStatus.SOLVED

    # Solved at the top of the community page, and in search.
    page.goto("/c/python/")
    first = page.locator(".help-card .request-list > li").first
    expect(first).to_contain_text("Sharing pytest fixtures across test modules")
    expect(first).to_contain_text("Solved")
    journey.check(page, "community-solved")
    page.goto("/search/?q=fixtures")
    result = page.get_by_role(
        "link", name=re.compile("Sharing pytest fixtures across test modules")
    )
    expect(result).to_be_visible()
    journey.check(page, "search-solved")
