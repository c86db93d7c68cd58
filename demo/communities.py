"""The demo's organisation: units, people and communities, seeded first by `seed_demo`.

Meridian Health is a fictional health-tech firm (remote patient monitoring) with
six organisational units, forty people and five communities of practice that
cut across those units. Communities are built through the same services the
views call, so memberships, join requests, invitations, notifications and the
audit log look as they would after months of use; the history is then spread
over past months so dates and "last activity" read naturally.

Running it again changes nothing: units and people are fetched by key, and a
community whose name or slug already exists is left alone.
"""

import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import OrganisationalUnit
from communities.models import (
    AuditEvent,
    Community,
    CommunityStatus,
    Invitation,
    JoinPolicy,
    JoinRequest,
    Membership,
    Role,
    Visibility,
)
from communities.services import (
    community_approve,
    community_create,
    invitation_accept,
    invitation_create,
    join_request_approve,
    join_request_create,
    membership_change_role,
    membership_join,
    membership_leave,
)
from notifications.models import Notification

User = get_user_model()

# Public on purpose: the demo prints it, and these accounts exist only in demo databases.
PASSWORD = "practica-demo"  # noqa: S105
DOMAIN = "practica.demo"
DEMO_URL = "http://127.0.0.1:8000/"

UNITS = [
    ("platform-engineering", "Platform Engineering"),
    ("data-analytics", "Data & Analytics"),
    ("clinical-operations", "Clinical Operations"),
    ("customer-support", "Customer Support"),
    ("security", "Security"),
    ("finance", "Finance"),
]

TIME_ZONES = {
    "London": "Europe/London",
    "Leeds": "Europe/London",
    "Berlin": "Europe/Berlin",
    "Lisbon": "Europe/Lisbon",
    "Boston": "America/New_York",
    "Dublin (remote)": "Europe/Dublin",
}


@dataclass(frozen=True)
class Person:
    login: str  # the part before @practica.demo
    name: str
    unit: str
    title: str
    location: str
    expertise: tuple[str, ...]
    bio: str


