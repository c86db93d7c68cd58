"""Browser journeys: real Chromium, driven by Playwright, against pytest-django's live server."""

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from .helpers import CSP_WATCHED, DESKTOP, watch_csp

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (`playwright install` needs the internet, which test machines lack).

    While Playwright runs, its event loop counts as running in the main thread, so Django
    takes the test body for async code and refuses its ORM calls (the test's own setup and
    assertions, and the database flush after each test; the live server answers from its
    own thread). DJANGO_ALLOW_ASYNC_UNSAFE lifts that, but only while a browser is open:
    set for the whole session, it leaks into the subprocesses of later tests, and
    `manage.py check --deploy` there fails with async.E001. Hence module scope, not session.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (another person, another screen size); all are closed afterwards.

    Each context collects the Content-Security-Policy's refusals; a journey that caused any
    fails at its end, even after its last page check (htmx actions, live previews).
    """
    contexts: list[tuple[BrowserContext, list[str]]] = []

    def make(viewport: dict = DESKTOP) -> BrowserContext:
        context = browser.new_context(
            viewport=viewport, base_url=live_server.url, reduced_motion="reduce"
        )
        contexts.append((context, watch_csp(context)))
        return context

    yield make
    left = []
    for context, violations in contexts:
        # Let the browser deliver what it still has to report before the context goes.
        for open_page in context.pages:
            open_page.wait_for_timeout(50)
        left += violations
        context.close()
        CSP_WATCHED.pop(id(context), None)
    if left:
        report = "\n".join(f"  {v}" for v in left[:20])
        pytest.fail(f"The Content-Security-Policy refused something:\n{report}", pytrace=False)


@pytest.fixture
def page(new_context) -> Page:
    return new_context(DESKTOP).new_page()
