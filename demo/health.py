"""Demo history for the health pages and the sponsor overview; called last by `seed_demo`.

The other demo parts build a few months of activity through the services. This
part adds the history that health figures compare across periods, so that the
demo sponsor (sponsor@practica.demo, Priya Raman) sees at a glance on the
sponsor overview that:

- **Python Practitioners is thriving**: newcomers from Security and Clinical
  Operations joined in the last month and got answers within hours, mostly from
  other units; the clinic ran monthly before it went fortnightly, with
  attendance; value stories now back every objective of the charter. Its
  moderators opened its health page to every member two months ago.
- **Incident Response & Postmortems needs help**: its monthly postmortem review
  dwindled and stopped (the last one was cancelled for lack of people, and the
  reading group that replaced it has not met yet), two members from Security and
  GRC left, a question waited 58 hours for a first reply and another has had none
  for four weeks, even after escalation.

Membership history: the members below joined (and some left) with the audit
events the services write, at their own dates: JOINED for an open community,
REQUESTED and REQUEST_APPROVED for one that takes requests, LEFT on leaving (the
other parts' memberships already have theirs, moved back with their dates).
Help requests, replies, votes, meetings and RSVPs are written with the models
directly, stamped in the past, with the denormalised fields the posting services
keep (`author_unit`, `reply_count`, `first_reply_at`, `accepted_at`, status) set
consistently, and nobody is notified about the past.

Idempotent: memberships, threads (by title), meeting series (by title) and
stories (by title) that exist are left alone. Nothing the other parts made is
deleted; two unanswered requests of theirs in Python Practitioners get the answer
they had on their first day.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import rrulestr
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from charter.models import Beneficiary, Horizon, Objective, ValueStory
from charter.services.stories import value_story_create
from communities.kinds import AuditAction as CommunityAction
from communities.models import (
    AuditEvent,
    Community,
    JoinRequest,
    Membership,
    Role,
)
from communities.models import (
    RequestStatus as JoinRequestStatus,
)
from core.markdown import render_markdown
from discussions.models import Follow, HelpfulVote, HelpRequest, Reply, RequestStatus
from discussions.search import update_search_vectors
from discussions.services.posting import render_body
from health.services import health_visibility_set
from meetings.kinds import AuditAction as MeetingAction
from meetings.models import MeetingSeries, Occurrence, OccurrenceStatus, Rsvp, RsvpResponse
from meetings.services import recurrence

User = get_user_model()
DOMAIN = "practica.demo"
DEMO_SLUGS = (
    "python-practitioners",
    "clinical-data-quality",
    "incident-response-postmortems",
    "plain-language-writing",
    "threat-modelling-circle",
)
PYTHON = "python-practitioners"
INCIDENTS = "incident-response-postmortems"
GOING, MAYBE, NOT_GOING = RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING


# Membership history ------------------------------------------------------------


@dataclass(frozen=True)
class Stint:
    """Someone who joined (and perhaps left) a community, `days` before today."""

    community: str
    login: str
    joined_days_ago: float
    left_days_ago: float | None = None
    message: str = ""  # their join request, in a community that takes requests


STINTS = [
    # Newcomers to Python Practitioners: both asked for help in their first week and got answers.
    Stint(PYTHON, "zoe.fischer", 24),
    Stint(PYTHON, "kwame.mensah", 9),
    # Regulars of the monthly postmortem review who drifted away after it stopped.
    Stint(
        INCIDENTS,
        "arjun.patel",
        212,
        31,
        message="AppSec gets pulled into most incidents; I'd like us to practise together.",
    ),
    Stint(
        INCIDENTS,
        "noah.williams",
        210,
        58,
        message="Our HIPAA evidence needs postmortems; I'd like to see how they are written.",
    ),
]


# Help requests -----------------------------------------------------------------


@dataclass(frozen=True)
class R:
    """A reply `hours` after the request was asked, with its own replies."""

    by: str
    hours: float
    body: str
    children: tuple["R", ...] = ()
    helpful: tuple[str, ...] = ()
    accepted: bool = False


@dataclass(frozen=True)
class Ask:
    community: str
    by: str
    days_ago: float
    title: str
    body: str
    tags: tuple[str, ...]
    replies: tuple[R, ...] = ()
    # The escalation sweep told experts (after 48 h) and moderators (after 96 h) while nobody answered.
    escalated: bool = False


# fmt: off
ASKS = [
    Ask(PYTHON, "oliver.grant", 175, "Running a Python script every morning without cron on the BI server",
        "The commissioner extract has to run at 6am. The BI server has Python but I have no cron access. "
        "What do other teams do?",
        ("python",),
        (R("lukas.novak", 3.2, "Don't put it on the BI server at all: the platform team runs a small scheduler for "
           "team jobs. Give us a repository with a `pyproject.toml` and an entry point and we schedule it, with "
           "logs and an alert when it fails.",
           children=(
               R("oliver.grant", 5.0, "Does it need a container? I've never written a Dockerfile.",
                 children=(
                     R("lukas.novak", 6.5, "No, we build one from the project template for you. Ping me when the "
                       "repository is ready.",
                       children=(R("oliver.grant", 30.0, "Running since this morning, and the failure alert already "
                                   "caught an expired password. Thank you!"),),
                       helpful=("oliver.grant",)),
                 )),
           ),
           helpful=("oliver.grant", "samuel.adeyemi", "peter.lindqvist"), accepted=True),
        )),
    Ask(PYTHON, "peter.lindqvist", 140, "Sharing one pandas helper between the forecast and billing",
        "Finance and billing both copy the same `month_end()` helper around. How do we share it without "
        "copying?",
        ("python", "pandas", "packaging"),
        (R("hannah.schmidt", 2.4, "Make it a tiny internal package: `pyproject.toml`, a `src/` folder, tests. Tag a "
           "release and install it by version in both projects, so a change never surprises the other team.",
           children=(
               R("peter.lindqvist", 4.0, "Finance laptops can't install from git. Is there another way?",
                 children=(
                     R("lukas.novak", 5.5, "Publish it to the internal package index (`uv publish` with the index "
                       "URL); your laptops already trust it for everything else.",
                       children=(R("peter.lindqvist", 26.0, "Published as `meridian-finance-dates` 1.0. Ethan's "
                                   "reconciliation uses it too now."),),
                       helpful=("peter.lindqvist", "julia.kowalski")),
                 )),
           ),
           helpful=("peter.lindqvist", "oliver.grant", "aisha.bello"), accepted=True),
         R("aisha.bello", 6.0, "And put the tests in the package, not in the projects that use it.",
           helpful=("peter.lindqvist",)),
        )),
    Ask(PYTHON, "zoe.fischer", 22, "My first Python script: reading the vulnerability scanner's JSON export",
        "I'm new to Python (and to this community). The scanner exports findings as one big JSON file and I "
        "want a weekly list of critical ones per team. Where do I start?",
        ("python",),
        (R("daniel.costa", 1.2, "Welcome! `json.load` the file, loop over the findings and keep those with "
           "`severity == \"critical\"`; `collections.Counter` gives you the count per team. Happy to pair on it.",
           children=(
               R("zoe.fischer", 3.0, "It works on the sample, but the real export is 800 MB and my laptop runs "
                 "out of memory.",
                 children=(
                     R("samuel.adeyemi", 3.6, "`ijson` reads it as a stream: `for finding in "
                       "ijson.items(f, \"findings.item\")` never holds the whole file.",
                       children=(R("zoe.fischer", 7.5, "From 6 GB of memory to 40 MB. Thank you both!"),),
                       helpful=("zoe.fischer", "daniel.costa"), accepted=True),
                 )),
           ),
           helpful=("zoe.fischer",)),
        )),
    Ask(PYTHON, "kwame.mensah", 7, "Checking dose units in the medicines spreadsheet with Python",
        "I keep finding doses in mg that should be mcg in our medicines content. Could a script check the "
        "whole spreadsheet? I can read Python but have never written any.",
        ("python", "pandas"),
        (R("oliver.grant", 0.8, "pandas reads the sheet (`pd.read_excel`), and the `pint` library knows units, so "
           "you can flag any dose far outside the usual range for its medicine.",
           children=(
               R("kwame.mensah", 2.0, "Does pint understand \"mcg\"? Clinicians write it that way on purpose.",
                 children=(
                     R("hannah.schmidt", 2.5, "Define it once: `ureg.define(\"mcg = microgram\")`. I'll bring a "
                       "worked example to Thursday's clinic.",
                       children=(R("kwame.mensah", 20.0, "It found 14 rows where mg should have been mcg. Logged "
                                   "with Clinical Data Quality too."),),
                       helpful=("kwame.mensah",)),
                 )),
           ),
           helpful=("kwame.mensah", "beatriz.santos"), accepted=True),
        )),
    Ask(INCIDENTS, "arjun.patel", 150, "Runbook for rotating a leaked API key during an incident",
        "A partner's API key was pasted into a public ticket last week. We rotated it, but it took two hours "
        "to find every service using it. Does anyone have a runbook?",
        ("incident-response", "on-call"),
        (R("jonas.weber", 1.4, "Not yet, so let's write it here: 1) find users of the key in the secrets store's "
           "audit log, not by grepping repositories; 2) issue the new key alongside the old one; 3) roll the "
           "services; 4) revoke the old key; 5) watch for 401s for a day.",
           children=(
               R("arjun.patel", 3.0, "Step 1 is the one we got wrong. Does the audit log cover batch jobs?",
                 children=(
                     R("ingrid.larsen", 4.2, "Only those reading the key at runtime. Batch jobs baked into images "
                       "need a rebuild; list them in the runbook explicitly.",
                       children=(R("arjun.patel", 28.0, "Runbook added to the incident handbook, with the batch "
                                   "job list."),),
                       helpful=("arjun.patel", "jonas.weber")),
                 )),
           ),
           helpful=("arjun.patel", "yusuf.demir", "noah.williams"), accepted=True),
        )),
    Ask(INCIDENTS, "michael.brennan", 24, "Who declares a clinical incident when the platform is down out of hours?",
        "Last Saturday readings stopped for 40 minutes. Platform on-call fixed it, but nobody told the nurses "
        "or decided whether it was a clinical incident. Who owns that call at night?",
        ("incident-response", "on-call"),
        (R("jonas.weber", 58.0, "Sorry this waited so long. Platform on-call owns the technical side only; the "
           "clinical decision should sit with the clinical on-call, but it isn't written down anywhere.",
           children=(R("michael.brennan", 70.0, "So still nobody owns it. Could we settle it at the reading "
                       "group? The last few were all cancelled."),)),
        ),
        escalated=True),
    Ask(INCIDENTS, "ben.walsh", 27, "Status page wording when only some patients are affected",
        "During partial outages our status page says \"all systems operational\" while some patients can't "
        "send readings, and they call us. How do you word a partial outage?",
        ("incident-response",),
        escalated=True),
]

# Open requests of the discussions demo in Python Practitioners, answered within hours as
# everything there is (the FHIR one mentions Hannah, who answers it that afternoon).
LATE_ANSWERS = {
    "Script to check device firmware versions times out on 2,000 devices": (
        R("daniel.costa", 2.4, "Ask many devices at once, but not all: `asyncio` with `httpx.AsyncClient` and "
          "an `asyncio.Semaphore(20)` keeps 20 calls in flight. 2,000 devices then take a couple of minutes.",
          children=(R("yusuf.demir", 5.0, "Trying it tomorrow with 20 at a time, thanks."),),
          helpful=("yusuf.demir", "lukas.novak")),
    ),
    "Where do you keep test data for FHIR resources?": (
        R("hannah.schmidt", 3.5, "Factories, not JSON files: a `factory_boy` factory per resource builds valid "
          "`Observation`s with sensible defaults, and each test overrides only what it checks. Mei has "
          "example resources from the US feeds we could turn into fixtures.",
          helpful=("member",)),
    ),
}
# fmt: on


# Meetings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A past meeting: who answered the RSVP (going, maybe, not going) and who came."""

    going: tuple[str, ...]
    came: tuple[str, ...]
    maybe: tuple[str, ...] = ()
    not_going: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class Cancelled:
    reason: str
    going: tuple[str, ...] = ()
    not_going: tuple[str, ...] = ()