# One row per person reads better than one line per field.
# fmt: off
PEOPLE = [
    # Platform Engineering
    Person("admin", "Robin Hale", "platform-engineering", "Internal Tools Owner", "London",
           ("django-admin", "identity", "service-desk"),
           "Looks after Practica and our other internal tools. Ask me about access and accounts."),
    Person("sponsor", "Priya Raman", "platform-engineering", "VP Engineering", "London",
           ("engineering-leadership", "hiring", "architecture"),
           "Runs engineering. I sponsor communities that stop us solving the same problem twice."),
    Person("member", "Tom Becker", "platform-engineering", "Backend Engineer", "Berlin",
           ("python", "django", "postgresql", "fhir"),
           "Builds the device-readings ingestion API. Happiest with a failing test and a cup of tea."),
    Person("aisha.bello", "Aisha Bello", "platform-engineering", "Staff Engineer", "London",
           ("python", "django", "testing", "threat-modelling"),
           "Twelve years of Python, three of them at Meridian. I like boring code and fast test suites."),
    Person("jonas.weber", "Jonas Weber", "platform-engineering", "Site Reliability Engineer", "Berlin",
           ("kubernetes", "observability", "incident-response", "terraform"),
           "On the platform on-call rota. I write the postmortems nobody wants to write."),
    Person("lukas.novak", "Lukas Novak", "platform-engineering", "Platform Engineer", "Berlin",
           ("kubernetes", "python", "ci-cd"),
           "Keeps the build green and the clusters patched."),
    Person("grace.liu", "Grace Liu", "platform-engineering", "Engineering Manager", "Boston",
           ("engineering-management", "incident-response", "plain-language"),
           "Manages the US integrations team. Recovering perfectionist."),
    Person("daniel.costa", "Daniel Costa", "platform-engineering", "Backend Engineer", "Lisbon",
           ("python", "celery", "observability"),
           "Works on alerts and reminders for patients. Asks a lot of questions, answers some."),
    # Data & Analytics
    Person("moderator", "Maya Okafor", "data-analytics", "Lead Data Engineer", "Leeds",
           ("data-quality", "dbt", "fhir", "snomed-ct"),
           "Runs the clinical data pipelines. If a number on a dashboard looks wrong, I want to hear."),
    Person("samuel.adeyemi", "Samuel Adeyemi", "data-analytics", "Data Scientist", "London",
           ("python", "pandas", "statistics", "data-quality"),
           "Builds the deterioration risk models. Keen on reproducible notebooks."),
    Person("hannah.schmidt", "Hannah Schmidt", "data-analytics", "Analytics Engineer", "Berlin",
           ("python", "dbt", "sql", "testing"),
           "Turns raw readings into tables people can trust. Maintains our dbt style guide."),
    Person("ravi.menon", "Ravi Menon", "data-analytics", "Head of Data", "London",
           ("data-strategy", "data-governance"),
           "Leads the data team. Interested in anything that makes our data more trustworthy."),
    Person("elena.petrova", "Elena Petrova", "data-analytics", "Machine Learning Engineer", "Dublin (remote)",
           ("python", "mlops", "model-risk"),
           "Ships models to production and watches them drift."),
    Person("oliver.grant", "Oliver Grant", "data-analytics", "BI Developer", "Leeds",
           ("sql", "power-bi", "python"),
           "Builds the commissioner reports. Can make a pivot table do anything."),
    Person("mei.tanaka", "Mei Tanaka", "data-analytics", "Data Engineer", "Boston",
           ("python", "airflow", "hl7", "data-quality"),
           "Integrates US hospital feeds. Knows more about HL7 v2 than is healthy."),
    # Clinical Operations
    Person("sarah.whitfield", "Dr Sarah Whitfield", "clinical-operations", "Chief Medical Officer", "London",
           ("clinical-safety", "remote-monitoring", "clinical-governance"),
           "GP by training. Responsible for the clinical safety of everything we ship."),
    Person("newcomer", "Nadia Haddad", "clinical-operations", "Clinical Informatics Analyst", "Lisbon",
           ("clinical-coding", "sql"),
           "Just joined from a hospital informatics team. Looking for people to learn from."),
    Person("james.oconnor", "James O'Connor", "clinical-operations", "Clinical Safety Officer", "Leeds",
           ("clinical-safety", "dcb0129", "hazard-logs", "threat-modelling"),
           "Keeps the hazard log. Every change request crosses my desk eventually."),
    Person("fatima.rahman", "Fatima Rahman", "clinical-operations", "Nurse Lead, Remote Monitoring", "Leeds",
           ("remote-monitoring", "patient-information", "plain-language"),
           "Leads the nurses who watch patient readings. Writes most of our patient leaflets."),
    Person("beatriz.santos", "Beatriz Santos", "clinical-operations", "Clinical Data Coordinator", "Lisbon",
           ("data-quality", "clinical-coding", "python"),
           "Checks that what clinicians record is what the data says. Learning Python on the side."),
    Person("michael.brennan", "Michael Brennan", "clinical-operations", "Clinical Operations Manager",
           "Dublin (remote)",
           ("service-management", "incident-response"),
           "Runs the clinical service day to day, including when systems are down."),
    Person("chloe.martin", "Chloe Martin", "clinical-operations", "Senior Nurse Practitioner", "London",
           ("remote-monitoring", "patient-information"),
           "Triage and escalation for the heart-failure pathway."),
    Person("kwame.mensah", "Kwame Mensah", "clinical-operations", "Clinical Pharmacist", "London",
           ("medicines", "snomed-ct", "plain-language"),
           "Owns the medicines content. Pedantic about dose units, for good reasons."),
    # Customer Support
    Person("laura.jensen", "Laura Jensen", "customer-support", "Head of Customer Experience", "Leeds",
           ("customer-experience", "service-design"),
           "Leads support and success. I want every patient letter to be understood first time."),
    Person("diego.ramirez", "Diego Ramírez", "customer-support", "Support Team Lead", "Lisbon",
           ("zendesk", "plain-language", "data-quality"),
           "Leads the Lisbon support desk. Spots data problems because customers call about them."),
    Person("emma.clarke", "Emma Clarke", "customer-support", "Knowledge Base Editor", "Leeds",
           ("plain-language", "content-design", "accessibility"),
           "Writes and prunes the help centre. Will happily rewrite your error message."),
    Person("yusuf.demir", "Yusuf Demir", "customer-support", "Technical Support Engineer", "Berlin",
           ("python", "incident-response", "devices"),
           "Second-line support for devices and integrations. Usually first to notice an outage."),
    Person("sofia.rossi", "Sofia Rossi", "customer-support", "Customer Success Manager", "Boston",
           ("customer-success", "plain-language"),
           "Looks after our US hospital customers."),
    Person("ben.walsh", "Ben Walsh", "customer-support", "Support Specialist", "Dublin (remote)",
           ("zendesk", "incident-response", "accessibility"),
           "Answers the phone when patients are stuck. Runs our accessibility checks."),
    # Security
    Person("marcus.reid", "Marcus Reid", "security", "Chief Information Security Officer", "London",
           ("security-leadership", "iso-27001", "risk-management"),
           "Responsible for security and information governance."),
    Person("ingrid.larsen", "Ingrid Larsen", "security", "Security Engineer", "Berlin",
           ("incident-response", "threat-modelling", "kubernetes"),
           "Detection and response. Runs our tabletop exercises."),
    Person("arjun.patel", "Arjun Patel", "security", "Application Security Engineer", "London",
           ("threat-modelling", "appsec", "python", "django"),
           "Reviews designs before they become code. Ask me about STRIDE."),
    Person("zoe.fischer", "Zoe Fischer", "security", "Security Analyst", "Berlin",
           ("threat-modelling", "vulnerability-management"),
           "Triage for vulnerability reports and pen-test findings."),
    Person("noah.williams", "Noah Williams", "security", "Governance, Risk & Compliance Manager", "Boston",
           ("hipaa", "dspt", "iso-27001", "plain-language"),
           "Keeps our HIPAA and DSPT evidence in order. Translates auditor into English."),
    # Finance
    Person("claire.dubois", "Claire Dubois", "finance", "Finance Director", "London",
           ("financial-planning", "board-reporting"),
           "Runs finance. Interested in how other teams write for the board."),
    Person("peter.lindqvist", "Peter Lindqvist", "finance", "FP&A Analyst", "Leeds",
           ("python", "pandas", "forecasting"),
           "Automated the month-end forecast with Python and never looked back."),
    Person("amara.nwosu", "Amara Nwosu", "finance", "Financial Controller", "London",
           ("accounting", "audit", "plain-language"),
           "Owns month-end close and the audit. Writes the finance policies people actually read."),
    Person("hugo.martins", "Hugo Martins", "finance", "Procurement Lead", "Lisbon",
           ("procurement", "contracts"),
           "Buys things, negotiates contracts, reads the small print."),
    Person("julia.kowalski", "Julia Kowalski", "finance", "Finance Systems Analyst", "Berlin",
           ("python", "sql", "erp", "access-control"),
           "Looks after the finance systems and who may see what in them."),
    Person("ethan.brooks", "Ethan Brooks", "finance", "Revenue Analyst", "Boston",
           ("billing", "sql", "data-quality"),
           "Reconciles billing with device usage. Data quality is my daily bread."),
]
# fmt: on

