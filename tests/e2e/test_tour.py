"""A walk through the main pages as the demo roles see them, for screenshots and axe checks.

The community page screenshot is also the README's docs/screenshot.png. The second walk goes
through every page of `seed_demo` as a member, a moderator, a sponsor and a visitor at phone
(360 px) and desktop (1280 px) width: each must fit the phone without scrolling sideways, and
each leaves a screenshot in var/screenshots/ for people to look at.
"""

import re
import shutil
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import Page, expect

from charter.models import CharterVersion, ValueStory, VisionRound
from communities import services
from communities.kinds import Kind
from communities.models import Community, Role
from discussions.models import HelpRequest, Reply
from meetings.models import Occurrence
from tests.factories import (
    CommunityFactory,
    JoinRequestFactory,
    MembershipFactory,
    NotificationFactory,
    UnitFactory,
    UserFactory,
)

from .helpers import (
    DESKTOP,
    PHONE,
    PROJECT_ROOT,
    SCREENS,
    SCREENSHOTS,
    Journey,
    account_menu,
    page_width,
    sign_in,
    sticking_out,
)

pytestmark = pytest.mark.e2e

DESCRIPTION = """\
We run Kubernetes in production for the patient-monitoring platform, the data
pipelines and a growing number of internal tools. This community is where the
people doing that work compare notes, whichever team they sit in.

**What we do**

- A monthly show-and-tell: one team walks through a real cluster change, warts and all.
- Office hours on Thursdays for anyone stuck on a deployment, a Helm chart or a failing probe.
- A shared set of golden paths: base images, network policies and alert rules we all reuse.

New to Kubernetes? You are welcome here: most of us learnt on the job.
"""

# (name, email, unit, job title, expertise)
PEOPLE = [
    (
        "Priya Raman",
        "priya",
        "platform",
        "Staff platform engineer",
        ["kubernetes", "helm", "terraform"],
    ),
    ("Helen Osei", "helen", "finance", "Chief technology officer", ["strategy"]),
    ("Tomás Ferreira", "tomas", "data", "Data engineer", ["airflow", "kubernetes"]),
    ("Grace Liu", "grace", "security", "Security engineer", ["network policies", "supply chain"]),
    ("Jonas Becker", "jonas", "support", "Support engineer", ["observability"]),
    ("Amara Nwosu", "amara", "clinical", "Clinical systems analyst", ["hl7", "integration"]),
    (
        "Leo Martins",
        "leo",
        "platform",
        "Site reliability engineer",
        ["prometheus", "incident response"],
    ),
    ("Sofia Rossi", "sofia", "data", "Machine learning engineer", ["python", "gpu scheduling"]),
]


def _seed():
    """A community worth photographing, and the people who see it as member, moderator and sponsor."""
    units = {
        key: UnitFactory(name=name, slug=slug)
        for key, name, slug in [
            ("platform", "Platform Engineering", "platform-engineering"),
            ("data", "Data & Analytics", "data-analytics"),
            ("clinical", "Clinical Operations", "clinical-operations"),
            ("support", "Customer Support", "customer-support"),
            ("security", "Security", "security"),
            ("finance", "Finance", "finance"),
        ]
    }
    people = {
        handle: UserFactory(
            display_name=name,
            email=f"{handle}@example.org",
            unit=units[unit],
            job_title=title,
            expertise=expertise,
            location="London",
        )
        for name, handle, unit, title, expertise in PEOPLE
    }
    kubernetes = CommunityFactory(
        name="Kubernetes Practitioners",
        slug="kubernetes",
        tagline="Running containers in production, across every team that does",
        description=DESCRIPTION,
        tags=["kubernetes", "platform", "sre", "cloud native"],
        meeting_room="Atlas room, 3rd floor, London office",
        meeting_url="https://meet.example.org/k8s-practitioners",
        created_at=timezone.now() - timedelta(days=400),
    )
    roles = {"priya": Role.MODERATOR, "helen": Role.SPONSOR, "leo": Role.CORE}
    for handle, person in people.items():
        MembershipFactory(community=kubernetes, user=person, role=roles.get(handle, Role.MEMBER))

    data = CommunityFactory(
        name="Data Engineering Guild",
        slug="data-engineering",
        by_request=True,
        tagline="Pipelines, warehouses and the craft of moving data safely",
        tags=["data", "python"],
    )
    MembershipFactory(community=data, user=people["priya"], role=Role.MODERATOR)
    MembershipFactory(community=data, user=people["tomas"])
    MembershipFactory(community=data, user=people["sofia"])
    JoinRequestFactory(
        community=data,
        user=people["amara"],
        message="I maintain the HL7 feeds and want to learn dbt.",
    )
    security = CommunityFactory(
        name="Secure Coding Circle",
        slug="secure-coding",
        tagline="Threat models, code review habits and fixing things before they ship",
        tags=["security"],
    )
    MembershipFactory(community=security, user=people["grace"], role=Role.MODERATOR)
    MembershipFactory(community=security, user=people["jonas"])
    CommunityFactory(
        name="Incident Reviews",
        slug="incident-reviews",
        private=True,
        tagline="Blameless write-ups, shared early",
    )
    clinical = CommunityFactory(
        listed=True,
        name="Clinical Data Standards",
        slug="clinical-data",
        tagline="FHIR, HL7 and the people who map them",
        tags=["fhir", "interoperability"],
    )
    MembershipFactory(community=clinical, user=people["amara"], role=Role.MODERATOR)
    MembershipFactory(community=clinical, user=people["sofia"])

    # Notifications as the services write them, so the member has something to read.
    services.membership_change_role(
        membership=kubernetes.memberships.get(user=people["tomas"]),
        role=Role.CORE,
        by=people["priya"],
    )
    services.membership_change_role(
        membership=kubernetes.memberships.get(user=people["tomas"]),
        role=Role.MEMBER,
        by=people["priya"],
    )
    NotificationFactory(
        recipient=people["tomas"],
        kind=Kind.JOIN_REQUEST_APPROVED,
        message="Welcome! Your request to join Data Engineering Guild was approved.",
        url="/c/data-engineering/",
        community=data,
        read_at=timezone.now(),
        created_at=timezone.now() - timedelta(days=12),
    )
    return people


