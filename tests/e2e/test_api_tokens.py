import pytest
from playwright.sync_api import Page, expect

from tests.factories import UserFactory

from .helpers import Journey, fail_on_csp_violations, htmx_settled, sign_in

pytestmark = pytest.mark.e2e


def test_person_creates_a_token_uses_it_and_revokes_it(page: Page, live_server, transactional_db):
    journey = Journey("api-tokens")
    person = UserFactory(display_name="Ted Tokens", email="ted@example.org")

    sign_in(page, person.email)
    page.goto(f"/people/{person.pk}/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    journey.check(page, "empty")
    # axe leaves empty style attributes behind, which htmx would copy onto the swapped-in
    # elements of the same id (refused by our CSP): start the form from a fresh page.
    page.reload()

    page.get_by_label("Name").fill("Quarterly report")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Create token").click()
    htmx_settled(page)
    secret_box = page.get_by_role("textbox", name="Token", exact=True)
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("prt_")
    journey.check(page, "created")

    api = page.context.request
    answer = api.get(
        f"{live_server.url}/api/v1/communities", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200

    page.reload()
    expect(page.get_by_role("textbox", name="Token", exact=True)).to_have_count(0)  # shown once
    page.get_by_role("button", name="Revoke “Quarterly report”").click()
    htmx_settled(page)
    expect(page.get_by_text("revoked")).to_be_visible()
    journey.check(page, "revoked")

    # A fresh context: without the session cookie only the token speaks.
    refused = page.context.browser.new_context().request.get(
        f"{live_server.url}/api/v1/communities", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401


def test_api_docs_run_under_our_content_security_policy(page: Page, live_server, transactional_db):
    person = UserFactory(email="docs@example.org")
    sign_in(page, person.email)

    page.goto("/api/v1/docs")

    expect(page.get_by_text("Practica API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/communities").first).to_be_visible()
    fail_on_csp_violations(page, "api-docs")
