"""Demo help requests, built through the posting services and then moved back in time; called by `seed_demo`.

Every demo community gets threads that read like real ones: solved requests with
discussions three or four levels deep and an accepted answer, answered ones
still being discussed, unanswered ones, tags matching the demo people's
expertise (so experts were notified), helpful votes and a few edits with their
revisions. member@practica.demo (Tom Becker) has asked and answered.

Idempotent: a thread whose title already exists in its community is skipped.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from communities.models import Community
from discussions import ratelimit
from discussions.models import Flag, Follow, HelpfulVote, HelpRequest, Reply, Revision
from discussions.services import moderation, posting
from notifications.models import Notification

User = get_user_model()
DOMAIN = "practica.demo"


@dataclass(frozen=True)
class R:
    """A reply: who, what, replies to it, who found it helpful, whether the asker accepted it."""

    by: str
    body: str
    children: tuple["R", ...] = ()
    helpful: tuple[str, ...] = ()
    accepted: bool = False
    edited_from: str = ""  # the text before an edit (kept as a revision)


@dataclass(frozen=True)
class T:
    by: str
    days_ago: float
    title: str
    body: str
    tags: tuple[str, ...]
    replies: tuple[R, ...] = ()
    edited_from: str = ""
    follows: tuple[str, ...] = field(default=())


# fmt: off
THREADS: dict[str, list[T]] = {
    "python-practitioners": [
        T("member", 95, "How do I share pytest fixtures across test modules without copying them?",
          "The ingestion API has five test files and each one defines the same `db_reading` fixture.\n\n"
          "```python\n@pytest.fixture\ndef db_reading(db):\n    return ReadingFactory(value=72)\n```\n\n"
          "Where should it live so every module can use it?",
          ("python", "testing"),
          (R("aisha.bello", "Put it in `tests/conftest.py`. pytest loads every `conftest.py` from the rootdir down, and "
             "fixtures defined there are visible to all test modules below it, no import needed.",
             children=(
                 R("member", "That worked for four of the files. The fifth lives in `tools/tests/` and still can't see it?",
                   children=(
                       R("hannah.schmidt", "`tools/tests/` is outside `tests/`, so that conftest doesn't apply. Either move the fixture "
                         "to a conftest at the repository root, or make it a plugin and list it in `pytest_plugins`.",
                         children=(
                             R("member", "Root conftest it is. Thanks both, the suite is 300 lines shorter."),
                         ), helpful=("member", "aisha.bello")),
                   )),
                 R("lukas.novak", "Worth knowing: fixtures in a conftest are cached per scope like any other fixture, so a "
                   "`scope=\"session\"` fixture there is created once for the whole run.", helpful=("daniel.costa",)),
             ),
             helpful=("member", "daniel.costa", "mei.tanaka", "hannah.schmidt"), accepted=True),
           R("samuel.adeyemi", "We had the same in the risk models repo. `pytest --fixtures` lists every fixture and where it "
             "comes from, handy for finding duplicates.", helpful=("member",)),
          ),
          follows=("daniel.costa",)),
        T("daniel.costa", 80, "Celery task retries: exponential backoff without hammering the SMS gateway",
          "Our reminder task calls the SMS gateway. When it is down we retry every 10 seconds and get rate-limited for an hour. "
          "What is the idiomatic way to back off in Celery?",
          ("python", "celery"),
          (R("aisha.bello", "Use `autoretry_for` with `retry_backoff=True` and `retry_jitter=True`:\n\n"
             "```python\n@app.task(autoretry_for=(GatewayError,), retry_backoff=5, retry_backoff_max=600,\n"
             "          retry_jitter=True, max_retries=8)\ndef send_reminder(reminder_id):\n    ...\n```\n\n"
             "Jitter matters when many reminders fail at once: without it they all retry in the same second.",
             children=(
                 R("daniel.costa", "Does the backoff survive a worker restart? We deploy a few times a day.",
                   children=(
                       R("lukas.novak", "Yes: the retry is a new message with an ETA, so it sits in the broker. With "
                         "`acks_late` make sure the task is idempotent, a restart can run it twice.",
                         children=(
                             R("daniel.costa", "We claim the reminder with a conditional UPDATE first, so a second run finds "
                               "it already sent. Good to have it confirmed."),
                         ), helpful=("daniel.costa", "aisha.bello")),
                   )),
             ), helpful=("daniel.costa", "lukas.novak", "elena.petrova"), accepted=True),
          )),
        T("beatriz.santos", 70, "pandas: why does my date column turn into object dtype?",
          "I read a CSV export from the ward system and `admitted_at` is `object`, so `.dt` fails. Some rows look like "
          "`03/04/2025 14:10` and some like `2025-04-03T14:10:00`.",
          ("python", "pandas", "data-quality"),
          (R("samuel.adeyemi", "Mixed formats stop pandas from inferring a datetime. Parse explicitly and see what fails:\n\n"
             "```python\ndf[\"admitted_at\"] = pd.to_datetime(df[\"admitted_at\"], format=\"mixed\", dayfirst=True, errors=\"coerce\")\n"
             "bad = df[df[\"admitted_at\"].isna()]\n```\n\nThen look at `bad`: those rows are your data quality issue.",
             children=(
                 R("beatriz.santos", "17 rows came back NaT. They have `24:00` as the time!",
                   children=(
                       R("hannah.schmidt", "Midnight written as 24:00 is valid in ISO 8601 but pandas refuses it. Replace it "
                         "with 00:00 of the next day before parsing, and raise it with the ward system supplier.",
                         children=(
                             R("beatriz.santos", "Logged it in the data quality log for the Clinical Data Quality community too."),
                         )),
                   )),
             ), helpful=("beatriz.santos", "oliver.grant", "mei.tanaka"), accepted=True),
           R("peter.lindqvist", "If you control the export, ask for ISO 8601 everywhere; it saves this every month.",
             helpful=("beatriz.santos",)),
          )),
        T("julia.kowalski", 60, "Pinning dependencies: requirements.txt, pip-tools or uv?",
          "Finance systems scripts have an unpinned `requirements.txt` and broke twice this quarter. What does everyone use?",
          ("python", "packaging"),
          (R("lukas.novak", "We moved the platform repos to `uv`: `pyproject.toml` for what you need, `uv.lock` for exact "
             "versions, and CI runs `uv sync --locked` so a stale lock fails the build.",
             children=(
                 R("julia.kowalski", "Can colleagues without uv still install it?",
                   children=(R("lukas.novak", "`uv export --format requirements-txt` gives them a pinned file with hashes."),)),
             ), helpful=("julia.kowalski", "peter.lindqvist"), accepted=True),
           R("peter.lindqvist", "pip-tools has served me well for the forecast scripts: `pip-compile` then `pip-sync`. "
             "Slower, but nothing new to learn.", helpful=("oliver.grant",)),
          )),
        T("oliver.grant", 45, "Reading a 2 GB Excel export without running out of memory",
          "The commissioner report export is a 2 GB xlsx. `pd.read_excel` eats all 16 GB of my laptop. Any tricks?",
          ("python", "pandas"),
          (R("peter.lindqvist", "openpyxl in read-only mode streams rows: `load_workbook(path, read_only=True)` and iterate "
             "`ws.iter_rows(values_only=True)`, writing batches to parquet.", helpful=("oliver.grant",)),
           R("samuel.adeyemi", "Better still, ask for CSV: it's a tenth of the size and pandas can read it in chunks.",
             children=(R("oliver.grant", "The supplier says CSV is \"on the roadmap\". I'll try read-only mode meanwhile."),)),
          )),
        T("member", 30, "Django: select_related or prefetch_related for device readings?",
          "The patient page lists the last 50 readings, each with its device and the device's model. The debug toolbar "
          "shows 101 queries. Which one do I want?",
          ("python", "django", "postgresql"),
          (R("arjun.patel", "Foreign keys pointing *out* of a reading (reading -> device -> model) are `select_related`: "
             "one JOIN, one query. `prefetch_related` is for many-valued relations (a device's readings).",
             children=(
                 R("member", "`select_related(\"device__model\")` and it's 3 queries. Should I pin that in a test?",
                   children=(
                       R("aisha.bello", "Yes: `django_assert_num_queries` in a test that renders the page with 5 and with 50 "
                         "readings. If the counts differ you have an N+1.",
                         children=(R("member", "Added, and it caught another one in the template. Thanks!"),),
                         helpful=("member",)),
                   )),
             ), helpful=("member", "daniel.costa"), accepted=True),
          )),
        T("mei.tanaka", 20, "Parsing HL7 v2 messages in Python: which library?",
          "We're replacing a Java HL7 parser for the US hospital feeds. `hl7`, `hl7apy` or something else?",
          ("python", "hl7"),
          (R("member", "We use `hl7apy` in the ingestion API because it validates against the message structure. "
             "`hl7` is simpler if you just need to pull fields out.",
             children=(R("mei.tanaka", "Validation is what we want. Any gotchas?",
                         children=(R("member", "Z-segments: you have to declare them or it rejects the message."),)),),
             helpful=("mei.tanaka",)),
          )),
        T("elena.petrova", 12, "Type hints for pandas DataFrames: worth it?",
          "Reviewers keep asking for type hints on our feature pipeline functions. `pd.DataFrame` in every signature says "
          "very little. Does anyone use pandera or similar?",
          ("python", "testing"),
          (R("hannah.schmidt", "pandera schemas double as documentation and runtime checks; we validate at the pipeline's "
             "edges only, not every function.", helpful=("elena.petrova",)),
          )),
        T("yusuf.demir", 6, "Script to check device firmware versions times out on 2,000 devices",
          "Support runs a script that asks each device for its firmware version, one HTTP call at a time. It takes 40 "
          "minutes. How would you speed it up without hammering the device gateway?",
          ("python",),
          edited_from="Support runs a script that asks each device for its firmware version. It's slow."),
        T("peter.lindqvist", 3, "Rounding in the forecast: Decimal or float?",
          "Month-end totals are off by a penny against the ledger. I'm summing floats. Should I switch everything to "
          "`Decimal`, and what about pandas?",
          ("python", "pandas"),
          (R("julia.kowalski", "Money should be `Decimal` (or integer pence). In pandas keep pence as int64 and divide for display.",
             edited_from="Money should be Decimal."),
          )),
        T("member", 1, "Where do you keep test data for FHIR resources?",
          "I need realistic `Observation` resources for tests. Hand-written JSON files, factories, or something generated "
          "from the profiles? @hannah.schmidt you mentioned a style guide for dbt fixtures, anything similar here?",
          ("python", "testing", "fhir")),
    ],
    "clinical-data-quality": [
        T("fatima.rahman", 85, "Weights recorded in pounds on the heart-failure pathway",
          "Several patients' weights jump by a factor of 2.2 between readings. The scales at home are set to pounds. "
          "How do we catch this before the nurses see an alarming trend?",
          ("data-quality", "remote-monitoring"),
          (R("moderator", "A rule on the ingestion side: flag any reading that differs from the last one by a ratio near "
             "2.2046 (±2%). It's cheap and almost never a real change.",
             children=(
                 R("fatima.rahman", "And what do we do with a flagged reading? Nurses shouldn't have to convert by hand.",
                   children=(
                       R("samuel.adeyemi", "Hold it as 'unit suspect', show both values to the nurse, and let them confirm. "
                         "We tried auto-converting in the risk model and got it wrong twice.",
                         children=(R("fatima.rahman", "Confirm-and-convert it is. I'll update the patient leaflet to show "
                                                      "how to switch the scale to kg."),),
                         helpful=("fatima.rahman", "moderator")),
                   )),
             ), helpful=("fatima.rahman", "james.oconnor", "diego.ramirez"), accepted=True),
          )),
        T("diego.ramirez", 50, "Patients calling about 'missing' readings that are in the system",
          "Support gets calls from patients who see a gap in the app, but the readings are in the database. Has anyone "
          "looked at this?",
          ("data-quality",),
          (R("mei.tanaka", "Time zones: readings are stored in UTC and the app groups by UTC day. A reading at 00:30 BST "
             "lands on the previous day.", children=(R("diego.ramirez", "That matches every call we've had. Who can fix the app?"),),
             helpful=("diego.ramirez",)),
          )),
        T("member", 25, "Which SNOMED CT code for a home blood pressure reading?",
          "The FHIR Observation for home BP currently uses the generic code. Is there a better one for self-measured?",
          ("snomed-ct", "fhir"),
          (R("moderator", "Use 'Self-measured blood pressure reading' for the panel, with systolic and diastolic components.",
             children=(R("member", "Thanks, and does the UK Core profile allow it?",
                         children=(R("james.oconnor", "It does; add it to the hazard log as a coding change though."),)),),
             helpful=("member", "beatriz.santos"), accepted=True),
          )),
        T("beatriz.santos", 9, "Data quality rule naming: a convention?",
          "We now have 40 rules named things like `check_wt_2`. Could we agree a naming convention?",
          ("data-quality",)),
        T("ethan.brooks", 4, "Billing counts devices that were returned",
          "Device usage for billing includes devices returned weeks ago. Where should the 'returned' date come from?",
          ("data-quality",),
          (R("diego.ramirez", "Support records returns in Zendesk, not in the device registry. That's probably the gap."),)),
    ],
    "incident-response-postmortems": [
        T("grace.liu", 75, "Postmortem template: how long should the timeline be?",
          "Our last postmortem had a 4-page timeline and nobody read past it. What do others do?",
          ("postmortems", "incident-response"),
          (R("jonas.weber", "Keep the full timeline in an appendix and put a 5-line summary of the key moments up top: "
             "detected, escalated, mitigated, resolved.",
             children=(R("grace.liu", "And who writes the summary? The incident lead is exhausted by then.",
                         children=(R("ingrid.larsen", "The scribe drafts it during the incident; the lead reviews it next day.",
                                     children=(R("grace.liu", "Scribe role added to our runbook."),)),)),),
             helpful=("grace.liu", "michael.brennan", "ben.walsh"), accepted=True),
          )),
        T("ben.walsh", 40, "What should support tell patients during an outage?",
          "When the app is down, patients call. We improvise. Is there an approved script?",
          ("incident-response", "on-call"),
          (R("michael.brennan", "Clinical ops has one for when readings stop: tell patients to carry on measuring and "
             "call the ward if they feel worse. I'll share it.", helpful=("ben.walsh", "yusuf.demir")),
          )),
        T("yusuf.demir", 18, "Alert fatigue from the disk space alerts",
          "The on-call phone went off 11 times last week for disk space on the same node. What thresholds do you use?",
          ("on-call", "observability"),
          (R("lukas.novak", "Alert on time-to-full (predict_linear over 6h), not on a percentage.",
             children=(R("yusuf.demir", "Trying it this week."),), helpful=("yusuf.demir", "jonas.weber")),
          )),
        T("zoe.fischer", 8, "Do security incidents follow the same postmortem process?",
          "Some details can't be shared widely. Should security incidents have a separate process?",
          ("postmortems", "incident-response")),
        T("daniel.costa", 2, "Tracing a reminder through Celery and the SMS gateway",
          "How do we get one trace across the web request, the Celery task and the gateway call?",
          ("observability",)),
    ],
    "plain-language-writing": [
        T("kwame.mensah", 65, "Explaining 'twice daily' without ambiguity",
          "Patients read 'twice daily' as 'two tablets at once'. How would you word it?",
          ("plain-language", "patient-information"),
          (R("emma.clarke", "Say when: 'Take 1 tablet in the morning and 1 tablet in the evening.' Numbers as digits.",
             children=(R("kwame.mensah", "And for 'every 12 hours'?",
                         children=(R("fatima.rahman", "We test with patients: 'about 12 hours apart, for example 8am and 8pm' "
                                                      "worked best.",
                                     children=(R("kwame.mensah", "Using that in the new medicines leaflet."),)),)),),
             helpful=("kwame.mensah", "chloe.martin", "diego.ramirez"), accepted=True),
          )),
        T("claire.dubois", 35, "Board papers: executive summary or not?",
          "The board asked for shorter papers. Do you start with a summary, or with the decision needed?",
          ("plain-language",),
          (R("amara.nwosu", "Decision first, in one sentence, then the three facts that support it.",
             helpful=("claire.dubois",)),
          )),
        T("ben.walsh", 15, "Alt text for charts of patient readings",
          "What should alt text say for a chart of a week's blood pressure?",
          ("accessibility", "content-design"),
          (R("emma.clarke", "Say what the chart shows, not what it looks like: 'Blood pressure stayed between 120/80 and "
             "135/85 this week.' Link to a table for the numbers.",
             children=(R("ben.walsh", "What if there's a worrying spike on one day?",
                         children=(R("chloe.martin", "Say it plainly: 'One high reading on Tuesday, 162/98.' Nurses look "
                                                     "for exactly that.",
                                     children=(R("ben.walsh", "Perfect, adding both examples to our checklist."),)),)),),
             helpful=("ben.walsh", "sofia.rossi"), accepted=True),
          )),
        T("sofia.rossi", 7, "US vs UK spelling in customer letters",
          "Our US hospitals get letters with 'colour' and 'programme'. Should we localise?",
          ("plain-language",)),
        T("noah.williams", 3, "Rewriting the privacy notice at a reading age of 9",
          "Legal text keeps creeping back in. Any tips for keeping it plain and still compliant?",
          ("plain-language",),
          (R("emma.clarke", "Put the legal basis in a table at the end; keep the top for what we do with data and why."),)),
    ],
    "threat-modelling-circle": [
        T("aisha.bello", 55, "Threat model for the device-readings ingestion API",
          "We're adding a bulk upload endpoint for hospital feeds. Where would you start?",
          ("threat-modelling", "stride", "appsec"),
          (R("arjun.patel", "Start from the data flow: who sends, over what, where it's stored. Then STRIDE each arrow. "
             "Tampering and repudiation matter most for clinical data.",
             children=(R("aisha.bello", "Repudiation: we don't sign uploads today.",
                         children=(R("james.oconnor", "That's also a clinical hazard: we can't prove which feed sent a wrong value.",
                                     children=(R("aisha.bello", "Added signed uploads to the design and the hazard log."),)),)),),
             helpful=("aisha.bello", "zoe.fischer", "ingrid.larsen"), accepted=True),
          )),
        T("julia.kowalski", 30, "Access review for the finance ERP: who should approve?",
          "Quarterly access reviews are rubber-stamped. How do others make them meaningful?",
          ("threat-modelling",),
          (R("zoe.fischer", "Send each manager only their team's access, with the riskiest permissions first."),)),
        T("elena.petrova", 14, "Model inversion risk for the deterioration model",
          "Could someone reconstruct patient data from our model's API responses?",
          ("threat-modelling", "appsec"),
          (R("arjun.patel", "Return the risk band, not the raw score, and rate-limit per client.", helpful=("elena.petrova",)),)),
        T("noah.williams", 5, "HIPAA evidence for threat models",
          "Auditors asked how threat models feed into risk analysis. What evidence do we keep?",
          ("threat-modelling",)),
        T("james.oconnor", 2, "Linking STRIDE threats to DCB0129 hazards",
          "Is there a neat way to cross-reference threats and hazards without two spreadsheets?",
          ("threat-modelling", "clinical-safety")),
    ],
}
# fmt: on


def _person(login: str):
    return User.objects.filter(email=f"{login}@{DOMAIN}").first()


class _Clock:
    """Hands out moments after a thread's start, so each thread's replies arrive over hours and days."""

    def __init__(self, start, rng_seed: int):
        self.now = start
        self.step = rng_seed

    def next(self):
        self.step = (self.step * 7919 + 13) % 997
        self.now += timedelta(minutes=25 + self.step % 600)
        return self.now


def _post_replies(request: HelpRequest, replies, parent, made: list) -> None:
    for spec in replies:
        author = _person(spec.by)
        body = spec.edited_from or spec.body
        reply = posting.reply_create(help_request=request, by=author, body=body, parent=parent)
        if spec.edited_from:
            posting.reply_edit(reply=reply, by=author, body=spec.body)
        made.append((reply, spec))
        _post_replies(request, spec.children, reply, made)


def _seed_thread(community: Community, spec: T, now) -> bool:
    if HelpRequest.objects.filter(community=community, title=spec.title).exists():
        return False
    asker = _person(spec.by)
    started = timezone.now()
    request = posting.help_request_create(
        community=community,
        by=asker,
        title=spec.title,
        body=spec.edited_from or spec.body,
        tags=list(spec.tags),
    )
    if spec.edited_from:
        posting.help_request_edit(help_request=request, by=asker, title=spec.title, body=spec.body)
    made: list = []
    _post_replies(request, spec.replies, None, made)
    for reply, reply_spec in made:
        for login in reply_spec.helpful:
            voter = _person(login)
            if voter and voter.pk != reply.author_id:
                posting.vote_toggle(reply=reply, by=voter)
        if reply_spec.accepted:
            posting.answer_accept(help_request=request, reply=reply, by=asker)
    for login in spec.follows:
        Follow.objects.get_or_create(help_request=request, user=_person(login))

    # Move the thread back in time: asked `days_ago`, replies over the following hours and days.
    asked = now - timedelta(days=spec.days_ago)
    clock = _Clock(asked, request.pk)
    moments = {}
    for reply, _ in made:
        moment = min(clock.next(), now - timedelta(minutes=5))
        moments[reply.pk] = moment
        Reply.objects.filter(pk=reply.pk).update(
            created_at=moment, edited_at=moment + timedelta(minutes=12) if reply.edited_at else None
        )
        Revision.objects.filter(reply=reply).update(created_at=moment + timedelta(minutes=12))
        HelpfulVote.objects.filter(reply=reply).update(created_at=moment + timedelta(hours=2))
    last = max(moments.values(), default=asked)
    request.refresh_from_db()
    others = [
        m for r, m in ((r, moments[r.pk]) for r, _ in made) if r.author_id != request.author_id
    ]
    accepted_at = moments.get(request.accepted_reply_id)
    HelpRequest.objects.filter(pk=request.pk).update(
        created_at=asked,
        last_activity_at=last,
        first_reply_at=min(others) if others else None,
        edited_at=asked + timedelta(minutes=30) if request.edited_at else None,
        accepted_at=accepted_at + timedelta(hours=3) if accepted_at else None,
    )
    Revision.objects.filter(help_request=request).update(created_at=asked + timedelta(minutes=30))
    week_ago = now - timedelta(days=7)
    for notification in Notification.objects.filter(community=community, created_at__gte=started):
        notification.created_at = last
        if last < week_ago:
            notification.read_at = notification.emailed_at = last + timedelta(hours=4)
        notification.save(update_fields=["created_at", "read_at", "emailed_at"])
    return True


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""
    now = timezone.now()
    created = 0
    with ratelimit.suspended():
        for slug, threads in THREADS.items():
            community = Community.objects.filter(slug=slug).first()
            if community is None:
                continue
            before = community.last_activity_at
            for spec in threads:
                try:
                    with transaction.atomic():
                        created += _seed_thread(community, spec, now)
                except (
                    ValidationError
                ) as error:  # someone in the plan is not a member (the plan changed)
                    stdout.write(
                        f"Skipped the demo thread “{spec.title}”: {' '.join(error.messages)}"
                    )
            latest = HelpRequest.objects.filter(community=community).aggregate(
                latest=Max("last_activity_at")
            )["latest"]
            # The services stamped "now"; the community's last activity is its latest thread or what it was.
            Community.objects.filter(pk=community.pk).update(
                last_activity_at=max(filter(None, (before, latest)))
            )
    _seed_flag()
    if created:
        stdout.write(f"Created {created} demo help requests.")


def _seed_flag() -> None:
    """One open flag in Clinical Data Quality, so the demo moderator's queue has work in it."""
    request = HelpRequest.objects.filter(
        community__slug="clinical-data-quality", title__startswith="Patients calling"
    ).first()
    flagger = _person("fatima.rahman")
    if request is None or flagger is None or Flag.objects.filter(help_request=request).exists():
        return
    reply = request.replies.filter(author__email=f"diego.ramirez@{DOMAIN}").first()
    moderation.flag_create(
        post=reply or request,
        by=flagger,
        reason="App bugs belong with the service desk; could a moderator point this to the right place?",
    )