@dataclass(frozen=True)
class PastSeries:
    """A series that ran between two dates and has ended; its meetings oldest first (extra ones held quietly)."""

    community: str
    organiser: str
    title: str
    description: str
    time_zone: str
    start_time: dt.time
    rule: str  # without UNTIL; the end is added from `last_days_ago`
    first_days_ago: int
    last_days_ago: int
    meetings: tuple  # Held | Cancelled, matched to the rule's dates from the most recent backwards
    room: str = ""
    address: str = ""
    online_url: str = ""
    duration_minutes: int = 60


PP_REGULARS = ("aisha.bello", "hannah.schmidt", "samuel.adeyemi", "member", "daniel.costa")

# fmt: off
PAST_SERIES = [
    PastSeries(
        community=PYTHON, organiser="aisha.bello", title="Monthly Python clinic",
        description=("Bring the Python problem you are stuck on. Monthly until the spring, when it became "
                     "the fortnightly *Python clinic*."),
        time_zone="Europe/London", start_time=dt.time(12, 30), rule="FREQ=MONTHLY;BYDAY=2TH",
        first_days_ago=200, last_days_ago=72,
        room='Room 4.02 "Lovelace"', address="Clerkenwell office, 4th floor, London",
        online_url="https://meet.practica.demo/python-practitioners",
        meetings=(
            Held(going=(*PP_REGULARS, "peter.lindqvist", "lukas.novak"),
                 came=(*PP_REGULARS, "lukas.novak"), maybe=("arjun.patel",)),
            Held(going=(*PP_REGULARS, "peter.lindqvist", "mei.tanaka", "oliver.grant"),
                 came=(*PP_REGULARS, "peter.lindqvist", "oliver.grant"), maybe=("lukas.novak",),
                 notes="**Present:** Aisha, Hannah, Samuel, Tom, Daniel, Peter, Oliver.\n\n"
                       "- Peter's shared helper package: how to publish to the internal index.\n"
                       "- Oliver's morning job now runs on the platform scheduler."),
            Held(going=(*PP_REGULARS, "julia.kowalski", "yusuf.demir", "oliver.grant"),
                 came=(*PP_REGULARS, "julia.kowalski", "yusuf.demir"), not_going=("lukas.novak",)),
            Held(going=(*PP_REGULARS, "elena.petrova", "julia.kowalski", "mei.tanaka", "peter.lindqvist"),
                 came=(*PP_REGULARS, "elena.petrova", "julia.kowalski", "mei.tanaka"), maybe=("arjun.patel",)),
            Held(going=(*PP_REGULARS, "beatriz.santos", "elena.petrova", "lukas.novak", "peter.lindqvist"),
                 came=(*PP_REGULARS, "beatriz.santos", "lukas.novak", "peter.lindqvist"),
                 notes="**Present:** Aisha, Hannah, Samuel, Tom, Daniel, Beatriz, Lukas, Peter.\n\n"
                       "- Last monthly clinic: from next month we meet every second Thursday.\n"
                       "- Beatriz's first question: what a failing dbt test means."),
        ),
    ),
    PastSeries(
        community=INCIDENTS, organiser="jonas.weber", title="Monthly postmortem review",
        description=("Once a month we read the month's postmortems together and check that their actions "
                     "are done. Open to anyone in the organisation."),
        time_zone="Europe/Berlin", start_time=dt.time(16, 0), rule="FREQ=MONTHLY;BYDAY=1TU",
        first_days_ago=215, last_days_ago=92,
        room='Room "Hopper"', address="Rosenthaler Straße office, Berlin",
        online_url="https://meet.practica.demo/incident-review",
        meetings=(
            Held(going=("jonas.weber", "ingrid.larsen", "yusuf.demir", "arjun.patel", "noah.williams"),
                 came=("jonas.weber", "ingrid.larsen", "yusuf.demir", "arjun.patel", "noah.williams"),
                 maybe=("sponsor",),
                 notes="**Present:** Jonas, Ingrid, Yusuf, Arjun, Noah.\n\n"
                       "- Read the leaked-key postmortem; Arjun drafts the key-rotation runbook."),
            Held(going=("jonas.weber", "ingrid.larsen", "lukas.novak", "arjun.patel", "noah.williams"),
                 came=("jonas.weber", "ingrid.larsen", "arjun.patel", "lukas.novak"),
                 not_going=("yusuf.demir",)),
            Held(going=("jonas.weber", "ingrid.larsen", "arjun.patel", "grace.liu"),
                 came=("jonas.weber", "ingrid.larsen", "arjun.patel"),
                 not_going=("noah.williams", "lukas.novak"),
                 notes="**Present:** Jonas, Ingrid, Arjun.\n\n"
                       "- Three of us again. Should we try a smaller, more frequent format?"),
            Cancelled(reason="Not enough people could come; we'll try a fortnightly reading group instead.",
                      going=("jonas.weber",), not_going=("ingrid.larsen", "arjun.patel", "yusuf.demir")),
        ),
    ),
]
# fmt: on