DEMO_LOGINS = [
    ("admin", "Site admin: Django admin at /admin/"),
    (
        "sponsor",
        "Sponsor of Python Practitioners and Incident Response & Postmortems: see /health/",
    ),
    ("moderator", "Moderator of Clinical Data Quality: two join requests wait"),
    ("member", "Member of two communities; invited to the private Threat Modelling Circle"),
    ("newcomer", "New starter in no community yet: browse the directory"),
]


@dataclass(frozen=True)
class Plan:
    name: str
    tagline: str
    description: str
    tags: tuple[str, ...]
    visibility: str
    join_policy: str
    meeting_room: str
    meeting_url: str
    moderators: tuple[str, ...]  # the first one creates the community
    sponsor: str
    core: tuple[str, ...]
    members: tuple[str, ...]
    # Still waiting at the end: join requests (login, message) or invitations (login, message).
    pending: tuple[tuple[str, str], ...] = ()
    left: tuple[str, ...] = ()
    started_days_ago: int = 365


PLANS = [
    Plan(
        name="Python Practitioners",
        tagline="Everyone who writes Python at Meridian, whatever their job title.",
        description="""\
Python runs our ingestion APIs, our risk models, our finance forecasts and a
surprising number of spreadsheets. This community is where the people writing it
help each other, whichever unit they sit in.

## What we practise

- **Testing** that gives confidence without slowing us down (pytest, factories, fixtures).
- **Packaging and dependencies**: one way to pin, build and ship.
- **Readable code** for colleagues who are not full-time developers.

## How we work

- Ask for help in the community any time; someone from another team has usually met it before.
- *Python clinic* every second Thursday, 12:30 London time, in person and online.
- New here? Bring your first question to the clinic: its first half is for newcomers.
""",
        tags=("python", "django", "testing", "packaging"),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        meeting_room='London, Clerkenwell office, room 4.02 "Lovelace"',
        meeting_url="https://meet.practica.demo/python-practitioners",
        moderators=("aisha.bello", "hannah.schmidt"),
        sponsor="sponsor",
        core=("samuel.adeyemi", "peter.lindqvist", "arjun.patel"),
        members=(
            "member",
            "daniel.costa",
            "lukas.novak",
            "mei.tanaka",
            "oliver.grant",
            "julia.kowalski",
            "yusuf.demir",
            "elena.petrova",
            "beatriz.santos",
            "ethan.brooks",
        ),
        left=("ethan.brooks",),
        started_days_ago=420,
    ),
    Plan(
        name="Clinical Data Quality",
        tagline="Clinicians, data people and support fixing the data our patients depend on.",
        description="""\
A reading recorded wrong on a ward shows up weeks later as a wrong number on a
dashboard, or as a confused patient calling support. We bring together the people
who see each end of that chain.

## What we practise

- Tracing data quality issues from the report back to where they started.
- Coding standards: SNOMED CT, dose units, FHIR profiles.
- Writing data quality rules that clinicians and engineers both understand.

## How we work

Membership is by request so that we know which data each newcomer works with and can
point them to the right people. Tell us in your request what data you work with.

We meet monthly in Leeds and online to review the *data quality log*.
""",
        tags=("data-quality", "fhir", "snomed-ct", "clinical-coding"),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.REQUEST,
        meeting_room="Leeds, Wellington Place, room 2.10",
        meeting_url="https://meet.practica.demo/clinical-data-quality",
        moderators=("moderator", "beatriz.santos"),
        sponsor="sarah.whitfield",
        core=("james.oconnor", "mei.tanaka"),
        members=("member", "fatima.rahman", "samuel.adeyemi", "diego.ramirez", "ethan.brooks"),
        pending=(
            (
                "chloe.martin",
                "The heart-failure team keeps correcting weights recorded in pounds. "
                "I would like to help fix it at the source.",
            ),
            (
                "kwame.mensah",
                "I own the medicines content and see dose-unit problems every week; "
                "happy to share what I have found.",
            ),
        ),
        started_days_ago=300,
    ),
    Plan(
        name="Incident Response & Postmortems",
        tagline="Blameless postmortems and calmer incidents, from the on-call rota to the support desk.",
        description="""\
When the platform has a bad day, engineers, security, support and the clinical
service all feel it at once. We practise handling incidents together and learning
from them without blame.

## What we practise

- Running an incident: roles, the incident channel, status updates patients understand.
- Writing **blameless postmortems** and following up their actions.
- Tabletop exercises, twice a quarter.

## How we work

Postmortem drafts are shared here before they go company-wide, so membership is by
request. The monthly review is open: ask a moderator for the link.
""",
        tags=("incident-response", "postmortems", "on-call", "observability"),
        visibility=Visibility.LISTED,
        join_policy=JoinPolicy.REQUEST,
        meeting_room='Berlin, Rosenthaler Straße office, room "Hopper"',
        meeting_url="https://meet.practica.demo/incident-review",
        moderators=("jonas.weber", "ingrid.larsen"),
        sponsor="sponsor",
        core=("yusuf.demir", "lukas.novak"),
        members=("grace.liu", "zoe.fischer", "ben.walsh", "michael.brennan", "daniel.costa"),
        pending=(
            (
                "emma.clarke",
                "I write the status page updates during incidents and would like to "
                "get them right first time.",
            ),
        ),
        started_days_ago=240,
    ),
    Plan(
        name="Plain Language Writing",
        tagline="Writing that patients, customers and colleagues understand on first reading.",
        description="""\
Patient leaflets, error messages, board papers and finance policies have one thing
in common: someone has to understand them quickly. We help each other write
plainly.

## What we practise

- Plain language for patient information (reading age, short sentences, no jargon).
- Accessible content: headings, link text, alternatives for images.
- Reviewing each other's drafts, kindly and quickly.

## How we work

Post a draft and ask for a review; someone from another unit will read it cold.
We meet every third Wednesday in the Leeds library corner and online.
""",
        tags=("plain-language", "patient-information", "accessibility", "content-design"),
        visibility=Visibility.PUBLIC,
        join_policy=JoinPolicy.OPEN,
        meeting_room="Leeds, Wellington Place, library corner",
        meeting_url="https://meet.practica.demo/plain-language",
        moderators=("emma.clarke", "fatima.rahman"),
        sponsor="laura.jensen",
        core=("kwame.mensah", "diego.ramirez"),
        members=(
            "chloe.martin",
            "sofia.rossi",
            "ben.walsh",
            "noah.williams",
            "amara.nwosu",
            "claire.dubois",
            "michael.brennan",
            "grace.liu",
        ),
        started_days_ago=180,
    ),
    Plan(
        name="Threat Modelling Circle",
        tagline="Finding what could go wrong before it ships.",
        description="""\
We threat-model new features and changes to existing ones, and keep the models
alive as the system changes. Clinical safety and security look at the same
designs from different angles, so we work on them together.

## What we practise

- STRIDE and attack trees on real designs, not textbook ones.
- Linking threats to the clinical hazard log (DCB0129).
- Reviews of access control in finance and data systems.

## How we work

Models contain details of weaknesses we have not fixed yet, so the circle is
private and members join by invitation. If you would like a design reviewed,
ask any member.
""",
        tags=("threat-modelling", "stride", "appsec", "clinical-safety"),
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
        meeting_room="London, Clerkenwell office, room 5.01",
        meeting_url="",
        moderators=("arjun.patel", "ingrid.larsen"),
        sponsor="marcus.reid",
        core=("zoe.fischer", "aisha.bello"),
        members=("noah.williams", "elena.petrova", "julia.kowalski", "james.oconnor"),
        pending=(
            (
                "member",
                "You asked about the ingestion API's token handling in Python clinic; "
                "we are modelling it next month and would value your view.",
            ),
        ),
        started_days_ago=150,
    ),
]