def test_tour_of_the_main_pages_as_member_moderator_and_sponsor(
    new_context, live_server, transactional_db
):
    journey = Journey("tour")
    people = _seed()

    anonymous = new_context().new_page()
    anonymous.goto("/")
    expect(
        anonymous.get_by_role("heading", name="Learn from the colleagues who solved it before")
    ).to_be_visible()
    journey.check(anonymous, "anonymous-home")
    anonymous.goto("/c/kubernetes/")
    expect(anonymous.get_by_text("Sign in to join this community.")).to_be_visible()
    journey.check(anonymous, "anonymous-community")

    member = new_context().new_page()
    sign_in(member, people["tomas"].email)
    expect(member.get_by_role("heading", name="Hello, Tomás Ferreira")).to_be_visible()
    journey.check(member, "member-dashboard")
    member.goto("/communities/")
    expect(member.get_by_role("heading", name="Communities of practice")).to_be_visible()
    journey.check(member, "member-directory")
    member.goto("/c/kubernetes/")
    expect(member.get_by_text("You are a member of this community.")).to_be_visible()
    journey.check(member, "member-community")
    shutil.copyfile(
        SCREENSHOTS / f"tour-{journey.steps:02d}-member-community.png",
        PROJECT_ROOT / "docs" / "screenshot.png",
    )
    member.goto("/c/kubernetes/members/")
    expect(member.get_by_role("heading", name="8 members")).to_be_visible()
    journey.check(member, "member-members")
    member.goto("/people/")
    expect(member.get_by_role("link", name="Grace Liu")).to_be_visible()
    journey.check(member, "member-people")
    member.goto(people["tomas"].get_absolute_url())
    expect(member.get_by_role("heading", name="Tomás Ferreira")).to_be_visible()
    journey.check(member, "member-own-profile")
    member.goto(people["priya"].get_absolute_url())
    expect(member.get_by_role("heading", name="Priya Raman")).to_be_visible()
    journey.check(member, "member-other-profile")
    member.goto("/profile/edit/")
    journey.check(member, "member-profile-edit")
    member.get_by_role("link", name="Notifications, 2 unread").click()
    expect(member.get_by_role("heading", name="Notifications")).to_be_visible()
    journey.check(member, "member-notifications")
    member.locator("summary[aria-label='Your account menu']").click()
    expect(member.get_by_role("link", name="Email addresses")).to_be_visible()
    journey.check(member, "member-account-menu")
    member.get_by_role("link", name="Email addresses").click()
    journey.check(member, "member-email-settings")
    member.goto("/accounts/password/change/")
    journey.check(member, "member-password-settings")
    member.goto("/accounts/2fa/")
    journey.check(member, "member-2fa-settings")

    moderator = new_context().new_page()
    sign_in(moderator, people["priya"].email)
    journey.check(moderator, "moderator-dashboard")
    moderator.goto("/c/data-engineering/")
    expect(moderator.get_by_role("heading", name="Moderator tasks")).to_be_visible()
    expect(moderator.locator(".count-pill").first).to_have_text("1")
    journey.check(moderator, "moderator-community-pending")
    moderator.goto("/c/kubernetes/")
    expect(moderator.get_by_role("heading", name="Moderator tasks")).to_be_visible()
    journey.check(moderator, "moderator-community")
    moderator.goto("/c/kubernetes/members/")
    expect(moderator.get_by_label("Role of Grace Liu")).to_be_visible()
    journey.check(moderator, "moderator-members")
    moderator.goto("/c/data-engineering/join-requests/")
    expect(moderator.get_by_role("button", name="Approve Amara Nwosu")).to_be_visible()
    journey.check(moderator, "moderator-join-requests")
    moderator.goto("/c/kubernetes/invitations/")
    journey.check(moderator, "moderator-invitations")
    moderator.goto("/c/kubernetes/audit-log/")
    journey.check(moderator, "moderator-audit-log")
    moderator.goto("/c/kubernetes/settings/")
    expect(moderator.get_by_role("button", name="Save settings")).to_be_visible()
    journey.check(moderator, "moderator-settings")
    moderator.goto("/communities/new/")
    journey.check(moderator, "moderator-propose-community")

    sponsor = new_context().new_page()
    sign_in(sponsor, people["helen"].email)
    journey.check(sponsor, "sponsor-dashboard")
    sponsor.goto("/c/kubernetes/")
    expect(sponsor.locator("#membership-actions")).to_contain_text(re.compile(r"You are .*sponsor"))
    expect(sponsor.get_by_role("heading", name="Moderator tasks")).to_have_count(0)
    journey.check(sponsor, "sponsor-community")
    sponsor.goto("/c/kubernetes/members/")
    journey.check(sponsor, "sponsor-members")

    phone = new_context(PHONE).new_page()
    sign_in(phone, people["tomas"].email)
    for path, step in [
        ("/", "mobile-dashboard"),
        ("/communities/", "mobile-directory"),
        ("/c/kubernetes/", "mobile-community"),
        ("/c/kubernetes/members/", "mobile-members"),
        ("/people/", "mobile-people"),
        ("/notifications/", "mobile-notifications"),
    ]:
        phone.goto(path)
        journey.check(phone, step)
        assert sticking_out(phone) == [], f"{path} is wider than the phone's screen"
        assert page_width(phone) <= PHONE["width"], f"{path} scrolls sideways on a phone"