# The fortnightly reading group that replaced the review has not met yet.
READING_GROUP = "Postmortem reading group"
READING_GROUP_CANCELLED = (
    "Only two people could come this time.",
    "Jonas is on call for the database migration; nobody else could run it.",
    "Cancelled during the Tuesday outage.",
)


# Value stories -------------------------------------------------------------------

# (community, author, title, what happened, who benefited, horizon, beneficiary, minutes saved, days ago,
#  the objective it backs, by title)
# fmt: off
STORIES = [
    (PYTHON, "zoe.fischer", "From first script to a weekly vulnerability report in week two",
     "Zoe joined from Security without any Python. Two help requests and one clinic later, her script reads "
     "the scanner's 800 MB export and sends each team its critical findings every Monday.",
     "Zoe Fischer and the Security team", Horizon.SHORT, Beneficiary.MEMBERS, 180, 16,
     "Newcomers productive sooner"),
    (PYTHON, "kwame.mensah", "A dose-unit check caught 14 wrong rows before they reached the app",
     "Kwame's first script, written with help from Oliver and Hannah, checks every dose in the medicines "
     "content for impossible units. It now runs on each change, so the mg/mcg mix-up cannot come back.",
     "Patients reading their medicines information, and the clinical safety team", Horizon.SHORT,
     Beneficiary.ORGANISATION, 300, 4, "Fewer repeated mistakes"),
    (INCIDENTS, "arjun.patel", "A shared key-rotation runbook shortened a security incident",
     "Arjun's help request on rotating a leaked key became a page of the incident handbook. Two weeks later "
     "Yusuf followed it during a real leak: keys rotated in 20 minutes instead of two hours.",
     "On-call engineers and the Security team", Horizon.SHORT, Beneficiary.ORGANISATION, 100, 135,
     "Actions that get done"),
]
# fmt: on