JOIN_MESSAGES = [
    "I work with this every day and would like to learn from the other teams.",
    "We keep running into this in my team; I'd like to bring our examples.",
    "A colleague recommended this community. Happy to help where I can.",
    "I'd like to compare notes with people outside my own unit.",
]

INVITE_MESSAGES = [
    "We would value your view from {unit}.",
    "You came up when we asked who knows this well. Would you join us?",
    "Would you help us shape this community from the start?",
]


def email_for(login: str) -> str:
    return f"{login}@{DOMAIN}"


def seed() -> list[str]:
    """Units, people and communities; the names of the communities created this time."""
    rng = random.Random(42)
    units = _units()
    people = _people(units, rng)
    return [plan.name for plan in PLANS if _community(plan, people, rng)]


# Units and people ------------------------------------------------------------


def _units() -> dict[str, OrganisationalUnit]:
    units = {}
    for slug, name in UNITS:
        units[slug], _ = OrganisationalUnit.objects.get_or_create(
            slug=slug, defaults={"name": name}
        )
    return units


def _people(units, rng) -> dict:
    # One hash for everyone: hashing forty passwords one by one takes half a minute.
    password = make_password(PASSWORD)
    now = timezone.now()
    people = {}
    for person in PEOPLE:
        email = email_for(person.login)
        is_admin = person.login == "admin"
        # Everyone has been here longer than the oldest community, except the newcomer.
        days = 3 if person.login == "newcomer" else rng.randint(450, 1500)
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "password": password,
                "display_name": person.name,
                "unit": units[person.unit],
                "job_title": person.title,
                "location": person.location,
                "timezone": TIME_ZONES[person.location],
                "bio": person.bio,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "date_joined": now - timedelta(days=days),
            },
        )
        if created:
            user.expertise.set(list(person.expertise))
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        people[person.login] = user
    return people


