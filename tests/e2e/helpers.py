"""What every journey does in the browser: check a page, sign in, sign out."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.factories import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 800}
# The narrowest phone we promise: every page fits it without scrolling sideways.
PHONE = {"width": 360, "height": 780}
# Screenshots of every page at phone and desktop width, for people to look at (git-ignored).
SCREENS = PROJECT_ROOT / "var" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()

# Every page reports what its Content-Security-Policy refused; the browser also logs it.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"}` +
    ` (${event.sourceFile || location.href}:${event.lineNumber}) ${event.sample || ""}`
  );
}, true);
"""


def watch_csp(context: BrowserContext) -> list[str]:
    """Collect every CSP violation in `context`'s pages: `securitypolicyviolation` events and
    the console's "Content Security Policy" messages. Returns the (growing) list."""
    violations: list[str] = []

    def reported(source: dict, text: str) -> None:
        violations.append(f"{source['frame'].url}: {text}")

    def logged(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: console: {message.text}")

    context.expose_binding("__reportCspViolation", reported)
    context.add_init_script(_CSP_LISTENER)
    context.on("console", logged)
    CSP_WATCHED[id(context)] = violations
    return violations


CSP_WATCHED: dict[int, list[str]] = {}


def csp_violations(page: Page) -> list[str]:
    return CSP_WATCHED.get(id(page.context), [])


def fail_on_csp_violations(page: Page, name: str) -> None:
    violations = csp_violations(page)
    if violations:
        report = "\n".join(f"  {v}" for v in violations[:20])
        violations.clear()
        pytest.fail(
            f"The Content-Security-Policy refused something on {name} ({page.url}):\n{report}",
            pytrace=False,
        )


def _describe(violation: dict) -> str:
    targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
    lines = [f"  [{violation['impact']}] {violation['id']}: {violation['help']}"]
    lines += [f"      at {target}" for target in targets[:10]]
    if len(targets) > 10:
        lines.append(f"      … and {len(targets) - 10} more")
    return "\n".join(lines)


def check_page(page: Page, name: str) -> list[dict]:
    """Screenshot the page as `name`.png, fail on any CSP violation so far, run axe-core and
    fail on serious or critical accessibility violations.

    Returns every violation, minor and moderate ones included, for callers that want them.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    fail_on_csp_violations(page, name)
    violations = _axe.run(page).response["violations"]
    # axe-core itself builds <style> elements to read some stylesheets (the Django admin's):
    # refusals while it ran are the test tool's, not the page's.
    csp_violations(page).clear()
    if violations:
        # Minor and moderate findings do not fail the run; keep them for whoever reviews the pages.
        (ARTIFACTS / "axe").mkdir(exist_ok=True)
        (ARTIFACTS / "axe" / f"{name}.txt").write_text(
            f"{page.url}\n" + "\n".join(_describe(v) for v in violations)
        )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        report = "\n".join(_describe(v) for v in blocking)
        pytest.fail(
            f"axe found serious accessibility problems on {name} ({page.url}):\n{report}",
            pytrace=False,
        )
    return violations


class Journey:
    """Checks each page of one journey, naming its screenshots `<journey>-<nn>-<step>.png` in order."""

    def __init__(self, name: str):
        self.name = name
        self.steps = 0

    def check(self, page: Page, step: str) -> list[dict]:
        self.steps += 1
        return check_page(page, f"{self.name}-{self.steps:02d}-{step}")


def account_menu(page: Page):
    return page.locator("summary[aria-label='Your account menu']")


def sign_in(
    page: Page, email: str, password: str = PASSWORD, journey: Journey | None = None
) -> None:
    """Sign in through the real allauth form and wait until the header shows the account menu."""
    page.goto("/accounts/login/")
    if journey:
        journey.check(page, "sign-in")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(account_menu(page)).to_be_visible()


def sign_out(page: Page) -> None:
    account_menu(page).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def community_tab(page: Page, community: str, name: str) -> None:
    """Follow a link of a community's navigation, opening its "More" or "Manage" menu if it is in one."""
    link = page.get_by_role("navigation", name=community).get_by_role(
        "link", name=name, include_hidden=True
    )
    if not link.is_visible():
        link.locator("xpath=ancestor::details[1]/summary").click()
    link.click()


def page_width(page: Page) -> int:
    """How wide the page is: more than the viewport means people scroll sideways to read it."""
    return page.evaluate("document.documentElement.scrollWidth")


def sticking_out(page: Page) -> list[str]:
    """The elements past the viewport's right edge (outside scrollable table wrappers), to say why."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                if (el.closest('.table-wrap')) continue;
                const r = el.getBoundingClientRect();
                if (r.width && r.right > width + 1) {
                    out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} right=${Math.round(r.right)}`);
                }
            }
            return out.slice(0, 8);
        }"""
    )


def htmx_settled(page: Page) -> None:
    """Wait until htmx has finished its requests and settling: a swap shows its new content a
    moment (htmx's settle delay) before it restores focus, so a key pressed in between would go
    to an element that is about to be replaced."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