# Helpers ---------------------------------------------------------------------------


def _people() -> dict:
    return {
        u.email.split("@")[0]: u
        for u in User.objects.filter(email__endswith=f"@{DOMAIN}").select_related("unit")
    }


def _was_member(membership: Membership | None, when: dt.datetime) -> bool:
    """Whether the membership covered `when` (a rejoined member's gap counts as membership)."""
    if membership is None or membership.first_joined_at > when:
        return False
    return membership.left_at is None or when <= membership.left_at or membership.joined_at <= when


def _memberships(community: Community) -> dict[str, Membership]:
    return {
        m.user.email.split("@")[0]: m
        for m in Membership.objects.filter(community=community).select_related("user")
    }


def _event(community, action, *, actor, subject, when, **detail) -> None:
    AuditEvent.objects.create(
        community=community,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        created_at=when,
    )


def _first_moderator(community: Community):
    membership = (
        Membership.objects.filter(community=community, role=Role.MODERATOR, is_active=True)
        .select_related("user")
        .order_by("first_joined_at", "pk")
        .first()
    )
    return membership.user if membership else None


# Membership history ----------------------------------------------------------------


def _stints(communities: dict, people: dict, now: dt.datetime) -> int:
    made = 0
    for stint in STINTS:
        community, user = communities.get(stint.community), people.get(stint.login)
        if community is None or user is None:
            continue
        if Membership.objects.filter(community=community, user=user).exists():
            continue  # already a member (or was): their history is the other parts'
        joined = now - dt.timedelta(days=stint.joined_days_ago)
        left = now - dt.timedelta(days=stint.left_days_ago) if stint.left_days_ago else None
        Membership.objects.create(
            community=community,
            user=user,
            role=Role.MEMBER,
            is_active=left is None,
            first_joined_at=joined,
            joined_at=joined,
            left_at=left,
        )
        if stint.message:
            moderator = _first_moderator(community)
            asked = joined - dt.timedelta(hours=20)
            JoinRequest.objects.create(
                community=community,
                user=user,
                message=stint.message,
                status=JoinRequestStatus.APPROVED,
                created_at=asked,
                decided_at=joined,
                decided_by=moderator,
            )
            _event(community, CommunityAction.REQUESTED, actor=user, subject=user, when=asked)
            _event(
                community, CommunityAction.REQUEST_APPROVED, actor=moderator, subject=user, when=joined
            )
        else:
            _event(community, CommunityAction.JOINED, actor=user, subject=user, when=joined)
        if left is not None:
            _event(
                community, CommunityAction.LEFT, actor=user, subject=user, when=left, role=Role.MEMBER
            )
        made += 1
    return made


