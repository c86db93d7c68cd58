"""Demo charters, built through the services as their people would have, called by `seed_demo`.

Python Practitioners: an approved charter with history (v1 approved, v2 sent back,
v3 approved). Incident Response & Postmortems: version 1 waiting for the demo
sponsor's review. Clinical Data Quality: a draft (a vision round is open there).
Idempotent: a community whose charter already has content is left alone.
"""

import datetime
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from charter.models import Charter, CharterVersion
from charter.services import drafts as services
from communities.models import Community

User = get_user_model()
DOMAIN = "practica.demo"


def _person(login: str):
    return User.objects.get(email=f"{login}@{DOMAIN}")


def _community(slug: str) -> Community | None:
    return Community.objects.filter(slug=slug).first()


def _edit(charter: Charter, by, **data) -> Charter:
    charter.refresh_from_db()
    return services.charter_draft_update(
        charter=charter, by=by, data=data, expected_revision=charter.draft_revision
    )


def _objectives(charter: Charter, rows: list[tuple[str, str, datetime.date | None]]) -> list[dict]:
    """Rows for the draft: existing objectives (matched by title) keep their ids, so stories keep links."""
    existing = {o.title: o.pk for o in charter.objectives.filter(is_retired=False)}
    return [
        {"id": existing.get(title), "title": title, "indicator": indicator, "target_date": target}
        for title, indicator, target in rows
    ]


def _backdate(
    version: CharterVersion, *, submitted_days_ago: int, decided_days_ago: int | None
) -> None:
    # Straight to the table: the content stays frozen, only the demo's timeline moves back.
    now = timezone.now()
    changes = {"created_at": now - timedelta(days=submitted_days_ago)}
    if decided_days_ago is not None:
        changes["reviewed_at"] = now - timedelta(days=decided_days_ago)
    CharterVersion.objects.filter(pk=version.pk).update(**changes)


PYTHON_PURPOSE = """\
Python runs a growing share of Meridian's work: the ingestion APIs that bring in
device readings, the risk models clinicians rely on, finance forecasting and many
team-level tools. It is written by people in six units, most of whom never meet.

This community exists so that **anyone writing Python at Meridian can get unstuck
quickly and write code their colleagues can trust and maintain**, whatever their
job title. The organisation needs this capability to ship safer software faster
and to stop solving the same problems in six different ways.
"""

PYTHON_VISION_V1 = """\
In two years, Python at Meridian feels like one craft rather than six islands:

- someone stuck on a packaging or testing problem gets a useful answer the same day,
  usually from another unit;
- new starters, including analysts and clinicians who code, are productive in weeks;
- our shared templates make the safe way the easy way.
"""

PYTHON_VISION_V3 = """\
In two years, Python at Meridian feels like one craft rather than six islands:

- someone stuck on a packaging or testing problem gets a useful answer the same day,
  usually from another unit;
- new starters, including analysts and clinicians who code, are productive in weeks,
  by working through real problems with colleagues from other teams;
- our shared project template and CI pipeline make the safe way the easy way;
- what one team learns the hard way is written down once and reused everywhere.
"""

PYTHON_STRATEGY_V1 = """\
- A fortnightly **Python clinic** in the Lovelace room and online.
- Help requests answered here first, before teams build their own workaround.
- A shared project template, owned by the core group.
"""

PYTHON_STRATEGY_V3 = """\
- A fortnightly **Python clinic** (Thursdays 12:30, Lovelace room and online), with the
  first half for newcomers' questions.
- Help requests answered here first; the core group makes sure none waits more than a day.
- A shared project template and CI pipeline, owned by the core group, reviewed each quarter.
- Newcomers' first questions answered at the clinic, by someone from another unit.
- Twice a year, a short report to the sponsor: value stories, time saved, units reached.
"""

PYTHON_PITCH = (
    "Stuck on a failing test, a dependency conflict or a slow pandas job? Someone in "
    "another unit has met it before. Join to get unstuck the same day, learn from people "
    "who write Python every day, and help shape the tools we all use."
)

INCIDENT_PURPOSE = """\
When the platform has a bad day, engineering, security, support and the clinical
service all feel it at once, and patients notice before we do.

This community exists to give Meridian a **shared, practised way of handling incidents
and learning from them without blame**, so that the same failure does not happen twice
in two departments, and so that what we tell patients during an outage is accurate
and calm.
"""

INCIDENT_VISION = """\
Every incident at Meridian is run the same recognisable way, whoever is on call.
Postmortems are blameless, published within five working days and read beyond the
team that wrote them. Their follow-up actions are tracked until they are done, and
support and clinical staff hear about an incident from us, not from patients.
"""

INCIDENT_STRATEGY = """\
- Monthly postmortem review, open to anyone in the organisation.
- A tabletop exercise twice a quarter, each time led by a different unit.
- One incident handbook (roles, channels, status-page wording) kept up to date here.
- Postmortem drafts shared in the community before they go company-wide.
"""

INCIDENT_PITCH = (
    "Been paged at 3am and wished someone had seen it before? Join the people from "
    "engineering, security and support who practise incidents together, share "
    "postmortems early and make the next outage shorter and calmer."
)

CLINICAL_PURPOSE = """\
A reading recorded wrongly on a ward shows up weeks later as a wrong number on a
dashboard, or as a worried patient calling support. No single team sees the whole chain.

This community exists so that **clinicians, data engineers and support staff fix data
quality problems at their source together**, and so that Meridian can trust the
numbers its clinical decisions and reports rest on.
"""


