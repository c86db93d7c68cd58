"""Posting in Chromium as a hurried or hostile person would: a double click posts once, with
JavaScript and without, and a reply whose parent vanished keeps its text and says why."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from discussions.models import HelpRequest, Reply
from discussions.services import posting
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

from .helpers import DESKTOP, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def thread(transactional_db):
    community = CommunityFactory(name="Python Practitioners", slug="python")
    asker = UserFactory(display_name="Mia Member", email="mia@example.org")
    helper = UserFactory(display_name="Tom Becker", email="tom@example.org")
    for person in (asker, helper):
        MembershipFactory(community=community, user=person)
    help_request = posting.help_request_create(
        community=community, by=asker, title="Fixtures across modules?", body="How do I share them?"
    )
    return help_request, asker, helper


def test_a_double_click_on_post_reply_posts_one_reply(page: Page, thread):
    help_request, _, helper = thread
    sign_in(page, helper.email)
    page.goto(help_request.get_absolute_url())

    page.get_by_label("Your reply").first.fill("Put them in conftest.py.")
    page.get_by_role("button", name="Post reply").first.dblclick()

    # Both sends answer with the same reply's address; the page lands on it either way.
    expect(page).to_have_url(re.compile(r"#reply-\d+$"))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Put them in conftest.py.")).to_have_count(1)
    assert Reply.objects.filter(help_request=help_request).count() == 1
    help_request.refresh_from_db()
    assert help_request.reply_count == 1


def test_without_javascript_a_double_click_on_post_your_request_asks_once(
    browser: Browser, live_server, thread
):
    _, asker, _ = thread
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(asker.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.goto("/c/python/help/ask/")
        page.get_by_label("Title").fill("Parametrize over fixtures?")
        page.get_by_label("Details").fill("Can a fixture be parametrized from a test?")

        page.get_by_role("button", name="Post your request").dblclick()

        expect(page.get_by_role("heading", name="Parametrize over fixtures?")).to_be_visible()
        assert HelpRequest.objects.filter(title="Parametrize over fixtures?").count() == 1
    finally:
        context.close()


def test_a_reply_whose_parent_vanished_keeps_the_text_and_says_why(page: Page, thread):
    help_request, asker, helper = thread
    answer = posting.reply_create(help_request=help_request, by=asker, body="Any ideas?")
    sign_in(page, helper.email)
    page.goto(help_request.get_absolute_url())
    page.get_by_role("link", name="Reply to Mia Member").click()
    form = page.locator(f"#reply-{answer.pk}-form")
    expect(form).to_be_visible()
    # Someone tampers with the hidden parent (or the reply moves away) before the reply is sent.
    form.locator("input[name=parent]").evaluate("input => input.value = '999999'")
    form.get_by_label("Your reply").fill("A long and careful answer.")

    form.get_by_role("button", name="Post reply").click()

    kept = page.locator("#reply-unanchored-form")
    expect(kept.get_by_role("alert")).to_contain_text(
        "The reply you were answering is no longer there"
    )
    expect(kept.get_by_label("Your reply")).to_have_value("A long and careful answer.")
    assert Reply.objects.filter(help_request=help_request).count() == 1
