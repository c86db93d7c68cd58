"""Demo meetings, scheduled through the services as their organisers would have; called by `seed_demo`.

- Python Practitioners: a fortnightly *Python clinic* (every second Thursday, 12:30 London time, the
  Lovelace room and online, 12 places). Tom Becker (member@practica.demo) is going
  to the next one, whose agenda pulls in an open help request; the last two
  clinics have attendance, the latest its notes linked to the threads discussed,
  and the reminders that went out before it.
- Clinical Data Quality: a monthly *Data quality review*, 2nd Thursday 15:00
  Amsterdam time, online only.
- Incident Response & Postmortems: a fortnightly *Postmortem reading group* with 6
  places; the next one is full and two people wait on the waiting list.
- Plain Language Writing: a one-off *Plain language workshop*.
- Two weekly digests already sent to Tom (the two Mondays before this week's, so
  the running platform still sends this week's).

Idempotent: a series whose title already exists in its community is left alone,
and the digests are only recorded when Tom has none.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from dateutil.rrule import rrulestr
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from communities.models import AuditEvent, Community
from discussions.models import HelpRequest
from meetings.kinds import AuditAction, Kind
from meetings.models import MeetingSeries, Occurrence, ReminderDelivery, Rsvp, RsvpResponse
from meetings.services import occurrences as occurrence_services
from meetings.services import recurrence
from meetings.services.rsvp import rsvp_set
from meetings.services.series import series_create
from notifications.models import DigestDelivery, Notification

User = get_user_model()
DOMAIN = "practica.demo"
GOING, MAYBE, NOT_GOING = RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING


def _person(login: str):
    return User.objects.filter(email=f"{login}@{DOMAIN}").first()


@dataclass(frozen=True)
class Plan:
    community: str
    organiser: str
    title: str
    description: str
    time_zone: str
    start_time: dt.time
    rrule: str
    room: str = ""
    address: str = ""
    online_url: str = ""
    duration_minutes: int = 60
    capacity: int | None = None
    # Answers to the next meeting, in the order they came in: (login, response).
    next_answers: tuple[tuple[str, str], ...] = ()
    # A series began this many weeks ago, on the first date its rule gives from then.
    weeks_ago: int = 10
    # A one-off is on the first of this weekday (0 = Monday) at least `days_ahead` from today.
    weekday: int = 0
    days_ahead: int = 0


PYTHON_CLINIC = Plan(
    community="python-practitioners",
    organiser="aisha.bello",
    title="Python clinic",
    description=(
        "Bring the Python problem you are stuck on: a failing test, a dependency conflict, "
        "a slow pandas job. The first half hour is for newcomers' questions; then we work "
        "through one or two open help requests together.\n\n"
        "Drop in for as long as you like. The room has space for twelve; online has no limit."
    ),
    time_zone="Europe/London",
    start_time=dt.time(12, 30),
    rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
    room='Room 4.02 "Lovelace"',
    address="Clerkenwell office, 4th floor, London",
    online_url="https://meet.practica.demo/python-practitioners",
    capacity=12,
    next_answers=(
        ("aisha.bello", GOING),
        ("member", GOING),
        ("samuel.adeyemi", GOING),
        ("daniel.costa", GOING),
        ("mei.tanaka", GOING),
        ("beatriz.santos", MAYBE),
        ("lukas.novak", NOT_GOING),
    ),
    weeks_ago=10,
)

DATA_QUALITY_REVIEW = Plan(
    community="clinical-data-quality",
    organiser="moderator",
    title="Data quality review",
    description=(
        "Once a month we go through the *data quality log*: what was found, where it started, "
        "who fixes it at the source. Add items to the log beforehand so we can look them up.\n\n"
        "Online only, so the Leeds, Lisbon and Boston teams meet on equal terms."
    ),
    time_zone="Europe/Amsterdam",
    start_time=dt.time(15, 0),
    rrule="FREQ=MONTHLY;BYDAY=2TH",
    online_url="https://meet.practica.demo/clinical-data-quality",
    next_answers=(
        ("moderator", GOING),
        ("beatriz.santos", GOING),
        ("mei.tanaka", GOING),
        ("james.oconnor", GOING),
        ("member", MAYBE),
        ("diego.ramirez", MAYBE),
    ),
    weeks_ago=16,
)

POSTMORTEM_READING_GROUP = Plan(
    community="incident-response-postmortems",
    organiser="jonas.weber",
    title="Postmortem reading group",
    description=(
        "Every other week we read one postmortem together, ours or a public one, and ask what "
        "would have happened here. Read it before you come; we keep it to six people so "
        "everyone talks."
    ),
    time_zone="Europe/Berlin",
    start_time=dt.time(16, 0),
    rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
    room='Room "Hopper"',
    address="Rosenthaler Straße office, Berlin",
    online_url="https://meet.practica.demo/incident-review",
    capacity=6,
    # Six places: the first six are going, the last two wait their turn.
    next_answers=(
        ("jonas.weber", GOING),
        ("ingrid.larsen", GOING),
        ("yusuf.demir", GOING),
        ("zoe.fischer", GOING),
        ("grace.liu", GOING),
        ("lukas.novak", GOING),
        ("ben.walsh", GOING),
        ("michael.brennan", GOING),
        ("sponsor", MAYBE),
    ),
    weeks_ago=12,
)

PLAIN_LANGUAGE_WORKSHOP = Plan(
    community="plain-language-writing",
    organiser="emma.clarke",
    title="Plain language workshop",
    description=(
        "A two-hour hands-on workshop: bring a patient leaflet, an error message or a policy "
        "you wrote, and leave with a version people understand on first reading.\n\n"
        "- Reading age and sentence length, measured\n"
        "- Replacing jargon without losing precision\n"
        "- Headings and link text that work with screen readers"
    ),
    time_zone="Europe/London",
    start_time=dt.time(14, 0),
    rrule="",
    room="Library corner",
    address="Wellington Place, Leeds",
    online_url="https://meet.practica.demo/plain-language",
    duration_minutes=120,
    capacity=16,
    next_answers=(
        ("emma.clarke", GOING),
        ("fatima.rahman", GOING),
        ("kwame.mensah", GOING),
        ("chloe.martin", GOING),
        ("noah.williams", GOING),
        ("sofia.rossi", MAYBE),
    ),
    weekday=2,
    days_ahead=12,
)

PLANS = (PYTHON_CLINIC, DATA_QUALITY_REVIEW, POSTMORTEM_READING_GROUP, PLAIN_LANGUAGE_WORKSHOP)

CLINIC_AGENDA = """\
1. Newcomers' questions (first half hour)
2. Show and tell: the shared project template, now with `uv`
3. Open help requests we work through together:
"""

CLINIC_NOTES = """\
**Present:** Aisha, Tom, Samuel, Daniel, Hannah.