# Help requests ---------------------------------------------------------------------


def _replier(spec: R, members: dict, when: dt.datetime):
    membership = members.get(spec.by)
    return membership.user if _was_member(membership, when) else None


def _add_replies(request, specs, parent, asked, members, made) -> None:
    """Replies with the tree manager's API, as the posting service adds them; `made` collects (reply, spec)."""
    for spec in specs:
        when = min(asked + dt.timedelta(hours=spec.hours), timezone.now() - dt.timedelta(minutes=5))
        author = _replier(spec, members, when)
        if author is None:
            continue  # the plan and the memberships disagree: leave this branch out
        body_html, _ = render_body(spec.body, request.community)
        fields = {
            "help_request": request,
            "author": author,
            "author_unit_id": author.unit_id,
            "in_reply_to": parent,
            "body": spec.body,
            "body_html": body_html,
            "created_at": when,
        }
        if parent is None:
            reply = Reply.objects.add_root(fields)
        else:
            reply = Reply.objects.add_child(Reply.objects.get(pk=parent.pk), fields)
        made.append((reply, spec))
        _add_replies(request, spec.children, reply, asked, members, made)


def _votes_and_follows(request, made, members, asker) -> None:
    follows = {asker.pk: request.created_at}
    votes = []
    for reply, spec in made:
        follows.setdefault(reply.author_id, reply.created_at)
        for login in spec.helpful:
            when = reply.created_at + dt.timedelta(hours=2)
            membership = members.get(login)
            if _was_member(membership, when) and membership.user_id != reply.author_id:
                votes.append(HelpfulVote(reply=reply, user=membership.user, created_at=when))
    HelpfulVote.objects.bulk_create(votes, ignore_conflicts=True)
    for reply, _ in made:
        Reply.objects.filter(pk=reply.pk).update(helpful_count=reply.votes.count())
    Follow.objects.bulk_create(
        [Follow(help_request=request, user_id=pk, created_at=at) for pk, at in follows.items()],
        ignore_conflicts=True,
    )