def _python_practitioners(stdout) -> None:
    community = _community("python-practitioners")
    if community is None:
        return
    charter = services.charter_get_or_create(community=community)
    if charter.versions.exists():
        return
    sponsor, aisha, hannah = _person("sponsor"), _person("aisha.bello"), _person("hannah.schmidt")
    today = timezone.localdate()

    _edit(charter, sponsor, purpose=PYTHON_PURPOSE)
    _edit(
        charter,
        aisha,
        vision=PYTHON_VISION_V1,
        strategy=PYTHON_STRATEGY_V1,
        pitch=PYTHON_PITCH,
        revisit_by=today + timedelta(days=365),
        objectives=_objectives(
            charter,
            [
                ("Same-day help for Python questions", "Median time to first useful reply", None),
                ("One shared project template", "Number of teams using it", None),
                ("Newcomers productive sooner", "", None),
            ],
        ),
    )
    v1 = services.charter_submit(
        charter=charter, by=aisha, note="Our first charter, from the kick-off workshop."
    )
    services.charter_approve(
        version=v1,
        by=sponsor,
        comment="A good start. Let us revisit once the clinic has run for a quarter.",
    )
    _backdate(v1, submitted_days_ago=380, decided_days_ago=374)

    _edit(
        charter,
        hannah,
        vision=PYTHON_VISION_V3,
        strategy=PYTHON_STRATEGY_V1 + "- Newcomers' questions first at every clinic.\n",
        objectives=_objectives(
            charter,
            [
                ("Same-day help for Python questions", "Median time to first useful reply", None),
                ("One shared project template", "Number of teams using it", None),
                ("Newcomers productive sooner", "", None),
                ("Fewer repeated mistakes", "", None),
            ],
        ),
    )
    v2 = services.charter_submit(
        charter=charter,
        by=hannah,
        note="Gives newcomers the first half of each clinic and adds a fourth objective after the vision round.",
    )
    services.charter_request_changes(
        version=v2,
        by=sponsor,
        comment=(
            "I like the direction, but I cannot report on objectives without measures. "
            "Please give each objective an indicator and a target date, and say how you will "
            "show me the value the community creates."
        ),
    )
    _backdate(v2, submitted_days_ago=120, decided_days_ago=116)

    _edit(
        charter,
        aisha,
        strategy=PYTHON_STRATEGY_V3,
        objectives=_objectives(
            charter,
            [
                (
                    "Same-day help for Python questions",
                    "Median time to first useful reply under 4 working hours",
                    today + timedelta(days=180),
                ),
                (
                    "One shared project template",
                    "Used by 12 of our 18 Python services",
                    today + timedelta(days=270),
                ),
                (
                    "Newcomers productive sooner",
                    "First merged change within 2 weeks of joining",
                    today + timedelta(days=180),
                ),
                (
                    "Fewer repeated mistakes",
                    "Every postmortem with a Python cause gets a shared how-to",
                    today + timedelta(days=365),
                ),
            ],
        ),
    )
    v3 = services.charter_submit(
        charter=charter,
        by=aisha,
        note="Indicators and target dates for every objective; twice-yearly value report.",
    )
    services.charter_approve(
        version=v3, by=sponsor, comment="Approved. Thank you for the measures."
    )
    _backdate(v3, submitted_days_ago=100, decided_days_ago=97)
    stdout.write("Charter: Python Practitioners has an approved charter (3 versions).")


def _incident_response(stdout) -> None:
    community = _community("incident-response-postmortems")
    if community is None:
        return
    charter = services.charter_get_or_create(community=community)
    if charter.versions.exists():
        return
    sponsor, jonas, ingrid = _person("sponsor"), _person("jonas.weber"), _person("ingrid.larsen")
    today = timezone.localdate()
    _edit(charter, sponsor, purpose=INCIDENT_PURPOSE)
    _edit(
        charter,
        jonas,
        vision=INCIDENT_VISION,
        strategy=INCIDENT_STRATEGY,
        pitch=INCIDENT_PITCH,
        revisit_by=today + timedelta(days=300),
        objectives=_objectives(
            charter,
            [
                (
                    "Blameless postmortems, on time",
                    "Published within 5 working days: 90%",
                    today + timedelta(days=150),
                ),
                (
                    "Actions that get done",
                    "Postmortem actions closed within 30 days: 80%",
                    today + timedelta(days=240),
                ),
                (
                    "Support hears it from us first",
                    "Status page updated within 15 minutes of declaring",
                    today + timedelta(days=120),
                ),
            ],
        ),
    )
    _edit(
        charter,
        ingrid,
        strategy=INCIDENT_STRATEGY + "- A security lead in every tabletop exercise.\n",
    )
    version = services.charter_submit(
        charter=charter,
        by=jonas,
        note="First charter, drafted with Ingrid after the March tabletop.",
    )
    _backdate(version, submitted_days_ago=2, decided_days_ago=None)
    stdout.write("Charter: Incident Response & Postmortems has version 1 waiting for the sponsor.")


def _clinical_data_quality(stdout) -> None:
    community = _community("clinical-data-quality")
    if community is None:
        return
    charter = services.charter_get_or_create(community=community)
    if charter.purpose or charter.versions.exists():
        return
    _edit(charter, _person("sarah.whitfield"), purpose=CLINICAL_PURPOSE)
    _edit(
        charter,
        _person("moderator"),
        pitch=(
            "See a wrong number on a dashboard, or a weight in pounds on a chart? Join the "
            "clinicians and data people who trace it back and fix it where it starts."
        ),
    )
    stdout.write("Charter: Clinical Data Quality has a draft with its purpose.")


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""
    _python_practitioners(stdout)
    _incident_response(stdout)
    _clinical_data_quality(stdout)
