"""Under the strict Content-Security-Policy every page still works, and refuses nothing.

Every journey's contexts watch for CSP refusals (conftest.new_context), so the tour and the
other journeys fail on any. These visit what they do not: the Django admin, allauth's MFA
and email pages, a Markdown table, the sent-email viewer, and the inline handlers that
moved into static/js/declarative.js.
"""

import pytest
from allauth.account.models import EmailAddress
from django.core.mail import EmailMultiAlternatives
from playwright.sync_api import Page, expect

from communities.models import Role
from discussions.services import posting
from tests.factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

from .helpers import SCREENSHOTS, Journey, csp_violations, fail_on_csp_violations, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(transactional_db):
    return UserFactory(
        display_name="Ada Admin", email="admin@example.org", is_staff=True, is_superuser=True
    )


def test_the_watcher_notices_what_the_policy_refuses(page: Page, live_server, transactional_db):
    page.goto("/")
    # What an injected attribute would try: the policy refuses it and the watcher reports it.
    page.evaluate("document.body.setAttribute('style', 'background: red')")
    page.wait_for_timeout(100)

    assert any("style-src-attr" in v for v in csp_violations(page))
    with pytest.raises(pytest.fail.Exception, match="Content-Security-Policy refused"):
        fail_on_csp_violations(page, "injected-style")


def _no_refusals(page: Page, name: str) -> None:
    """Screenshot and CSP check without axe: the admin's markup is Django's, not ours."""
    page.wait_for_load_state("load")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    fail_on_csp_violations(page, name)


def test_the_admin_works_under_the_policy(page: Page, admin, live_server):
    sign_in(page, admin.email)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    _no_refusals(page, "csp-admin-01-index")

    # prepopulate.js fills the slug and inlines.js offers another membership row.
    page.goto("/admin/communities/community/add/")
    page.get_by_label("Name:").press_sequentially("Secure Coding Circle")
    expect(page.get_by_label("Slug:")).to_have_value("secure-coding-circle")
    expect(page.get_by_role("button", name="Add another Membership")).to_be_visible()
    _no_refusals(page, "csp-admin-02-community-add")

    # DateTimeShortcuts.js adds its "Today" and "Now" links.
    page.goto("/admin/meetings/occurrence/add/")
    expect(page.get_by_role("link", name="Today").first).to_be_visible()
    _no_refusals(page, "csp-admin-03-occurrence-add")

    # actions.js: ticking "select all" ticks every row and counts them.
    page.goto("/admin/accounts/user/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    _no_refusals(page, "csp-admin-04-user-changelist")


def test_allauth_pages_work_under_the_policy(page: Page, live_server, transactional_db):
    journey = Journey("csp-allauth")
    person = UserFactory(email="mia@example.org")
    page.goto("/accounts/signup/")
    journey.check(page, "signup")
    page.goto("/accounts/password/reset/")
    journey.check(page, "password-reset")
    sign_in(page, person.email)

    # The QR code is a data: image; it must load.
    page.goto("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before a second factor is set up.
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    qr = page.locator("img.mfa, img[src^='data:image']").first
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.naturalWidth > 0", qr.element_handle())
    journey.check(page, "totp-activate")

    # A pending email change: allauth's hidden form carried a style attribute.
    EmailAddress.objects.create(user=person, email="mia.new@example.org", verified=False)
    page.goto("/accounts/email/")
    expect(page.get_by_label("Changing to:")).to_have_value("mia.new@example.org")
    expect(page.locator("form#pending-email")).to_be_hidden()
    journey.check(page, "email-change-pending")


def test_markdown_tables_keep_their_alignment(page: Page, live_server, transactional_db):
    community = CommunityFactory(slug="python", name="Python Practitioners")
    asker = UserFactory(email="mia@example.org")
    MembershipFactory(community=community, user=asker, role=Role.MEMBER)
    request = posting.help_request_create(
        community=community,
        by=asker,
        title="Which chart versions do we run?",
        body="| chart | version |\n| :--- | ---: |\n| ingress | 4.10 |\n",
    )
    sign_in(page, asker.email)
    page.goto(request.get_absolute_url())

    right = page.get_by_role("cell", name="4.10")
    expect(right).to_have_css("text-align", "right")
    fail_on_csp_violations(page, "markdown-table")


def test_the_thread_s_inline_actions_work_from_static_files(
    page: Page, live_server, transactional_db
):
    community = CommunityFactory(slug="python", name="Python Practitioners")
    asker = UserFactory(display_name="Mia Member", email="mia@example.org")
    expert = UserFactory(display_name="Aisha Bello", email="aisha@example.org")
    for person in (asker, expert):
        MembershipFactory(community=community, user=person)
    request = posting.help_request_create(
        community=community, by=asker, title="Sharing fixtures", body="Where should they live?"
    )
    posting.reply_create(help_request=request, by=expert, body="In `conftest.py`.")
    sign_in(page, asker.email)
    page.goto(request.get_absolute_url())

    # An empty reply comes back as a 400 with the form and its message, swapped in place.
    form = page.locator("#reply-form")
    form.get_by_role("button", name="Post reply").click()
    expect(form.locator(".errorlist, [role=alert]").first).to_be_visible()
    expect(page.get_by_role("heading", name="Sharing fixtures")).to_be_visible()

    # "Cancel" on an inline reply form takes the form away.
    page.get_by_role("link", name="Reply to Aisha Bello").click()
    inline_cancel = page.get_by_role("button", name="Cancel")
    expect(inline_cancel).to_be_visible()
    inline_cancel.click()
    expect(inline_cancel).to_have_count(0)
    fail_on_csp_violations(page, "thread-actions")


def test_the_sent_email_viewer_shows_a_styled_email(
    page: Page, admin, live_server, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    email = EmailMultiAlternatives(subject="Styled", body="Plain", to=["mia@example.org"])
    email.attach_alternative('<p style="color:#0b5c66">Styled body</p>', "text/html")
    email.send()
    sign_in(page, admin.email)
    page.goto("/dev/mail/")
    page.get_by_role("link", name="Styled").first.click()

    body = page.frame_locator("iframe.mail-frame").get_by_text("Styled body")
    expect(body).to_have_css("color", "rgb(11, 92, 102)")
    fail_on_csp_violations(page, "dev-mail")