# Communities -----------------------------------------------------------------


def _community(plan: Plan, people: dict, rng) -> Community | None:
    """Build one community through the services, as its people would have; None if it exists."""
    if Community.objects.filter(Q(name__iexact=plan.name) | Q(slug=slugify(plan.name))).exists():
        return None
    creator = people[plan.moderators[0]]
    history = History()
    community = community_create(
        by=creator,
        name=plan.name,
        tagline=plan.tagline,
        description=plan.description,
        tags=list(plan.tags),
        visibility=plan.visibility,
        join_policy=plan.join_policy,
        meeting_room=plan.meeting_room,
        meeting_url=plan.meeting_url,
    )
    history.called()
    if community.status == CommunityStatus.PROPOSED:
        # COMMUNITY_CREATION_REQUIRES_APPROVAL is on: the site admin approves it.
        community_approve(community=community, by=people["admin"])
        community.refresh_from_db()
        history.called()

    # The sponsor and the core group come first: they shape the charter together.
    leaders = [
        (plan.sponsor, Role.SPONSOR),
        *((login, Role.MODERATOR) for login in plan.moderators[1:]),
        *((login, Role.CORE) for login in plan.core),
    ]
    for login, role in leaders:
        history.step()
        membership = _arrive(community, people[login], creator, rng, history, invited=True)
        membership_change_role(membership=membership, role=role, by=creator)
        history.called()
    for login in plan.members:
        history.step()
        _arrive(community, people[login], creator, rng, history, invited=False)
    for login in plan.left:
        history.step()
        membership_leave(community=community, user=people[login])
        history.called()

    history.settle()
    for login, message in plan.pending:
        history.step()
        if plan.join_policy == JoinPolicy.REQUEST:
            join_request_create(community=community, user=people[login], message=message)
        else:
            invitation_create(
                community=community, email=people[login].email, by=creator, message=message
            )
        history.called()

    history.spread(community, days=plan.started_days_ago, rng=rng)
    return community