def _settle(request: HelpRequest, made, *, accepted=None) -> None:
    """The counters and status the posting services would have left."""
    others = [r.created_at for r, _ in made if r.author_id != request.author_id]
    last = max([request.created_at, *(r.created_at for r, _ in made)])
    fields = {
        "reply_count": Reply.objects.visible().filter(help_request=request).count(),
        "first_reply_at": min(others) if others else None,
        "last_activity_at": last,
    }
    if accepted is not None:
        fields.update(
            accepted_reply=accepted,
            accepted_by=request.author,
            accepted_at=accepted.created_at + dt.timedelta(hours=3),
            status=RequestStatus.SOLVED,
        )
    elif others:
        fields["status"] = RequestStatus.ANSWERED
    HelpRequest.objects.filter(pk=request.pk).update(**fields)
    update_search_vectors(help_request=request)


def _ask(community: Community, spec: Ask, members: dict, now: dt.datetime) -> bool:
    if HelpRequest.objects.filter(community=community, title=spec.title).exists():
        return False
    asked = now - dt.timedelta(days=spec.days_ago)
    membership = members.get(spec.by)
    if not _was_member(membership, asked):
        return False
    asker = membership.user
    body_html, _ = render_body(spec.body, community)
    escalation = {}
    if spec.escalated:
        experts = asked + dt.timedelta(hours=community.escalation_hours)
        moderators = asked + dt.timedelta(hours=2 * community.escalation_hours)
        first = min((asked + dt.timedelta(hours=r.hours) for r in spec.replies), default=None)
        escalation["escalated_to_experts_at"] = experts
        if first is None or first > moderators:
            escalation["escalated_to_moderators_at"] = moderators
    request = HelpRequest.objects.create(
        community=community,
        author=asker,
        author_unit_id=asker.unit_id,
        title=spec.title,
        body=spec.body,
        body_html=body_html,
        created_at=asked,
        last_activity_at=asked,
        **escalation,
    )
    request.tags.set(list(spec.tags))
    made: list = []
    _add_replies(request, spec.replies, None, asked, members, made)
    _votes_and_follows(request, made, members, asker)
    accepted = next((r for r, s in made if s.accepted), None)
    _settle(request, made, accepted=accepted)
    return True


def _answer_late(community: Community, title: str, replies, members: dict) -> bool:
    """Answer one of the other demo's unanswered requests, as it was answered on its first day."""
    request = HelpRequest.objects.filter(community=community, title=title, reply_count=0).first()
    if request is None or request.replies.exists():
        return False
    made: list = []
    _add_replies(request, replies, None, request.created_at, members, made)
    if not made:
        return False
    _votes_and_follows(request, made, members, request.author)
    _settle(request, made)
    return True


def _threads(communities: dict, now: dt.datetime) -> int:
    made = 0
    members = {slug: _memberships(c) for slug, c in communities.items()}
    for spec in ASKS:
        community = communities.get(spec.community)
        if community is not None:
            made += _ask(community, spec, members[spec.community], now)
    if PYTHON in communities:
        for title, replies in LATE_ANSWERS.items():
            made += _answer_late(communities[PYTHON], title, replies, members[PYTHON])
    for community in communities.values():
        latest = HelpRequest.objects.filter(community=community).aggregate(
            latest=Max("last_activity_at")
        )["latest"]
        if latest and (community.last_activity_at is None or latest > community.last_activity_at):
            Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    return made


# Meetings ----------------------------------------------------------------------------