- Tom showed how the ingestion API's tests now share fixtures from one root `conftest.py`
  (see the thread); the suite is 300 lines shorter.
- Samuel: `pytest --fixtures` finds duplicated fixtures across repositories.
- **Action (Hannah):** add a root `conftest.py` to the project template.
- **Action (Aisha):** write up the Celery backoff settings we agreed on in the help request.
"""


# Dates -----------------------------------------------------------------------


def _first_date(plan: Plan, today: dt.date) -> dt.date:
    """The series' start date: one its own rule gives (a monthly 2nd Thursday starts on one)."""
    if not plan.rrule:
        ahead = today + dt.timedelta(days=plan.days_ahead)
        return ahead + dt.timedelta(days=(plan.weekday - ahead.weekday()) % 7)
    back = dt.datetime.combine(today - dt.timedelta(weeks=plan.weeks_ago), plan.start_time)
    return rrulestr(plan.rrule, dtstart=back).after(back, inc=True).date()


# Seeding ---------------------------------------------------------------------


def _schedule(plan: Plan, now: dt.datetime) -> MeetingSeries | None:
    community = Community.objects.filter(slug=plan.community).first()
    organiser = _person(plan.organiser)
    if community is None or organiser is None:
        return None
    if MeetingSeries.objects.filter(community=community, title=plan.title).exists():
        return None
    today = now.astimezone(zoneinfo.ZoneInfo(plan.time_zone)).date()
    series = series_create(
        community=community,
        by=organiser,
        title=plan.title,
        description=plan.description,
        room=plan.room,
        address=plan.address,
        online_url=plan.online_url,
        time_zone=plan.time_zone,
        start_date=_first_date(plan, today),
        start_time=plan.start_time,
        duration_minutes=plan.duration_minutes,
        rrule=plan.rrule,
        capacity=plan.capacity,
    )
    _backdate_scheduling(series, now)
    return series


