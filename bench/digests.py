"""Time building and sending every digest of a large organisation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/practica_bench \\
        .venv/bin/python bench/digests.py --people 10000 --communities 200

Seeds (once; it reuses what it made before) people in four time zones, each in
three communities, with a week of help requests (some tagged with their expertise,
some answered, some accepted on threads they follow), meetings with RSVPs, join
requests, flags and charters in review. Then, on a Wednesday evening when every
daily and weekly digest is due, it times the sweep that records who is due, the
building of every digest in delivery batches (no sending), and the full delivery
(claim, build, render, send to the in-memory outbox, mark sent), with the number
of SQL queries of each. Digest rows of earlier runs are deleted first.
Run it against an empty, throwaway database: it adds rows and never deletes them.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from accounts.models import DigestFrequency, OrganisationalUnit, User  # noqa: E402
from charter.models import Charter, CharterState, CharterVersion  # noqa: E402
from communities.models import Community, JoinRequest, Membership, Role  # noqa: E402
from digests import delivery  # noqa: E402
from discussions.models import Flag, Follow, HelpRequest, RequestStatus  # noqa: E402
from meetings.models import MeetingSeries, Occurrence, Rsvp, RsvpResponse  # noqa: E402
from notifications.models import DigestDelivery  # noqa: E402

UNUSABLE = "!"  # Django's marker for "no password set"
# Wednesday 3 June 2026, 20:00 UTC: past 08:00 in all four zones, so every digest is due.
NOW = dt.datetime(2026, 6, 3, 20, tzinfo=dt.UTC)
ZONES = ["Europe/Berlin", "America/Los_Angeles", "America/New_York", "UTC"]
SKILLS = ["python", "kubernetes", "sql", "fhir", "security", "writing", "testing", "wound-care"]
PREFIX = "digestbench"


def tag_rows(model, pairs) -> list[TaggedItem]:
    content_type = ContentType.objects.get_for_model(model)
    tags = {
        name: Tag.objects.get_or_create(name=name, defaults={"slug": name})[0] for name in SKILLS
    }
    return [
        TaggedItem(content_type=content_type, object_id=pk, tag=tags[name]) for pk, name in pairs
    ]


def seed(people: int, communities: int) -> None:
    if User.objects.filter(email__startswith=PREFIX).count() >= people:
        return
    with transaction.atomic():
        units = [
            OrganisationalUnit.objects.get_or_create(
                name=f"Bench unit {i}", slug=f"bench-unit-{i}"
            )[0]
            for i in range(12)
        ]
        users = User.objects.bulk_create(
            User(
                email=f"{PREFIX}{i}@example.org",
                handle=f"{PREFIX}{i}",
                display_name=f"Digest Person {i}",
                unit=units[i % len(units)],
                password=UNUSABLE,
                timezone=ZONES[i % len(ZONES)],
                digest_frequency=DigestFrequency.DAILY if i % 3 == 0 else DigestFrequency.WEEKLY,
                digest_hour=8,
            )
            for i in range(people)
        )
        TaggedItem.objects.bulk_create(
            tag_rows(User, [(u.pk, SKILLS[i % len(SKILLS)]) for i, u in enumerate(users)])
        )
        made = Community.objects.bulk_create(
            Community(name=f"Digest bench {i}", slug=f"digest-bench-{i}", tagline="At scale")
            for i in range(communities)
        )
        memberships = {}
        for i, user in enumerate(users):
            for step, offset in ((1, 0), (7, 3), (13, 5)):
                community = made[(i * step + offset) % communities]
                memberships.setdefault(
                    (community.pk, user.pk), Membership(community=community, user=user)
                )
        for position, membership in enumerate(memberships.values()):
            # A few moderators and sponsors in every community.
            if position % 40 == 0:
                membership.role = Role.MODERATOR
            elif position % 40 == 1:
                membership.role = Role.SPONSOR
            membership.joined_at = NOW - dt.timedelta(days=position % 30)
        Membership.objects.bulk_create(memberships.values())

        requests = []
        for ci, community in enumerate(made):
            for r in range(20):
                asked = NOW - dt.timedelta(hours=6 + r * 9)
                answered = r % 3 == 0
                requests.append(
                    HelpRequest(
                        community=community,
                        author=users[(ci * 20 + r) % people],
                        title=f"Bench question {r} in community {ci}",
                        body="How do we do this well?",
                        body_html="<p>How do we do this well?</p>",
                        created_at=asked,
                        last_activity_at=asked,
                        status=RequestStatus.ANSWERED if answered else RequestStatus.OPEN,
                        reply_count=1 if answered else 0,
                        first_reply_at=asked + dt.timedelta(hours=2) if answered else None,
                        accepted_at=asked + dt.timedelta(hours=3) if r % 6 == 0 else None,
                    )
                )
        requests = HelpRequest.objects.bulk_create(requests)
        TaggedItem.objects.bulk_create(
            tag_rows(HelpRequest, [(h.pk, SKILLS[i % len(SKILLS)]) for i, h in enumerate(requests)])
        )
        Follow.objects.bulk_create(
            (
                Follow(user=user, help_request=requests[(i * 3) % len(requests)])
                for i, user in enumerate(users)
            ),
            ignore_conflicts=True,
        )
        series = MeetingSeries.objects.bulk_create(
            MeetingSeries(
                community=community,
                title=f"Practice hour {ci}",
                room="Room 4.12",
                time_zone="Europe/Berlin",
                start_date=NOW.date(),
                start_time=dt.time(9, 30),
                rrule="FREQ=WEEKLY",
            )
            for ci, community in enumerate(made)
        )
        occurrences = Occurrence.objects.bulk_create(
            Occurrence(
                series=s,
                community_id=s.community_id,
                original_start=NOW + dt.timedelta(days=d, hours=ci % 12),
                starts_at=NOW + dt.timedelta(days=d, hours=ci % 12),
                ends_at=NOW + dt.timedelta(days=d, hours=ci % 12 + 1),
            )
            for ci, s in enumerate(series)
            for d in (1, 5)
        )
        by_community = {}
        for occurrence in occurrences:
            by_community.setdefault(occurrence.community_id, occurrence)
        Rsvp.objects.bulk_create(
            Rsvp(
                occurrence=by_community[m.community_id],
                user_id=m.user_id,
                response=RsvpResponse.GOING,
            )
            for i, m in enumerate(memberships.values())
            if i % 3 == 0
        )
        JoinRequest.objects.bulk_create(
            JoinRequest(community=community, user=users[(ci * 11 + k) % people])
            for ci, community in enumerate(made)
            for k in range(2)
        )
        Flag.objects.bulk_create(
            Flag(community_id=h.community_id, help_request=h, reason="Shares a patient identifier.")
            for h in requests[::20]
        )
        charters = Charter.objects.bulk_create(
            Charter(community=community, state=CharterState.IN_REVIEW, purpose="Why we exist.")
            for community in made[::4]
        )
        CharterVersion.objects.bulk_create(
            CharterVersion(
                charter=charter,
                number=1,
                purpose="Why we exist.",
                created_at=NOW - dt.timedelta(days=1),
            )
            for charter in charters
        )


def measure(label: str, fn):
    """Time `fn` and count its SQL statements (a counter, not the capped query log)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
    return label, elapsed, count, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--communities", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()  # the in-memory outbox
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.people, args.communities)
    print(f"seeded in {time.perf_counter() - started:.1f}s on {connection.vendor}")
    bench_people = User.objects.filter(email__startswith=PREFIX)
    DigestDelivery.objects.filter(user__in=bench_people).delete()
    # Only the bench's people get digests in this database.
    User.objects.exclude(email__startswith=PREFIX).update(digest_frequency=DigestFrequency.NEVER)

    rows = []
    rows.append(measure("record who is due (sweep)", lambda: delivery.record_due(now=NOW)))
    ids = delivery.pending_ids(now=NOW)

    def build_all() -> int:
        built = 0
        for start in range(0, len(ids), delivery.DELIVERY_BATCH):
            batch = list(
                DigestDelivery.objects.filter(
                    pk__in=ids[start : start + delivery.DELIVERY_BATCH]
                ).select_related("user")
            )
            built += sum(1 for d in delivery.build_digests(batch, now=NOW) if not d.is_empty)
        return built

    rows.append(measure("build every digest (no sending)", build_all))

    def deliver_all() -> int:
        sent = 0
        for start in range(0, len(ids), delivery.DELIVERY_BATCH):
            sent += delivery.deliver(ids[start : start + delivery.DELIVERY_BATCH], now=NOW).sent
        return sent

    mail.outbox = []
    rows.append(measure("deliver: claim, build, render, send, mark", deliver_all))

    people = len(ids)
    print(
        f"{people} digests due; batches of {delivery.DELIVERY_BATCH}; {len(mail.outbox)} emails in the outbox"
    )
    print(f"{'step':45} {'total s':>9} {'s/1000':>8} {'queries':>8} {'q/1000':>8}  result")
    for label, elapsed, queries, result in rows:
        per = 1000 / people if people else 0
        print(
            f"{label:45} {elapsed:9.2f} {elapsed * per:8.2f} {queries:8d} {queries * per:8.1f}  {result}"
        )
    empty = DigestDelivery.objects.filter(pk__in=ids, skipped_empty=True).count()
    print(f"recorded empty (not sent): {empty}")


if __name__ == "__main__":
    main()