def _rsvps(occurrence: Occurrence, plan, members: dict) -> None:
    answered = occurrence.starts_at - dt.timedelta(days=4)
    held = isinstance(plan, Held)
    came = set(plan.came) if held else set()
    answers = [
        *((login, GOING) for login in plan.going),
        *((login, MAYBE) for login in getattr(plan, "maybe", ())),
        *((login, NOT_GOING) for login in plan.not_going),
    ]
    rows = []
    for n, (login, response) in enumerate(answers):
        at = answered + dt.timedelta(hours=5 * n)
        membership = members.get(login)
        if not _was_member(membership, at) or not _was_member(membership, occurrence.starts_at):
            continue
        attended = None
        if held and response != NOT_GOING:
            attended = login in came
        rows.append(
            Rsvp(
                occurrence=occurrence,
                user=membership.user,
                response=response,
                responded_at=at,
                attended=attended,
            )
        )
    Rsvp.objects.bulk_create(rows, ignore_conflicts=True)
    counted = Rsvp.objects.filter(occurrence=occurrence)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        going_count=counted.filter(response=GOING, waitlisted=False).count(),
        maybe_count=counted.filter(response=MAYBE).count(),
        waitlist_count=0,
    )


def _past_series(plan: PastSeries, community: Community, people: dict, now: dt.datetime) -> bool:
    if MeetingSeries.objects.filter(community=community, title=plan.title).exists():
        return False
    organiser = people.get(plan.organiser)
    if organiser is None:
        return False
    zone = zoneinfo.ZoneInfo(plan.time_zone)
    first_local = (now - dt.timedelta(days=plan.first_days_ago)).astimezone(zone)
    last_local = (now - dt.timedelta(days=plan.last_days_ago)).astimezone(zone)
    base = dt.datetime.combine(first_local.date(), plan.start_time)
    start_date = rrulestr(plan.rule, dtstart=base).after(base, inc=True).date()
    rrule = f"{plan.rule};UNTIL={last_local:%Y%m%d}T235959"
    scheduled_at = recurrence.to_utc(dt.datetime.combine(start_date, plan.start_time), zone)
    scheduled_at -= dt.timedelta(days=9)
    duration = dt.timedelta(minutes=plan.duration_minutes)
    series = MeetingSeries.objects.create(
        community=community,
        title=plan.title,
        description=plan.description,
        description_html=render_markdown(plan.description),
        room=plan.room,
        address=plan.address,
        online_url=plan.online_url,
        organiser=organiser,
        time_zone=plan.time_zone,
        start_date=start_date,
        start_time=plan.start_time,
        duration_minutes=plan.duration_minutes,
        rrule=rrule,
        is_active=False,  # ended
        created_at=scheduled_at,
        updated_at=scheduled_at,
    )
    starts = recurrence.starts_between(series, scheduled_at, now - duration)
    ended_at = (starts[-1] if starts else scheduled_at) + duration
    MeetingSeries.objects.filter(pk=series.pk).update(generated_until=ended_at, updated_at=ended_at)
    url = series.get_absolute_url()
    _event(
        community,
        MeetingAction.MEETING_SCHEDULED,
        actor=organiser,
        subject=None,
        when=scheduled_at,
        title=series.title,
        url=url,
    )
    _event(
        community,
        MeetingAction.MEETING_ENDED,
        actor=organiser,
        subject=None,
        when=ended_at + dt.timedelta(days=2),
        title=series.title,
        url=url,
    )
    members = _memberships(community)
    # The plan's meetings are the most recent ones; any earlier dates were held quietly, unrecorded.
    recorded = list(plan.meetings)[-len(starts) :] if starts else []
    plans = [None] * (len(starts) - len(recorded)) + recorded
    for start, meeting in zip(starts, plans, strict=False):
        cancelled = isinstance(meeting, Cancelled)
        occurrence = Occurrence.objects.create(
            series=series,
            community=community,
            original_start=start,
            starts_at=start,
            ends_at=start + duration,
            status=OccurrenceStatus.CANCELLED if cancelled else OccurrenceStatus.SCHEDULED,
            cancel_reason=meeting.reason if cancelled else "",
            sequence=1 if cancelled else 0,
            notes=getattr(meeting, "notes", ""),
            notes_html=render_markdown(meeting.notes) if getattr(meeting, "notes", "") else "",
            created_at=scheduled_at,
            updated_at=start + duration,
        )
        if cancelled:
            _event(
                community,
                MeetingAction.MEETING_CANCELLED,
                actor=organiser,
                subject=None,
                when=start - dt.timedelta(days=1),
                occurrence=occurrence.pk,
                title=series.title,
                starts_at=start.isoformat(),
                reason=meeting.reason,
            )
        if meeting is not None:
            _rsvps(occurrence, meeting, members)
    return True


