"""Demo data for vision rounds and value stories, called by `seed_demo` after demo/charter.py.

An open vision round in Clinical Data Quality, a closed one (with ideas used in the
draft) in Python Practitioners, and value stories across the four cells of the
value table. Everything goes through the services, then dates are moved into the
past so the record reads naturally. Idempotent: rounds are found by title, stories
by title, so a second run creates nothing.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from charter.kinds import Kind
from charter.models import Charter, Contribution, Objective, Prompt, ValueStory, VisionRound
from charter.services import vision as vision_services
from charter.services.stories import value_story_create
from communities.models import Community
from notifications.models import Notification

User = get_user_model()
DOMAIN = "practica.demo"

D, DR, DE, DL = Prompt.DISCOVER, Prompt.DREAM, Prompt.DESIGN, Prompt.DELIVER

# (prompt, author login, text, endorsers)
CDQ_IDEAS = [
    (D, "sarah.whitfield",
     "When Mei traced the duplicate blood-pressure readings back to the Boston feed, a nurse, a data "
     "engineer and a safety officer sat at one table for the first time. That hour fixed more than a "
     "month of tickets had.",
     ("moderator", "james.oconnor", "mei.tanaka", "fatima.rahman", "member")),
    (D, "member",
     "The #weird-readings channel works: I post a chart, and someone from clinical operations tells me "
     "within the hour whether it is physiologically possible or a sensor fault.",
     ("fatima.rahman", "beatriz.santos", "diego.ramirez")),
    (D, "james.oconnor",
     "Our hazard log already names the data-quality hazards. We don't need a new process, we need the "
     "data people reading the log and the clinicians reading the pipeline tests.",
     ("sarah.whitfield", "moderator")),
    (DR, "moderator",
     "Every number a clinician sees on a dashboard carries a quality mark they trust, and one click "
     "tells them who to ask when it looks wrong.",
     ("sarah.whitfield", "fatima.rahman", "samuel.adeyemi", "member", "diego.ramirez", "ravi.menon")),
    (DR, "samuel.adeyemi",
     "Risk models trained only on data whose lineage we can explain to the clinical safety officer in "
     "five minutes.",
     ("james.oconnor", "mei.tanaka")),
    (DR, "ravi.menon",
     "Data quality becomes a measure in every unit's quarterly review, not an engineering side project.",
     ("moderator",)),
    (DE, "beatriz.santos",
     "A monthly data clinic: one real bad record, traced end to end by a clinician and an engineer "
     "together, written up in plain language.",
     ("moderator", "member", "fatima.rahman", "sarah.whitfield")),
    (DE, "mei.tanaka",
     "A catalogue of known feed quirks per hospital, with the fix and the name of whoever found it, so "
     "the next integration starts from what we already know.",
     ("samuel.adeyemi", "beatriz.santos", "diego.ramirez")),
    (DE, "diego.ramirez",
     "Give support a button to flag a reading a patient says is wrong, so the complaint reaches the "
     "data team the same day instead of in a monthly report.",
     ("fatima.rahman",)),
    (DL, "sarah.whitfield",
     "I will give this community a standing slot at the clinical governance board every quarter.",
     ("moderator", "james.oconnor", "beatriz.santos")),
    (DL, "moderator",
     "By the end of the quarter we publish the first five plausibility rules agreed with clinicians, as "
     "tests in the pipeline.",
     ("sarah.whitfield", "mei.tanaka")),
    (DL, "member",
     "I will write up the duplicate-reading fix as the first entry of the quirks catalogue.",
     ()),
]

PP_IDEAS = [
    (D, "aisha.bello",
     "Python clinic is where people from finance, data and platform meet. Half of our shared fixtures "
     "started as someone's clinic question.",
     ("sponsor", "samuel.adeyemi", "member", "julia.kowalski", "oliver.grant"), True),
    (D, "julia.kowalski",
     "As a finance analyst I got real code review here for the first time. Nobody made me feel like an "
     "outsider.",
     ("hannah.schmidt", "peter.lindqvist", "aisha.bello"), True),
    (DR, "sponsor",
     "No team at Meridian solves a Python problem another team has already solved.",
     ("aisha.bello", "hannah.schmidt", "daniel.costa", "member", "arjun.patel", "samuel.adeyemi"), True),
    (DR, "daniel.costa",
     "A newcomer ships a reviewed change in their first week because someone from another team shows "
     "them how we work.",
     ("mei.tanaka", "lukas.novak", "sponsor"), True),
    (DR, "elena.petrova",
     "Our model code is as well tested as our API code.",
     ("samuel.adeyemi",), False),
    (DE, "hannah.schmidt",
     "One project template with testing, typing and packaging already set up, owned by the community.",
     ("lukas.novak", "aisha.bello", "member", "yusuf.demir"), True),
    (DE, "arjun.patel",
     "Dependency updates and security advisories reviewed together once a month.",
     ("lukas.novak", "hannah.schmidt"), False),
    (DL, "aisha.bello",
     "We run the clinic every second Thursday, in person and online, and record what we learn.",
     ("sponsor", "hannah.schmidt", "beatriz.santos"), True),
    (DL, "peter.lindqvist",
     "I will pair with one newcomer from outside engineering each quarter.",
     ("aisha.bello",), False),
]

PP_SUMMARY = (
    "Thirty-one people took part across four units. The most endorsed ideas became the vision "
    "(\"no team solves a Python problem another team has already solved\") and two objectives: "
    "newcomers productive sooner and a shared project template."
)

# (community slug, author login, title, what happened, who benefited, horizon, beneficiary, minutes, days ago,
#  index of the community's objective to link, or None)
STORIES = [
    ("python-practitioners", "lukas.novak", "Shared pytest fixtures cut the ingestion suite from 14 to 4 minutes",
     "Lukas asked in the clinic why the ingestion tests were so slow. Hannah showed the session-scoped "
     "database fixtures the data team uses; we adopted them the same week.\n\n- Suite: **14 → 4 minutes**\n"
     "- About 30 CI runs a day",
     "Platform Engineering backend team", "short", "organisation", 600, 200, 0),
    ("python-practitioners", "daniel.costa", "Unstuck on a Celery retry storm in one afternoon",
     "Reminder tasks kept retrying and flooding the queue. A help request got an answer from Mei in Boston, "
     "who had met the same thing with HL7 imports: retries without backoff and no time limit.",
     "Daniel Costa, and the patients waiting for their reminders", "short", "members", 240, 160, None),
    ("python-practitioners", "mei.tanaka", "Timezone bug caught before the Boston go-live",
     "A clinic review of the new Boston feed spotted naive datetimes around daylight saving time. Fixed "
     "two days before go-live instead of after the first wrong alert.",
     "US integrations team and the Boston clinicians", "short", "organisation", 480, 130, 0),
    ("python-practitioners", "oliver.grant", "A pandas tip halved the commissioner report's run time",
     "Samuel suggested pushing the aggregation down into SQL. The monthly commissioner report now runs in "
     "20 minutes instead of 45.",
     "Oliver Grant, BI", "short", "members", 25, 110, None),
    ("python-practitioners", "julia.kowalski", "First pull request merged in week one",
     "Julia joined from Finance Systems and was paired with Peter. Her first change to the invoice export "
     "was reviewed and merged within five days.",
     "Julia Kowalski and the finance systems team", "short", "members", None, 95, 1),
    ("python-practitioners", "hannah.schmidt", "One project template instead of five",
     "Five teams each kept their own starter project. The community agreed one template with testing, "
     "typing and packaging set up; eleven new services have started from it.",
     "Every team that starts a Python service", "long", "organisation", 1800, 80, 1),
    ("python-practitioners", "aisha.bello", "The clinic became the on-ramp for new data hires",
     "The data team now sends every new hire to Python clinic in their first month. Two of this year's "
     "hires said it was why they felt at home quickly.",
     "Data & Analytics, and its new hires", "long", "organisation", None, 60, 1),
    ("python-practitioners", "samuel.adeyemi", "From clinic regular to conference speaker",
     "Samuel's clinic talk on reproducible notebooks grew into a talk at PyData London. He says he would "
     "not have submitted it without the practice runs here.",
     "Samuel Adeyemi", "long", "members", None, 45, None),
    ("python-practitioners", "member", "Testing skills spread across three units",
     "After six months of pairing sessions, people in Finance, Data and Platform now review each other's "
     "tests. Tom noticed his own reviews got sharper too.",
     "Members in Finance, Data & Analytics and Platform Engineering", "long", "members", None, 20, 0),
    ("python-practitioners", "beatriz.santos", "A clinician learned to read the pipeline tests",
     "Beatriz asked what a failing dbt test meant. An afternoon with Hannah later, she now reviews the "
     "plausibility rules for blood pressure herself.",
     "Beatriz Santos, Clinical Operations", "long", "members", None, 10, None),
    ("clinical-data-quality", "fatima.rahman", "Duplicate readings stopped false alerts on the night shift",
     "Night nurses were getting two alerts for one reading. The community traced it to the Boston feed "
     "resending messages; a de-duplication rule fixed it.",
     "Remote monitoring nurses on night shifts", "short", "organisation", 900, 70, None),
    ("clinical-data-quality", "beatriz.santos", "The first data clinic trained four of us",
     "Tracing one bad weight reading end to end taught two nurses and two engineers how the other side "
     "works.",
     "Four members from Clinical Operations and Data & Analytics", "long", "members", None, 12, None),
    ("plain-language-writing", "diego.ramirez", "Rewritten error message halved support calls about sync",
     "The app's \"Sync failed (code 12)\" became \"We couldn't send your reading. We'll try again when "
     "you're back online.\" Calls about it went from about 40 a week to 18.",
     "Support team and patients", "short", "organisation", 660, 30, None),
]


def _people() -> dict:
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")}


def _charter(slug: str) -> Charter | None:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        return None
    charter, _ = Charter.objects.get_or_create(community=community)
    return charter


def _backdate_round(vision_round: VisionRound, *, opened_days_ago: int, closed_days_ago: int | None) -> None:
    now = timezone.now()
    opened = now - timedelta(days=opened_days_ago)
    VisionRound.objects.filter(pk=vision_round.pk).update(
        opened_at=opened, closed_at=now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    )
    # Its "round opened" notifications date from the opening; those of a closed round were read long ago.
    round_url = reverse("charter:vision_round", args=[vision_round.charter.community.slug, vision_round.pk])
    Notification.objects.filter(kind=Kind.VISION_ROUND_OPENED, url=round_url).update(
        created_at=opened, read_at=opened + timedelta(days=1) if closed_days_ago is not None else None
    )
    # Ideas arrive over the round's first days, in the order they are listed.
    for n, pk in enumerate(
        Contribution.objects.filter(vision_round=vision_round).order_by("id").values_list("pk", flat=True)
    ):
        Contribution.objects.filter(pk=pk).update(created_at=opened + timedelta(hours=5 + 9 * n))


def _run_round(charter, people, *, opener, title, introduction, ideas) -> VisionRound:
    vision_round = vision_services.vision_round_open(
        charter=charter, by=people[opener], title=title, introduction=introduction
    )
    for prompt, author, text, endorsers, *used in ideas:
        idea = vision_services.contribution_add(
            vision_round=vision_round, author=people[author], prompt=prompt, text=text
        )
        for login in endorsers:
            if login in people and login != author:
                vision_services.contribution_endorse(contribution=idea, user=people[login])
        if used and used[0]:
            vision_services.contribution_mark_used(contribution=idea, by=people[opener])
    return vision_round


def _round_missing(charter, title: str) -> bool:
    """True if this round is not there yet and nothing else is open (one open round per charter)."""
    if charter is None:
        return False
    rounds = VisionRound.objects.filter(charter=charter)
    return not rounds.filter(title=title).exists() and not rounds.filter(closed_at__isnull=True).exists()


def _seed_rounds(people, stdout) -> int:
    made = 0
    cdq = _charter("clinical-data-quality")
    title = "What would trustworthy clinical data look like for us?"
    if _round_missing(cdq, title):
        vision_round = _run_round(
            cdq, people, opener="moderator", title=title,
            introduction=(
                "Dr Whitfield asked us to turn our purpose into a vision we can all stand behind. Tell us "
                "what already works, what you dream of, how we could get there and what you will commit "
                "to. Endorse the ideas you agree with; Beatriz and I will draft the vision from the most "
                "endorsed ones.\n\nThe round stays open until the end of the month."
            ),
            ideas=CDQ_IDEAS,
        )
        _backdate_round(vision_round, opened_days_ago=6, closed_days_ago=None)
        made += 1
    pp = _charter("python-practitioners")
    title = "Python at Meridian in two years"
    if _round_missing(pp, title):
        vision_round = _run_round(
            pp, people, opener="aisha.bello", title=title,
            introduction="Before we write our first charter: what should this community be in two years?",
            ideas=PP_IDEAS,
        )
        vision_services.vision_round_close(vision_round=vision_round, by=people["aisha.bello"], summary=PP_SUMMARY)
        _backdate_round(vision_round, opened_days_ago=400, closed_days_ago=380)
        made += 1
    if made:
        stdout.write(f"Vision rounds: {made} created.")
    return made


def _seed_stories(people, stdout) -> int:
    made = 0
    communities = {c.slug: c for c in Community.objects.filter(slug__in={s[0] for s in STORIES})}
    objectives: dict[int, list[Objective]] = {}
    for slug, login, title, happened, who, horizon, beneficiary, minutes, days_ago, objective_index in STORIES:
        community = communities.get(slug)
        if community is None or login not in people:
            continue
        if ValueStory.objects.filter(community=community, title=title).exists():
            continue
        if community.pk not in objectives:
            objectives[community.pk] = list(
                Objective.objects.filter(charter__community=community, is_retired=False).order_by("position", "id")
            )
        current = objectives[community.pk]
        objective = None
        if objective_index is not None and current:
            objective = current[objective_index % len(current)]
        story = value_story_create(
            community=community, author=people[login], title=title, what_happened=happened,
            who_benefited=who, horizon=horizon, beneficiary=beneficiary, objective=objective,
            minutes_saved=minutes,
        )
        ValueStory.objects.filter(pk=story.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
        made += 1
    if made:
        stdout.write(f"Value stories: {made} created.")
    return made


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""
    people = _people()
    if not people:
        return
    _seed_rounds(people, stdout)
    _seed_stories(people, stdout)
