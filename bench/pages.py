"""Time the foundation's list and detail pages on a large organisation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/practica_bench \\
        .venv/bin/python bench/pages.py --people 5000 --communities 200

Seeds (once; it reuses what it made before) people across units, communities with
members and tags, and notifications, then requests each page several times with
the test client and prints the median time and the number of SQL queries.
Run it against an empty, throwaway database: it adds rows and never deletes them.
"""

import argparse
import os
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

from accounts.models import OrganisationalUnit, User  # noqa: E402
from communities.kinds import Kind  # noqa: E402
from communities.models import Community, Membership, Role  # noqa: E402
from notifications.models import Notification  # noqa: E402

UNUSABLE = "!"  # Django's marker for "no password set"
EXPERTISE = [
    "python",
    "kubernetes",
    "sql",
    "fhir",
    "security",
    "writing",
    "testing",
    "data-quality",
]


def seed(people: int, communities: int) -> None:
    if User.objects.filter(email__startswith="bench").count() >= people:
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
                email=f"bench{i}@example.org",
                display_name=f"Bench Person {i}",
                unit=units[i % len(units)],
                password=UNUSABLE,
            )
            for i in range(people)
        )
        for i, user in enumerate(users[:2000]):
            user.expertise.set(EXPERTISE[i % 8 : i % 8 + 2])
        made = Community.objects.bulk_create(
            Community(
                name=f"Bench community {i}", slug=f"bench-{i}", tagline="A community at scale"
            )
            for i in range(communities)
        )
        for c in made[:50]:
            c.tags.set(EXPERTISE[:3])
        memberships = []
        for ci, c in enumerate(made):
            size = people if ci == 0 else 25
            for ui in range(size):
                role = Role.MODERATOR if ui == 0 else Role.MEMBER
                memberships.append(
                    Membership(community=c, user=users[(ci + ui) % people], role=role)
                )
        Membership.objects.bulk_create(memberships, ignore_conflicts=True)
        Notification.objects.bulk_create(
            Notification(recipient=users[0], kind=Kind.ROLE_CHANGED, message=f"Bench {i}", url="/")
            for i in range(500)
        )


def measure(client: Client, url: str, runs: int) -> tuple[float, int]:
    client.get(url)  # warm caches
    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.people, args.communities)
    print(f"seeded in {time.perf_counter() - started:.1f}s on {connection.vendor}")
    client = Client()
    client.force_login(User.objects.get(email="bench0@example.org"))
    big = Community.objects.get(slug="bench-0")
    pages = {
        "home dashboard": "/",
        "community directory": "/communities/",
        "directory, sorted by size": "/communities/?sort=size",
        f"community page ({big.memberships.count()} members)": f"/c/{big.slug}/",
        "members page": f"/c/{big.slug}/members/",
        "members page, last page": f"/c/{big.slug}/members/?page=last",
        "people directory": "/people/",
        "people search": "/people/?q=Person+42",
        "notifications": "/notifications/",
    }
    print(f"{'page':45} {'median ms':>10} {'queries':>8}")
    for name, url in pages.items():
        ms, queries = measure(client, url, args.runs)
        print(f"{name:45} {ms:10.1f} {queries:8d}")


if __name__ == "__main__":
    main()