def _backdate_scheduling(series: MeetingSeries, now: dt.datetime) -> None:
    """A recurring series was scheduled before its first meeting, and its news read long ago.

    A one-off was scheduled a few days ago: its notifications stay unread, news to the demo.
    """
    if series.is_recurring:
        scheduled_at = recurrence.to_utc(recurrence.local_start(series), series.zone) - dt.timedelta(
            days=9
        )
        read_at = scheduled_at + dt.timedelta(hours=5)
    else:
        scheduled_at = now - dt.timedelta(days=3, hours=4)
        read_at = None
    MeetingSeries.objects.filter(pk=series.pk).update(
        created_at=scheduled_at, updated_at=scheduled_at
    )
    Notification.objects.filter(
        kind=Kind.MEETING_SCHEDULED, url=series.get_absolute_url(), created_at__gte=now
    ).update(created_at=scheduled_at, read_at=read_at, emailed_at=read_at)
    AuditEvent.objects.filter(
        community=series.community_id,
        action=AuditAction.MEETING_SCHEDULED,
        detail__url=series.get_absolute_url(),
    ).update(created_at=scheduled_at)


def _answer(occurrence: Occurrence, answers, now: dt.datetime) -> None:
    """Answers through the service (capacity, waiting list, counters), then spread over the last days."""
    made = []
    for login, response in answers:
        person = _person(login)
        if person is None:
            continue
        made.append(rsvp_set(occurrence=occurrence, user=person, response=response).pk)
    # The same order, earlier: the waiting list keeps its order by `responded_at`.
    first = now - dt.timedelta(days=4)
    for n, pk in enumerate(made):
        Rsvp.objects.filter(pk=pk).update(responded_at=first + dt.timedelta(hours=7 * n))


def _next(series: MeetingSeries, now: dt.datetime) -> Occurrence | None:
    return (
        Occurrence.objects.filter(series=series)
        .upcoming(now)
        .select_related("series", "community")
        .first()
    )


def _past_clinics(series: MeetingSeries, now: dt.datetime) -> list[Occurrence]:
    """The last two clinics, made here: the rolling window only creates meetings from now on."""
    duration = dt.timedelta(minutes=series.duration_minutes)
    starts = [
        s
        for s in recurrence.starts_between(series, now - dt.timedelta(days=35), now)
        if s + duration < now
    ]
    past = []
    for start in starts[-2:]:
        occurrence, _ = Occurrence.objects.get_or_create(
            series=series,
            original_start=start,
            defaults={
                "community_id": series.community_id,
                "starts_at": start,
                "ends_at": start + duration,
                "created_at": series.created_at,
                "updated_at": start + duration,
            },
        )
        past.append(occurrence)
    return past


def _past_answers(occurrence: Occurrence, going: list[str], maybe: list[str]) -> None:
    """RSVPs to a meeting that is over (the service refuses those now), with the counters they give."""
    answered_at = occurrence.starts_at - dt.timedelta(days=3)
    rows = []
    for n, (login, response) in enumerate(
        [(g, GOING) for g in going] + [(m, MAYBE) for m in maybe]
    ):
        person = _person(login)
        if person is not None:
            rows.append(
                Rsvp(
                    occurrence=occurrence,
                    user=person,
                    response=response,
                    responded_at=answered_at + dt.timedelta(hours=5 * n),
                )
            )
    Rsvp.objects.bulk_create(rows, ignore_conflicts=True)
    Occurrence.objects.filter(pk=occurrence.pk).update(
        going_count=Rsvp.objects.filter(
            occurrence=occurrence, response=GOING, waitlisted=False
        ).count(),
        maybe_count=Rsvp.objects.filter(occurrence=occurrence, response=MAYBE).count(),
        waitlist_count=0,
    )


def _sent_reminders(occurrence: Occurrence, logins: list[str]) -> None:
    """The reminders that went out before a past meeting, 24 hours and 1 hour ahead."""
    for login in logins:
        person = _person(login)
        if person is None:
            continue
        for minutes in (24 * 60, 60):
            due = occurrence.starts_at - dt.timedelta(minutes=minutes)
            ReminderDelivery.objects.get_or_create(
                occurrence=occurrence,
                user=person,
                minutes_before=minutes,
                defaults={
                    "created_at": due,
                    "claimed_at": due + dt.timedelta(seconds=20),
                    "sent_at": due + dt.timedelta(seconds=23),
                    "attempts": 1,
                },
            )


