"""Size and time of the thread pages and the community page, in the test client.

    .venv/bin/python bench/thread_pages.py            # SQLite in memory
    .venv/bin/python bench/thread_pages.py --profile  # plus a cProfile of the nested thread

Builds a throwaway test database (like pytest does), one community with a charter,
a meeting and a few requests, and three threads: 10 replies (mixed), 1,000 flat
top-level replies, and 1,000 nested (50 top-level replies with 19 descendants
each). A member requests each page `--runs` times; it prints the page size, the
median time and the number of SQL queries. Not a load test: see the issue's
gunicorn benchmark for throughput.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def build_tree(help_request, roots: int, per_root: int, authors) -> None:
    """`roots` top-level replies, each with `per_root` descendants: chains of 5 with branches."""
    from discussions.models import HelpRequest, Reply, count_tree, path_step

    replies = []
    for r in range(roots):
        root = path_step(r + 1)
        replies.append(
            Reply(
                help_request=help_request,
                author=authors[r % len(authors)],
                path=root,
                depth=1,
                body=f"Root {r}",
                body_html=f"<p>Root {r} says something useful.</p>",
            )
        )
        made = 0
        chain_parent, chain_depth, children = root, 1, {}
        while made < per_root:
            # Go deeper every other reply up to depth 5, else add a sibling: deep and wide.
            if chain_depth < 5 and made % 2 == 0 and made:
                chain_parent, chain_depth = replies[-1].path, replies[-1].depth
            children[chain_parent] = children.get(chain_parent, 0) + 1
            replies.append(
                Reply(
                    help_request=help_request,
                    author=authors[made % len(authors)],
                    path=chain_parent + path_step(children[chain_parent]),
                    depth=chain_depth + 1,
                    body=f"Reply {made}",
                    body_html=f"<p>Reply {made} to root {r}.</p>",
                )
            )
            made += 1
    count_tree(replies)
    Reply.objects.bulk_create(replies)
    HelpRequest.objects.filter(pk=help_request.pk).update(reply_count=len(replies))


def measure(client: Client, url: str, runs: int) -> tuple[float, float, float, float, int]:
    client.get(url)  # warm caches
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return (
        len(response.content) / 1024,
        statistics.median(times) * 1000,
        min(times) * 1000,
        statistics.median(cpu) * 1000,
        len(captured.captured_queries),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)

    from communities.models import Role
    from tests.charter.factories import CharterFactory, CharterVersionFactory
    from tests.discussions.factories import HelpRequestFactory
    from tests.factories import CommunityFactory, MembershipFactory, UserFactory
    from tests.meetings.factories import OccurrenceFactory

    community = CommunityFactory(slug="bench")
    member = UserFactory()
    MembershipFactory(community=community, user=member, role=Role.MEMBER)
    authors = [UserFactory() for _ in range(8)]
    for author in authors:
        MembershipFactory(community=community, user=author, role=Role.MEMBER)
    try:
        charter = CharterFactory(community=community)
        version = CharterVersionFactory(charter=charter)
        charter.approved_version = version
        charter.save()
    except Exception as error:  # noqa: BLE001 - the page is measured with or without a charter
        print("(no charter:", error, ")")
    try:
        OccurrenceFactory(series__community=community)
    except Exception as error:  # noqa: BLE001
        print("(no meeting:", error, ")")
    small = HelpRequestFactory(community=community, author=member)
    build_tree(small, 5, 1, authors)
    flat = HelpRequestFactory(community=community, author=member)
    build_tree(flat, 1000, 0, authors)
    nested = HelpRequestFactory(community=community, author=member)
    build_tree(nested, 50, 19, authors)

    client = Client()
    client.force_login(member)
    pages = {
        "10-reply thread": small.get_absolute_url(),
        "1,000 flat": flat.get_absolute_url(),
        "1,000 nested (50x19)": nested.get_absolute_url(),
        "community page": reverse("communities:detail", args=[community.slug]),
    }
    # Wall time on a shared machine swings with its load; the process's CPU time (SQLite runs in
    # process, so it includes the queries) says what the page costs.
    print(f"{'page':24} {'KiB':>8} {'median ms':>10} {'best ms':>8} {'CPU ms':>8} {'queries':>8}")
    for name, url in pages.items():
        size, median, best, cpu, queries = measure(client, url, args.runs)
        print(f"{name:24} {size:8.1f} {median:10.1f} {best:8.1f} {cpu:8.1f} {queries:8d}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            client.get(nested.get_absolute_url())
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
