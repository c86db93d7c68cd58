"""Time the health pages on a large community, and the sponsor overview across twenty.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_bench \\
        .venv/bin/python bench/health.py

Seeds (once; it reuses what it made before) one community of 5,000 members from
12 units who joined (and some left) over the past year, with their JOINED/LEFT
audit events, 8,000 help requests and 50,000 replies (threads with nested
replies, helpful votes, accepted answers, some requests never answered), a
weekly meeting with RSVPs and attendance, and an approved charter with
objectives and value stories; plus 19 small communities. One person sponsors
all twenty. Then it requests, as that sponsor, the health page at 30, 90 and 365
days, the CSV export and the sponsor overview with the test client, and prints
the median time of `--runs` requests, the number of SQL queries of each and the
time its queries took (in the last run; the rest is Python and templates).
With `--slowest N` it also prints each page's N slowest SQL statements (with
`--explain`, their EXPLAIN ANALYZE on PostgreSQL).
Run it against an empty, throwaway database: it adds rows and never deletes them.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("ACCOUNT_RATE_LIMITS_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import OrganisationalUnit, User  # noqa: E402
from charter.models import (  # noqa: E402
    Beneficiary,
    Charter,
    CharterState,
    CharterVersion,
    Horizon,
    Objective,
    ValueStory,
    VersionStatus,
)
from communities.kinds import AuditAction  # noqa: E402
from communities.models import AuditEvent, Community, Membership, Role  # noqa: E402
from discussions.models import HelpfulVote, HelpRequest, Reply, RequestStatus  # noqa: E402
from meetings.models import MeetingSeries, Occurrence, Rsvp, RsvpResponse  # noqa: E402

UNUSABLE = "!"  # Django's marker for "no password set"
PREFIX = "healthbench"
SPONSOR = f"{PREFIX}-sponsor@example.org"
BIG = f"{PREFIX}-0"
BATCH = 2000


def _step(n: int) -> str:
    """One reply path step (base 36, `Reply.steplen` characters)."""
    digits = ""
    while True:
        n, r = divmod(n, 36)
        digits = Reply.alphabet[r] + digits
        if not n:
            break
    return digits.rjust(Reply.steplen, Reply.alphabet[0])


def _people(count: int, units) -> list[User]:
    users = User.objects.bulk_create(
        (
            User(
                email=f"{PREFIX}{i}@example.org",
                handle=f"{PREFIX}{i}",
                display_name=f"Health Person {i}",
                unit=units[i % len(units)],
                password=UNUSABLE,
            )
            for i in range(count)
        ),
        batch_size=BATCH,
    )
    sponsor = User.objects.create(
        email=SPONSOR,
        handle=f"{PREFIX}-sponsor",
        display_name="Health Sponsor",
        unit=units[0],
        password=UNUSABLE,
    )
    return [sponsor, *users]


def _members(community, people, rng, now, *, days: int) -> list[Membership]:
    """Memberships joined over `days` (the first few at the start), one in twelve since left."""
    rows, events = [], []
    for n, user in enumerate(people):
        joined = now - dt.timedelta(days=days if n < 5 else rng.uniform(1, days))
        left = None
        if n >= 5 and n % 12 == 0:
            left = joined + (now - joined) * rng.uniform(0.3, 0.95)
        role = Role.MEMBER
        if n == 0:
            role = Role.SPONSOR
        elif n < 4:
            role = Role.MODERATOR
        rows.append(
            Membership(
                community=community,
                user=user,
                role=role,
                is_active=left is None,
                first_joined_at=joined,
                joined_at=joined,
                left_at=left,
            )
        )
        events.append(
            AuditEvent(
                community=community,
                actor=user,
                subject=user,
                action=AuditAction.JOINED,
                created_at=joined,
            )
        )
        if left:
            events.append(
                AuditEvent(
                    community=community,
                    actor=user,
                    subject=user,
                    action=AuditAction.LEFT,
                    created_at=left,
                )
            )
    Membership.objects.bulk_create(rows, batch_size=BATCH)
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    return rows


def _threads(community, members, rng, now, *, requests: int, replies: int, days: int) -> None:
    """`requests` requests over `days` and `replies` replies among them, with consistent counters."""
    last_root = (
        Reply.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    )
    root_number = int(last_root, 36) if last_root else 0
    asked_rows = []
    for n in range(requests):
        m = members[rng.randrange(len(members))]
        start = m.first_joined_at
        end = m.left_at or now
        asked = start + (end - start) * rng.random()
        asked = max(asked, now - dt.timedelta(days=days))
        asked_rows.append(
            HelpRequest(
                community=community,
                author_id=m.user_id,
                author_unit_id=m.user.unit_id,
                title=f"Health bench question {n}",
                body="How do we do this well?",
                body_html="<p>How do we do this well?</p>",
                created_at=asked,
                last_activity_at=asked,
            )
        )
    made = HelpRequest.objects.bulk_create(asked_rows, batch_size=BATCH)
    # Replies per request: most get 4-9, one in eight none (some of them recent, some long unanswered).
    weights = [0 if rng.random() < 0.125 else rng.randint(4, 9) for _ in made]
    # Shared out by cumulative rounding, so they add up to exactly `replies`.
    scale, total, counts = replies / max(sum(weights), 1), 0, []
    for w in weights:
        counts.append(round((total + w) * scale) - round(total * scale))
        total += w
    reply_rows, updates = [], []
    for request, count in zip(made, counts, strict=True):
        if count <= 0:
            continue
        moments = sorted(
            request.created_at + dt.timedelta(hours=rng.expovariate(1 / 8) * (k + 1))
            for k in range(count)
        )
        moments = [min(moment, now - dt.timedelta(minutes=1)) for moment in moments]
        root_number += 1
        root_path = _step(root_number)
        children = count - 1
        rows = []
        for k, moment in enumerate(moments):
            replier = members[rng.randrange(len(members))]
            if k and rng.random() < 0.15:  # the asker follows up
                author_id, unit_id = request.author_id, request.author_unit_id
            else:
                author_id, unit_id = replier.user_id, replier.user.unit_id
            if k == 0:
                path, depth, numchild = root_path, 1, children
            else:
                path, depth, numchild = root_path + _step(k), 2, 0
            rows.append(
                Reply(
                    help_request=request,
                    author_id=author_id,
                    author_unit_id=unit_id,
                    body="Here is what worked for us.",
                    body_html="<p>Here is what worked for us.</p>",
                    created_at=moment,
                    path=path,
                    depth=depth,
                    numchild=numchild,
                    descendant_count=numchild,
                )
            )
        reply_rows.extend(rows)
        others = [r.created_at for r in rows if r.author_id != request.author_id]
        request.reply_count = len(rows)
        request.last_activity_at = rows[-1].created_at
        request.first_reply_at = min(others) if others else None
        request.status = RequestStatus.ANSWERED if others else RequestStatus.OPEN
        updates.append((request, rows))
    Reply.objects.bulk_create(reply_rows, batch_size=BATCH)
    accepted_rows = []
    for request, rows in updates:
        answer = next((r for r in rows if r.author_id != request.author_id), None)
        if answer is not None and rng.random() < 0.55:
            request.accepted_reply = answer
            request.accepted_by_id = request.author_id
            request.accepted_at = answer.created_at + dt.timedelta(hours=rng.uniform(1, 30))
            request.status = RequestStatus.SOLVED
        accepted_rows.append(request)
    HelpRequest.objects.bulk_update(
        accepted_rows,
        [
            "reply_count",
            "last_activity_at",
            "first_reply_at",
            "status",
            "accepted_reply",
            "accepted_by",
            "accepted_at",
        ],
        batch_size=BATCH,
    )
    votes = []
    for reply in rng.sample(reply_rows, k=min(len(reply_rows), len(reply_rows) // 3)):
        voter = members[rng.randrange(len(members))]
        if voter.user_id != reply.author_id:
            votes.append(
                HelpfulVote(
                    reply=reply,
                    user_id=voter.user_id,
                    created_at=reply.created_at + dt.timedelta(hours=2),
                )
            )
    HelpfulVote.objects.bulk_create(votes, batch_size=BATCH, ignore_conflicts=True)


def _meetings(community, members, rng, now, *, weeks: int, answers: int) -> None:
    first = (now - dt.timedelta(weeks=weeks)).replace(hour=12, minute=30, second=0, microsecond=0)
    series = MeetingSeries.objects.create(
        community=community,
        title="Weekly practice hour",
        time_zone="UTC",
        start_date=first.date(),
        start_time=first.time(),
        rrule="FREQ=WEEKLY",
        created_at=first - dt.timedelta(days=7),
        generated_until=now,
    )
    occurrences = Occurrence.objects.bulk_create(
        Occurrence(
            series=series,
            community=community,
            original_start=first + dt.timedelta(weeks=w),
            starts_at=first + dt.timedelta(weeks=w),
            ends_at=first + dt.timedelta(weeks=w, hours=1),
        )
        for w in range(weeks + 2)
    )
    rsvps = []
    for occurrence in occurrences:
        held = occurrence.ends_at < now
        for m in rng.sample(members, k=answers):
            response = rng.choice(
                [RsvpResponse.GOING] * 3 + [RsvpResponse.MAYBE, RsvpResponse.NOT_GOING]
            )
            attended = None
            if held and response != RsvpResponse.NOT_GOING:
                attended = rng.random() < 0.7
            rsvps.append(
                Rsvp(
                    occurrence=occurrence,
                    user_id=m.user_id,
                    response=response,
                    responded_at=occurrence.starts_at - dt.timedelta(days=2),
                    attended=attended,
                )
            )
    Rsvp.objects.bulk_create(rsvps, batch_size=BATCH, ignore_conflicts=True)


def _charter(community, sponsor, rng, now, *, stories: int) -> None:
    titles = ["Same-day answers", "Newcomers productive sooner", "Fewer repeated mistakes"]
    charter = Charter.objects.create(
        community=community,
        purpose="Why we exist.",
        state=CharterState.APPROVED,
        revisit_by=(now + dt.timedelta(days=120)).date(),
    )
    objectives = Objective.objects.bulk_create(
        Objective(charter=charter, position=n, title=title) for n, title in enumerate(titles)
    )
    version = CharterVersion.objects.create(
        charter=charter,
        number=1,
        purpose="Why we exist.",
        objectives=[{"title": t, "indicator": "", "target_date": None} for t in titles],
        status=VersionStatus.APPROVED,
        reviewed_by=sponsor,
        reviewed_at=now - dt.timedelta(days=200),
        created_at=now - dt.timedelta(days=205),
    )
    Charter.objects.filter(pk=charter.pk).update(approved_version=version)
    ValueStory.objects.bulk_create(
        ValueStory(
            community=community,
            author=sponsor,
            title=f"Value story {n}",
            what_happened="Someone got unstuck.",
            who_benefited="A team",
            horizon=rng.choice(Horizon.values),
            beneficiary=rng.choice(Beneficiary.values),
            objective=objectives[n % len(objectives)] if n % 4 else None,
            minutes_saved=rng.randint(10, 600),
            created_at=now - dt.timedelta(days=rng.uniform(1, 365)),
        )
        for n in range(stories)
    )


def seed(*, people: int, requests: int, replies: int, small: int) -> None:
    if Community.objects.filter(slug=BIG).exists():
        return
    rng = random.Random(6)
    now = timezone.now()
    with transaction.atomic():
        units = [
            OrganisationalUnit.objects.get_or_create(
                slug=f"{PREFIX}-unit-{i}", defaults={"name": f"Health bench unit {i}"}
            )[0]
            for i in range(12)
        ]
        everyone = _people(people, units)
        sponsor = everyone[0]
        for index in range(small + 1):
            community = Community.objects.create(
                name=f"Health bench {index}",
                slug=f"{PREFIX}-{index}",
                tagline="A community at scale" if index == 0 else "A small community",
                created_at=now - dt.timedelta(days=400),
            )
            if index == 0:
                members = _members(community, everyone, rng, now, days=400)
                _threads(community, members, rng, now, requests=requests, replies=replies, days=365)
                _meetings(community, members, rng, now, weeks=52, answers=40)
                _charter(community, sponsor, rng, now, stories=60)
            else:
                crowd = [sponsor, *rng.sample(everyone[1:], k=24)]
                members = _members(community, crowd, rng, now, days=300)
                _threads(community, members, rng, now, requests=40, replies=150, days=300)
                _meetings(community, members, rng, now, weeks=8, answers=8)


def measure(client: Client, url: str, runs: int, slowest: int) -> tuple[float, int, float, list]:
    response = client.get(url)  # warm caches
    assert response.status_code == 200, (url, response.status_code)
    times, queries, captured = [], 0, []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        captured = ctx.captured_queries
    sql_ms = sum(float(q["time"]) for q in captured) * 1000
    worst = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:slowest]
    return statistics.median(times) * 1000, queries, sql_ms, worst


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=8000)
    parser.add_argument("--replies", type=int, default=50_000)
    parser.add_argument(
        "--small", type=int, default=19, help="small communities beside the big one"
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--slowest", type=int, default=0, help="print each page's N slowest queries"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE those (PostgreSQL)")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(people=args.people, requests=args.requests, replies=args.replies, small=args.small)
    if connection.vendor == "postgresql":
        # Planner statistics for the bulk-loaded rows, as autovacuum would gather them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    big = Community.objects.get(slug=BIG)
    print(
        f"seeded in {time.perf_counter() - started:.1f}s on {connection.vendor}: "
        f"{big.memberships.count()} members, {big.help_requests.count()} requests, "
        f"{Reply.objects.filter(help_request__community=big).count()} replies, "
        f"{Occurrence.objects.filter(community=big).count()} meetings, "
        f"{Rsvp.objects.filter(occurrence__community=big).count()} RSVPs; "
        f"the sponsor sponsors {Membership.objects.filter(user__email=SPONSOR, role=Role.SPONSOR).count()}"
    )
    client = Client()
    client.force_login(User.objects.get(email=SPONSOR))
    try:
        health = reverse("health:community", args=[big.slug])
        csv = reverse("health:community_csv", args=[big.slug])
        overview = reverse("health:overview")
    except NoReverseMatch as error:
        sys.exit(f"The health pages are not there yet ({error}); the data is seeded for next time.")
    pages = {
        "health page, 30 days": f"{health}?days=30",
        "health page, 90 days": f"{health}?days=90",
        "health page, 365 days": f"{health}?days=365",
        "CSV export, 90 days": f"{csv}?days=90",
        "CSV export, 365 days": f"{csv}?days=365",
        "sponsor overview (20 communities)": overview,
    }
    print(f"{'page':40} {'median ms':>10} {'queries':>8} {'SQL ms':>8}")
    details = []
    for name, url in pages.items():
        ms, queries, sql_ms, worst = measure(client, url, args.runs, args.slowest)
        print(f"{name:40} {ms:10.1f} {queries:8d} {sql_ms:8.0f}")
        details.append((name, worst))
    for name, worst in details:
        if not worst:
            continue
        print(f"\n{name}: slowest queries")
        for q in worst:
            print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
            if args.explain and connection.vendor == "postgresql":
                print("    " + explain(q["sql"]).replace("\n", "\n    "))


if __name__ == "__main__":
    main()