def _python_clinic(series: MeetingSeries, now: dt.datetime) -> None:
    organiser = series.organiser
    upcoming = _next(series, now)
    if upcoming is not None:
        _answer(upcoming, PYTHON_CLINIC.next_answers, now)
        occurrence_services.agenda_update(occurrence=upcoming, by=organiser, agenda=CLINIC_AGENDA)
        open_request = occurrence_services.open_requests_for_agenda(upcoming).first()
        if open_request is not None:
            occurrence_services.agenda_add_request(
                occurrence=upcoming, by=organiser, help_request=open_request
            )

    past = _past_clinics(series, now)
    attendees = ["aisha.bello", "member", "samuel.adeyemi", "daniel.costa", "hannah.schmidt"]
    for occurrence in past:
        _past_answers(
            occurrence,
            going=[*attendees, "peter.lindqvist"],
            maybe=["beatriz.santos"],
        )
        came = User.objects.filter(email__in=[f"{login}@{DOMAIN}" for login in attendees])
        occurrence_services.attendance_record(
            occurrence=occurrence, by=organiser, attended_user_ids=[p.pk for p in came]
        )
    if past:
        latest = past[-1]
        discussed = HelpRequest.objects.filter(community=series.community_id).filter(
            Q(title__startswith="How do I share pytest fixtures")
            | Q(title__startswith="Celery task retries")
        )
        occurrence_services.notes_update(
            occurrence=latest,
            by=organiser,
            notes=CLINIC_NOTES,
            thread_ids=[r.pk for r in discussed],
        )
        _sent_reminders(latest, ["member", "aisha.bello"])


def _digests(now: dt.datetime) -> int:
    """Tom's two weekly digests before this week's, as the digest sweeper records and sends them."""
    member = _person("member")
    if member is None or DigestDelivery.objects.filter(user=member).exists():
        return 0
    zone = zoneinfo.ZoneInfo(member.timezone or "UTC")
    today = now.astimezone(zone).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    rows = []
    for weeks_back, items in ((2, 7), (1, 5)):
        monday = this_monday - dt.timedelta(weeks=weeks_back)
        sent = recurrence.to_utc(dt.datetime.combine(monday, dt.time(member.digest_hour, 4)), zone)
        rows.append(
            DigestDelivery(
                user=member,
                frequency="weekly",
                period_start=monday,
                covers_from=sent - dt.timedelta(days=7),
                covers_to=sent,
                created_at=sent,
                claimed_at=sent + dt.timedelta(seconds=30),
                sent_at=sent + dt.timedelta(seconds=42),
                item_count=items,
            )
        )
    DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


DROP_IN_TITLE = "Packaging drop-in"


def _drop_in(now: dt.datetime) -> bool:
    """A one-off about 23 hours after seeding, Tom Becker going: the running demo sends him its
    "1 day before" reminder at once (and the "1 hour before" one on time). Made once."""
    community = Community.objects.filter(slug="python-practitioners").first()
    organiser = _person("aisha.bello")
    if community is None or organiser is None:
        return False
    if MeetingSeries.objects.filter(community=community, title=DROP_IN_TITLE).exists():
        return False
    london = zoneinfo.ZoneInfo("Europe/London")
    start = (now + dt.timedelta(hours=23)).astimezone(london)
    start = start.replace(second=0, microsecond=0) + dt.timedelta(minutes=-start.minute % 30)
    series = series_create(
        community=community,
        by=organiser,
        title=DROP_IN_TITLE,
        description=(
            "Half an hour on packaging: pinning, building wheels, publishing to the internal "
            "index. Bring the `pyproject.toml` that fights you."
        ),
        online_url="https://meet.practica.demo/python-packaging",
        time_zone="Europe/London",
        start_date=start.date(),
        start_time=start.time(),
        duration_minutes=30,
    )
    _backdate_scheduling(series, now)
    upcoming = _next(series, now)
    if upcoming is not None:
        _answer(upcoming, (("member", "going"), ("samuel.adeyemi", "going"), ("mei.tanaka", "maybe")), now)
    return True


def seed(*, stdout) -> None:
    """Idempotent: a second run creates nothing."""
    now = timezone.now()
    made = []
    for plan in PLANS:
        try:
            with transaction.atomic():
                series = _schedule(plan, now)
                if series is None:
                    continue
                if plan is PYTHON_CLINIC:
                    _python_clinic(series, now)
                else:
                    upcoming = _next(series, now)
                    if upcoming is not None:
                        _answer(upcoming, plan.next_answers, now)
                made.append(plan.title)
        except ValidationError as error:  # the plan and the demo people no longer agree
            stdout.write(f"Skipped the demo meeting “{plan.title}”: {' '.join(error.messages)}")
    try:
        with transaction.atomic():
            if _drop_in(now):
                made.append(DROP_IN_TITLE)
    except ValidationError as error:
        stdout.write(f"Skipped the demo meeting “{DROP_IN_TITLE}”: {' '.join(error.messages)}")
    digests = _digests(now)
    if made:
        stdout.write(
            f"Meetings: scheduled {', '.join(made)}; Tom Becker is going to the next Python clinic."
        )
    if digests:
        stdout.write(f"Meetings: recorded {digests} weekly digests already sent to Tom Becker.")