DEMO_PASSWORD = "practica-demo"  # noqa: S105 - the demo's published password


def _demo_pages() -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the pages each demo person opens, busiest examples first."""
    python = Community.objects.get(slug="python-practitioners")
    clinical = Community.objects.get(slug="clinical-data-quality")
    incidents = Community.objects.get(slug="incident-response-postmortems")
    c, d = f"/c/{python.slug}", f"/c/{clinical.slug}"
    thread = (
        HelpRequest.objects.filter(community=python, is_removed=False)
        .annotate(n=Count("replies"))
        .order_by("-n", "pk")
        .first()
    )
    meeting = (
        Occurrence.objects.filter(series__community=python, starts_at__gte=timezone.now())
        .select_related("series")
        .order_by("starts_at")
        .first()
    )
    versions = CharterVersion.objects.filter(charter__community=python).order_by("number")
    latest = versions.last()
    in_review = (
        CharterVersion.objects.filter(charter__community=incidents).order_by("number").last()
    )
    vision = VisionRound.objects.filter(charter__community=python).order_by("pk").first()
    story = ValueStory.objects.filter(community=python).order_by("pk").first()
    clinical_thread = HelpRequest.objects.filter(community=clinical).order_by("pk").first()
    reply = Reply.objects.filter(help_request=thread).order_by("pk").first()
    member = [
        ("dashboard", "/"),
        ("directory", "/communities/"),
        ("people", "/people/"),
        ("help-wanted", "/help-wanted/"),
        ("search", "/search/?q=pytest+fixtures"),
        ("search-typo", "/search/?q=fixtrues"),
        ("notifications", "/notifications/"),
        ("my-meetings", "/meetings/mine/"),
        ("profile-edit", "/profile/edit/"),
        ("email-preferences", "/email/preferences/"),
        ("api-tokens", "/account/api-tokens/"),
        ("community", f"{c}/"),
        ("help-requests", f"{c}/help/"),
        ("ask", f"{c}/help/ask/"),
        ("thread", thread.get_absolute_url()),
        ("reply-form", f"{thread.get_absolute_url()}reply/"),
        ("flag-form", f"{thread.get_absolute_url()}r/{reply.pk}/flag/"),
        ("community-help-wanted", f"{c}/help/wanted/"),
        ("meetings", f"{c}/meetings/"),
        ("meeting", meeting.get_absolute_url()),
        ("meeting-series", meeting.series.get_absolute_url()),
        ("members", f"{c}/members/"),
        ("charter", f"{c}/charter/"),
        ("vision-rounds", f"{c}/charter/vision/"),
        ("vision-round", f"{c}/charter/vision/{vision.pk}/"),
        ("stories", f"{c}/stories/"),
        ("story", f"{c}/stories/{story.pk}/"),
        ("story-form", f"{c}/stories/new/"),
    ]
    moderator = [
        ("dashboard", "/"),
        ("community", f"{d}/"),
        ("join-requests", f"{d}/join-requests/"),
        ("moderation", f"{d}/moderation/"),
        ("invitations", f"{d}/invitations/"),
        ("settings", f"{d}/settings/"),
        ("audit-log", f"{d}/audit-log/"),
        ("webhooks", f"{d}/webhooks/"),
        ("calendar-link", f"{d}/calendar-link/"),
        ("members", f"{d}/members/"),
        ("charter", f"{d}/charter/"),
        ("charter-draft", f"{d}/charter/draft/"),
        ("meetings", f"{d}/meetings/"),
        ("new-series", f"{d}/meetings/new/"),
        ("reminders", f"{d}/meetings/reminders/"),
        ("health", f"{d}/health/"),
        ("thread", clinical_thread.get_absolute_url()),
        ("edit-thread", f"{clinical_thread.get_absolute_url()}edit/"),
        ("propose-community", "/communities/new/"),
    ]
    sponsor = [
        ("dashboard", "/"),
        ("overview", "/health/"),
        ("charters-to-review", "/charters/review/"),
        ("community", f"{c}/"),
        ("health", f"{c}/health/"),
        ("review-approved", f"{c}/charter/v/{latest.number}/review/"),
        ("review-waiting", f"/c/{incidents.slug}/charter/v/{in_review.number}/review/"),
        ("charter-history", f"{c}/charter/history/"),
        ("charter-version", f"{c}/charter/v/{latest.number}/"),
        ("stories", f"{c}/stories/"),
        ("meeting", meeting.get_absolute_url()),
    ]
    visitor = [
        ("home", "/"),
        ("directory", "/communities/"),
        ("community", f"{c}/"),
        ("charter", f"{c}/charter/"),
        ("sign-in", "/accounts/login/"),
        ("sign-up", "/accounts/signup/"),
    ]
    return {"member": member, "moderator": moderator, "sponsor": sponsor, "visitor": visitor}


def _look(page: Page, name: str, problems: list[str]) -> None:
    """Screenshot the page as it is now; at phone width, note it if it scrolls sideways."""
    width = page.viewport_size["width"]
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}-{width}.png", full_page=True)
    if width == PHONE["width"] and page_width(page) > width:
        problems.append(f"{name} ({page.url}): {page_width(page)} px wide, {sticking_out(page)}")


def test_every_demo_page_fits_a_phone_as_member_moderator_sponsor_and_visitor(
    new_context, live_server, transactional_db
):
    call_command("seed_demo", stdout=StringIO())
    pages = _demo_pages()
    problems: list[str] = []
    for role, paths in pages.items():
        for viewport in (PHONE, DESKTOP):
            page = new_context(viewport).new_page()
            if role != "visitor":
                sign_in(page, f"{role}@practica.demo", DEMO_PASSWORD)
            for name, path in paths:
                response = page.goto(path)
                if response.status != 200:
                    problems.append(f"{role} could not open {path}: {response.status}")
                    continue
                _look(page, f"{role}-{name}", problems)
            if role == "moderator":
                # Open menus must fit too: the community's Manage menu and the account menu.
                page.goto("/c/clinical-data-quality/")
                page.locator("summary", has_text="Manage").click()
                nav = page.get_by_role("navigation", name="Clinical Data Quality")
                expect(nav.get_by_role("link", name=re.compile("^Join requests"))).to_be_visible()
                _look(page, "moderator-manage-menu", problems)
                account_menu(page).click()
                _look(page, "moderator-account-menu", problems)
            if role == "member":
                page.goto(dict(paths)["thread"])
                page.get_by_label("Flag this reply").first.click()
                expect(page.get_by_label("What is wrong with this reply?").first).to_be_visible()
                _look(page, "member-flag-menu", problems)
            page.context.close()
    assert problems == [], "Pages that failed or were wider than a 360 px phone:\n" + "\n".join(
        problems
    )