def _arrive(community: Community, user, moderator, rng, history, *, invited: bool) -> Membership:
    """Bring one person in the way the community's join policy allows."""
    if community.join_policy == JoinPolicy.OPEN:
        membership = membership_join(community=community, user=user)
        history.called()
        return membership
    if community.join_policy == JoinPolicy.REQUEST and not invited:
        message = rng.choice(JOIN_MESSAGES)
        join_request = join_request_create(community=community, user=user, message=message)
        history.called()
        membership = join_request_approve(join_request=join_request, by=moderator)
        history.called()
        return membership
    message = rng.choice(INVITE_MESSAGES).format(unit=user.unit.name if user.unit else "your team")
    invitation = invitation_create(
        community=community, email=user.email, by=moderator, message=message
    )
    history.called()
    membership = invitation_accept(invitation=invitation, user=user)
    history.called()
    return membership


def logins_text() -> str:
    width = max(len(email_for(login)) for login, _ in DEMO_LOGINS)
    lines = [
        "",
        f"Practica demo: {DEMO_URL}",
        "",
        f"  {'Login'.ljust(width)}  {'Password'.ljust(len(PASSWORD))}  What to try",
    ]
    for login, hint in DEMO_LOGINS:
        lines.append(f"  {email_for(login).ljust(width)}  {PASSWORD}  {hint}")
    lines += [
        "",
        f"Every other demo person (e.g. aisha.bello@{DOMAIN}) has the same password.",
        "",
    ]
    return "\n".join(lines)