def _reading_group_cancellations(community: Community, now: dt.datetime) -> int:
    """The reading group's past dates: each cancelled, so it has not met yet."""
    series = MeetingSeries.objects.filter(community=community, title=READING_GROUP).first()
    if series is None or series.organiser is None:
        return 0
    duration = dt.timedelta(minutes=series.duration_minutes)
    since = recurrence.to_utc(recurrence.local_start(series), series.zone)
    starts = recurrence.starts_between(series, since, now - duration)
    taken = set(Occurrence.objects.filter(series=series).values_list("original_start", flat=True))
    made = 0
    for n, start in enumerate(starts):
        if start in taken:
            continue
        reason = READING_GROUP_CANCELLED[n % len(READING_GROUP_CANCELLED)]
        occurrence = Occurrence.objects.create(
            series=series,
            community=community,
            original_start=start,
            starts_at=start,
            ends_at=start + duration,
            status=OccurrenceStatus.CANCELLED,
            cancel_reason=reason,
            sequence=1,
            created_at=series.created_at,
            updated_at=start - dt.timedelta(days=1),
        )
        _event(
            community,
            MeetingAction.MEETING_CANCELLED,
            actor=series.organiser,
            subject=None,
            when=start - dt.timedelta(days=1),
            occurrence=occurrence.pk,
            title=series.title,
            starts_at=start.isoformat(),
            reason=reason,
        )
        made += 1
    return made


def _meetings(communities: dict, people: dict, now: dt.datetime) -> int:
    made = 0
    for plan in PAST_SERIES:
        community = communities.get(plan.community)
        if community is not None:
            made += _past_series(plan, community, people, now)
    if INCIDENTS in communities:
        made += _reading_group_cancellations(communities[INCIDENTS], now)
    return made


# Value stories -------------------------------------------------------------------------


def _stories(communities: dict, people: dict, now: dt.datetime) -> int:
    made = 0
    for slug, login, title, happened, who, horizon, beneficiary, minutes, days_ago, goal in STORIES:
        community, author = communities.get(slug), people.get(login)
        if community is None or author is None:
            continue
        if ValueStory.objects.filter(community=community, title=title).exists():
            continue
        objective = Objective.objects.filter(
            charter__community=community, title=goal, is_retired=False
        ).first()
        story = value_story_create(
            community=community,
            author=author,
            title=title,
            what_happened=happened,
            who_benefited=who,
            horizon=horizon,
            beneficiary=beneficiary,
            objective=objective,
            minutes_saved=minutes,
        )
        ValueStory.objects.filter(pk=story.pk).update(created_at=now - dt.timedelta(days=days_ago))
        made += 1
    return made


# Who sees the health page ------------------------------------------------------------------

OPEN_HEALTH_DAYS_AGO = 60


def _open_health_page(communities: dict, people: dict, now: dt.datetime) -> bool:
    """Python Practitioners' moderators showed its health page to every member two months ago."""
    community, moderator = communities.get(PYTHON), people.get("aisha.bello")
    if community is None or moderator is None:
        return False
    switched = AuditEvent.objects.filter(
        community=community,
        action=CommunityAction.SETTINGS_CHANGED,
        detail__fields=["health_visible_to_members"],
    )
    if switched.exists():
        return False  # the moderators have chosen (perhaps otherwise since): leave it
    health_visibility_set(community=community, by=moderator, visible=True)
    switched.update(created_at=now - dt.timedelta(days=OPEN_HEALTH_DAYS_AGO))
    return True


# Entry point -----------------------------------------------------------------------------


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""
    now = timezone.now()
    communities = {c.slug: c for c in Community.objects.filter(slug__in=DEMO_SLUGS)}
    people = _people()
    if not communities or not people:
        return
    with transaction.atomic():
        stints = _stints(communities, people, now)
        threads = _threads(communities, now)
        meetings = _meetings(communities, people, now)
        stories = _stories(communities, people, now)
        opened = _open_health_page(communities, people, now)
    done = []
    if stints:
        done.append(f"{stints} memberships")
    if threads:
        done.append(f"{threads} threads")
    if meetings:
        done.append(f"{meetings} past meeting series or cancellations")
    if stories:
        done.append(f"{stories} value stories")
    if opened:
        done.append("Python Practitioners' health page opened to its members")
    if done:
        stdout.write(
            "Health: added " + ", ".join(done) + ". Python Practitioners is thriving; "
            "Incident Response & Postmortems needs help (see /health/ as sponsor@practica.demo)."
        )
