"""Time search, similar questions and help wanted at scale on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database practica_search_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/practica_search_bench \\
        .venv/bin/python bench/search.py --requests 20000 --replies 100000

Seeds (once; it reuses what it made before) communities, people, help requests with
tags and replies with bulk_create, fills every search vector (one UPDATE per table), then
requests each page several times with the test client and prints the median time
and the number of SQL queries, and the plan's use of the indexes for the search. Last,
the cost of indexing one reply in a short and in a long thread (--long-thread replies),
next to what the former design (the thread's vector rebuilt from all its replies) cost.
Run it against an empty, throwaway database: it adds rows and never deletes them.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("ACCOUNT_RATE_LIMITS_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, OuterRef, Subquery  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from accounts.models import User  # noqa: E402
from communities.models import Community, JoinPolicy, Membership, Role, Visibility  # noqa: E402
from discussions.models import HelpRequest, Reply, RequestStatus  # noqa: E402
from discussions.search import (  # noqa: E402
    SearchFilters,
    index_post,
    refresh_search_vectors,
    search_requests,
    similar_requests,
)

UNUSABLE = "!"
TOOLS = [
    "helm",
    "kubectl",
    "terraform",
    "ansible",
    "kafka",
    "postgres",
    "redis",
    "nginx",
    "grafana",
    "prometheus",
    "vault",
    "argo",
    "jenkins",
    "gitlab",
    "docker",
    "istio",
    "envoy",
    "elasticsearch",
    "spark",
    "airflow",
    "django",
    "celery",
    "fhir",
    "hl7",
    "openapi",
    "keycloak",
]
THINGS = [
    "rollback",
    "deployment",
    "certificate",
    "ingress",
    "migration",
    "backup",
    "replica",
    "pipeline",
    "secret",
    "token",
    "cache",
    "timeout",
    "memory",
    "leak",
    "upgrade",
    "schema",
    "index",
    "query",
    "dashboard",
    "alert",
    "webhook",
    "cluster",
    "node",
    "volume",
    "quota",
]
VERBS = [
    "configure",
    "debug",
    "rotate",
    "scale",
    "monitor",
    "upgrade",
    "restore",
    "secure",
    "test",
    "automate",
    "tune",
    "migrate",
]
FILLER = [
    "we",
    "tried",
    "the",
    "documented",
    "approach",
    "but",
    "it",
    "keeps",
    "failing",
    "after",
    "a",
    "while",
    "and",
    "the",
    "logs",
    "show",
    "nothing",
    "useful",
    "our",
    "team",
    "runs",
    "this",
    "in",
    "production",
    "across",
    "three",
    "sites",
    "and",
    "the",
    "incident",
    "review",
    "asked",
    "us",
    "to",
    "find",
    "a",
    "better",
    "way",
    "does",
    "anyone",
    "have",
    "a",
    "runbook",
    "or",
    "a",
    "checklist",
    "that",
    "worked",
    "for",
    "them",
]
TAGS = [
    "kubernetes",
    "observability",
    "databases",
    "security",
    "ci",
    "networking",
    "data",
    "python",
]
STEP = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(number: int, width: int = 5) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = STEP[rest] + digits
    return digits.rjust(width, "0")


def sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(FILLER) for _ in range(words)]
    for _ in range(max(1, words // 12)):
        picked.insert(rng.randrange(len(picked)), rng.choice(TOOLS + THINGS))
    return " ".join(picked).capitalize() + "."


def seed(n_communities: int, n_requests: int, n_replies: int) -> None:
    if HelpRequest.objects.filter(community__slug__startswith="sbench-").count() >= n_requests:
        return
    rng = random.Random(7)
    started = time.perf_counter()
    with transaction.atomic():
        people = User.objects.bulk_create(
            User(
                email=f"sbench{i}@example.org",
                display_name=f"Search Bench {i}",
                handle=f"sbench{i}",
                password=UNUSABLE,
            )
            for i in range(500)
        )
        people[0].expertise.set(["kubernetes", "databases"])
        communities = Community.objects.bulk_create(
            Community(
                name=f"Search bench community {i}",
                slug=f"sbench-{i}",
                visibility=Visibility.PRIVATE if i % 4 == 3 else Visibility.PUBLIC,
                join_policy=JoinPolicy.INVITATION if i % 4 == 3 else JoinPolicy.OPEN,
            )
            for i in range(n_communities)
        )
        # The timed person belongs to half the communities (public and private alike).
        Membership.objects.bulk_create(
            Membership(community=c, user=people[0], role=Role.MEMBER) for c in communities[::2]
        )
        Membership.objects.bulk_create(
            Membership(community=c, user=p, role=Role.MEMBER)
            for c in communities
            for p in rng.sample(people[1:], 40)
        )
        requests = HelpRequest.objects.bulk_create(
            (
                HelpRequest(
                    community=communities[i % n_communities],
                    author=rng.choice(people),
                    title=(
                        f"How do we {rng.choice(VERBS)} the {rng.choice(THINGS)} "
                        f"with {rng.choice(TOOLS)} on {rng.choice(TOOLS)}?"
                    ),
                    body=sentence(rng, rng.randint(30, 80)),
                    status=rng.choice(
                        [RequestStatus.OPEN] * 3
                        + [RequestStatus.ANSWERED, RequestStatus.SOLVED, RequestStatus.CLOSED]
                    ),
                )
                for i in range(n_requests)
            ),
            batch_size=5000,
        )
        print(f"  requests in {time.perf_counter() - started:.1f}s")
        tags = [Tag.objects.get_or_create(name=name, defaults={"slug": name})[0] for name in TAGS]
        content_type = ContentType.objects.get_for_model(HelpRequest)
        TaggedItem.objects.bulk_create(
            (
                TaggedItem(content_type=content_type, object_id=r.pk, tag=tag)
                for r in requests
                for tag in rng.sample(tags, rng.randint(1, 2))
            ),
            batch_size=10000,
        )
        # Four in five replies are top-level (tree roots), the rest answer one of them.
        roots = int(n_replies * 0.8)
        first = Reply.objects.filter(depth=1).count() + 1
        root_rows = []
        for i in range(roots):
            root_rows.append(
                Reply(
                    help_request=requests[rng.randrange(n_requests)],
                    author=rng.choice(people),
                    body=sentence(rng, rng.randint(15, 50)),
                    path=base36(first + i),
                    depth=1,
                    numchild=0,
                )
            )
        Reply.objects.bulk_create(root_rows, batch_size=10000)
        children = []
        child_counts: dict[int, int] = {}
        for _ in range(n_replies - roots):
            parent = root_rows[rng.randrange(roots)]
            child_counts[parent.pk] = child_counts.get(parent.pk, 0) + 1
            children.append(
                Reply(
                    help_request_id=parent.help_request_id,
                    in_reply_to=parent,
                    author=rng.choice(people),
                    body=sentence(rng, rng.randint(10, 40)),
                    path=parent.path + base36(child_counts[parent.pk]),
                    depth=2,
                    numchild=0,
                )
            )
        Reply.objects.bulk_create(children, batch_size=10000)
        print(f"  replies in {time.perf_counter() - started:.1f}s")
        counts = (
            Reply.objects.visible()
            .filter(help_request=OuterRef("pk"))
            .order_by()
            .values("help_request")
            .annotate(n=Count("pk"))
            .values("n")
        )
        HelpRequest.objects.filter(community__in=communities).update(
            reply_count=Coalesce(Subquery(counts), 0)
        )
        vector_started = time.perf_counter()
        refresh_search_vectors(HelpRequest.objects.filter(community__in=communities))
        print(f"  search vectors (one UPDATE) in {time.perf_counter() - vector_started:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def time_call(function, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--long-thread", type=int, default=2000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit(
            "Run this on PostgreSQL (DATABASE_URL=postgres://...): it measures the full-text search."
        )
    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.communities, args.requests, args.replies)
    print(
        f"seeded in {time.perf_counter() - started:.1f}s: "
        f"{HelpRequest.objects.count()} requests, {Reply.objects.count()} replies"
    )
    person = User.objects.get(email="sbench0@example.org")
    client = Client()
    client.force_login(person)
    community = Community.objects.get(slug="sbench-0")

    def search(**params) -> str:
        return "/search/?" + urlencode(params)

    pages = {
        'search "helm"': search(q="helm"),
        'search "rollback kubectl"': search(q="rollback kubectl"),
        'search "certificate rotate vault"': search(q="certificate rotate vault"),
        'search phrase "memory leak"': search(q='"memory leak"'),
        'search typo "promethues"': search(q="promethues"),
        'search "helm" -kafka, solved': search(q="helm -kafka", status="solved"),
        "search unanswered (no words)": search(unanswered="on"),
        'search "postgres" in one community': search(q="postgres", community=community.slug),
        "similar (htmx fragment)": f"/c/{community.slug}/help/similar/?"
        + urlencode({"title": "How to rotate certificates with vault"}),
        "help wanted, all my communities": "/help-wanted/",
        "help wanted, matches my expertise": "/help-wanted/?mine=1",
        "help wanted, last page": "/help-wanted/?page=last",
        "help wanted, one community": f"/c/{community.slug}/help/wanted/",
    }
    print(f"\n{'page':42} {'median ms':>10} {'queries':>8} {'results':>8}")
    for name, url in pages.items():
        ms, queries = measure(client, url, args.runs)
        response = client.get(url)
        page = response.context["page"] if response.context and "page" in response.context else None
        results = (
            page.paginator.count if page is not None else len(response.context.get("similar", []))
        )
        print(f"{name:42} {ms:10.1f} {queries:8d} {results:8d}")

    print(f"\n{'service call (first page, no template)':42} {'median ms':>10}")
    calls = {
        'search_requests("helm")[:20]': lambda: list(
            search_requests(user=person, filters=SearchFilters(q="helm"))[:20]
        ),
        'similar_requests("rotate vault certificate")': lambda: similar_requests(
            user=person, title="rotate vault certificate", community=community
        ),
    }
    for name, call in calls.items():
        print(f"{name:42} {time_call(call, args.runs):10.1f}")

    queryset = search_requests(user=person, filters=SearchFilters(q="helm"))[:20]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = (
        "discussions_helprequest_search_gin",
        "discussions_reply_search_gin",
        "discussions_helprequest_title_trgm",
    )
    used = [name for name in indexes if name in plan]
    print(f"\nsearch plan uses indexes: {', '.join(used) or 'none (sequential scan)'}")
    if "-v" in sys.argv:
        print(plan)

    short = HelpRequest.objects.filter(community=community, reply_count__gte=3).order_by("pk").first()
    long = long_thread(community, person, args.long_thread)
    print(f"\n{'indexing one reply':42} {'median ms':>10} {'queries':>8}")
    for thread in (short, long):
        reply = Reply.objects.filter(help_request=thread).order_by("-path").first()
        label = f"{thread.reply_count} replies"
        with CaptureQueriesContext(connection) as ctx:
            index_post(help_request=thread, reply=reply)
        now = time_call(lambda t=thread, r=reply: index_post(help_request=t, reply=r), args.runs)
        print(f"{'now, thread of ' + label:42} {now:10.1f} {len(ctx.captured_queries):8d}")
        before = time_call(lambda t=thread: rebuild_thread_vector(t), args.runs)
        print(f"{'former design, thread of ' + label:42} {before:10.1f} {1:8d}")
    # The former design's statement rebuilt a vector the new one no longer stores: put it back.
    refresh_search_vectors(HelpRequest.objects.filter(pk__in=[short.pk, long.pk]))


def long_thread(community: Community, person: User, replies: int) -> HelpRequest:
    """One thread of `replies` replies (made once), to show the write cost does not grow with it."""
    title = f"Long thread of {replies} replies about helm upgrades"
    thread = HelpRequest.objects.filter(community=community, title=title).first()
    if thread is not None:
        return thread
    rng = random.Random(11)
    with transaction.atomic():
        thread = HelpRequest.objects.create(
            community=community, author=person, title=title, body=sentence(rng, 40)
        )
        Reply.objects.bulk_create(
            (
                Reply(
                    help_request=thread,
                    author=person,
                    body=sentence(rng, rng.randint(15, 50)),
                    path=base36(i + 1),
                    depth=1,
                    numchild=0,
                )
                for i in range(replies)
            ),
            batch_size=5000,
        )
        HelpRequest.objects.filter(pk=thread.pk).update(reply_count=replies)
        refresh_search_vectors(HelpRequest.objects.filter(pk=thread.pk))
    thread.refresh_from_db()
    return thread


def rebuild_thread_vector(thread: HelpRequest) -> None:
    """What every reply cost before 0006_search_per_reply: the whole thread read and re-parsed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE discussions_helprequest AS r SET search_vector =
                setweight(to_tsvector('english', coalesce(r.title, '')), 'A')
                || setweight(to_tsvector('english', coalesce(r.body, '')), 'B')
                || setweight(to_tsvector('english', coalesce((
                    SELECT string_agg(p.body, ' ') FROM discussions_reply AS p
                    WHERE p.help_request_id = r.id AND NOT p.is_removed
                ), '')), 'C')
            WHERE r.id = %s
            """,
            [thread.pk],
        )


if __name__ == "__main__":
    main()