class History:
    """Moves a freshly seeded community's history from "just now" back over past months.

    The services stamp everything with the current time. While the community is
    built, `called()` notes when each service call ended and `step()` starts the
    next thing that happened (someone joined; was invited and accepted; asked
    and was approved). Steps are spread over months and the calls of one step
    follow each other within hours; every row a call wrote moves with its call.
    Settled history ends ten days ago; what is still pending happened in the
    last few days, so open invitations have not expired.
    """

    def __init__(self) -> None:
        self.started = timezone.now()
        self.calls: list[tuple[datetime, int]] = []  # (when the call ended, step number)
        self.current_step = 0
        self.settled_steps = 0

    def step(self) -> None:
        self.current_step += 1

    def called(self) -> None:
        self.calls.append((timezone.now(), self.current_step))

    def settle(self) -> None:
        self.settled_steps = self.current_step + 1

    def spread(self, community: Community, *, days: int, rng) -> None:
        now = timezone.now()
        step_times = _moments(
            self.settled_steps, now - timedelta(days=days), now - timedelta(days=10), rng
        ) + _moments(
            self.current_step + 1 - self.settled_steps,
            now - timedelta(days=4),
            now - timedelta(hours=6),
            rng,
        )
        call_times: list[datetime] = []
        for i, (_, step) in enumerate(self.calls):
            if i and self.calls[i - 1][1] == step:
                call_times.append(call_times[-1] + timedelta(minutes=rng.randint(20, 36 * 60)))
            else:
                floor = call_times[-1] + timedelta(minutes=1) if call_times else step_times[step]
                call_times.append(max(step_times[step], floor))
        ends = [end for end, _ in self.calls]

        def moved(moment: datetime | None) -> datetime | None:
            if moment is None:
                return None
            call = min(bisect_left(ends, moment), len(ends) - 1)
            call_started = ends[call - 1] if call else self.started
            return call_times[call] + (moment - call_started)

        events = list(community.audit_events.all())
        for event in events:
            event.created_at = moved(event.created_at)
        AuditEvent.objects.bulk_update(events, ["created_at"])
        self._move_rows(community, moved, now, rng)

    def _move_rows(self, community: Community, moved, now: datetime, rng) -> None:
        community.refresh_from_db(fields=["created_at", "last_activity_at"])
        Community.objects.filter(pk=community.pk).update(
            created_at=moved(community.created_at),
            last_activity_at=moved(community.last_activity_at),
        )

        memberships = list(community.memberships.all())
        for m in memberships:
            m.first_joined_at, m.joined_at, m.left_at = map(
                moved, (m.first_joined_at, m.joined_at, m.left_at)
            )
        Membership.objects.bulk_update(memberships, ["first_joined_at", "joined_at", "left_at"])

        join_requests = list(community.join_requests.all())
        for r in join_requests:
            r.created_at, r.decided_at = moved(r.created_at), moved(r.decided_at)
        JoinRequest.objects.bulk_update(join_requests, ["created_at", "decided_at"])

        invitations = list(community.invitations.all())
        for inv in invitations:
            valid_for = inv.expires_at - inv.created_at
            inv.created_at, inv.responded_at = moved(inv.created_at), moved(inv.responded_at)
            inv.expires_at = inv.created_at + valid_for
        Invitation.objects.bulk_update(invitations, ["created_at", "responded_at", "expires_at"])

        # Old news was read (and its email sent) long ago; only recent news arrives as new,
        # and the email tasks already queued for old notifications find them claimed.
        week_ago = now - timedelta(days=7)
        notifications = list(Notification.objects.filter(community=community))
        for n in notifications:
            n.created_at = moved(n.created_at)
            if n.created_at < week_ago:
                n.read_at = n.emailed_at = n.created_at + timedelta(hours=rng.randint(1, 30))
        Notification.objects.bulk_update(notifications, ["created_at", "read_at", "emailed_at"])


def _moments(count: int, start: datetime, end: datetime, rng) -> list[datetime]:
    """`count` ordered moments between start and end, the first one at start."""
    if count <= 0:
        return []
    span = (end - start).total_seconds()
    offsets = sorted(rng.uniform(0, span) for _ in range(count - 1))
    return [start] + [start + timedelta(seconds=s) for s in offsets]
