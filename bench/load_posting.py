"""Fifty people posting at once over HTTP: is every post that was answered with success saved?

    python bench/load_posting.py                  # 50 posters, 60 s
    python bench/load_posting.py --posters 20 --seconds 20 --fresh

Needs PostgreSQL and Redis on 127.0.0.1 (see bench/stack.py for BENCH_POSTGRES and
BENCH_REDIS). It creates its own database (`bench_posting`, reused between runs; `--fresh`
drops it first), migrates it, seeds 3 communities with 5 help requests between them and
50 posters who belong to all three, and starts gunicorn with the production settings and
4 workers on 127.0.0.1, with the posting limits raised (bench/stack.py's RAISED_LIMITS;
a variable set in your shell wins).

Each poster is signed in (a session made for them) and, for `--seconds` or `--max-posts`
posts, whichever comes first, does what a browser does: GET the form, then POST it with the
csrftoken cookie and every hidden input of the form. A post is a new help request
(20 %), a reply to one of the 5 requests (40 %) or a reply to a reply in them (40 %, to a
reply seeded or posted earlier in the run). Each post carries a marker; afterwards the
markers in the database are compared with the posts the server answered with a redirect
(its "saved"). It prints lost posts (answered as saved, not in the database), posts saved
though the server answered otherwise, the 5xx count, other refusals, and the posting
throughput. The redirect after a post is not followed: the figure is the cost of posting.
Tasks queued by posts (notification emails) wait in Redis: no worker runs.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack  # noqa: E402

DATABASE = "bench_posting"
COMMUNITIES = 3
THREADS = 5
SEEDED_ROOTS = 3  # replies already in each thread, so nested replies have parents at once
MARKER = re.compile(r"bench:([0-9a-f]{12}):(\d+):(\d+)")
PERMALINK = re.compile(r"/r/(\d+)/|#reply-(\d+)$")
THREAD = re.compile(r"/help/(\d+)/")


def seed(posters: int) -> dict:
    """Communities, requests, posters; reused when a previous run made them."""
    from django.db import transaction

    from accounts.models import User
    from communities.models import Community, Membership, Role
    from discussions.models import HelpRequest, Reply
    from discussions.services import posting
    from tests.factories import CommunityFactory, UnitFactory, UserFactory

    with transaction.atomic():
        units = [UnitFactory(name=f"Posting unit {i}", slug=f"posting-unit-{i}") for i in range(3)]
        communities = []
        for i in range(COMMUNITIES):
            community = Community.objects.filter(slug=f"posting-{i}").first()
            communities.append(community or CommunityFactory(name=f"Posting {i}", slug=f"posting-{i}"))
        people = list(User.objects.filter(email__startswith="poster").order_by("pk"))
        for n in range(len(people), posters):
            people.append(
                UserFactory(
                    email=f"poster{n}@example.org",
                    display_name=f"Poster {n}",
                    unit=units[n % len(units)],
                    password=None,  # unusable: they get a session, never a login form
                )
            )
        Membership.objects.bulk_create(
            [Membership(community=c, user=u, role=Role.MEMBER) for c in communities for u in people],
            ignore_conflicts=True,
        )
        threads = list(HelpRequest.objects.filter(community__in=communities).filter(title__startswith="Posting thread").order_by("pk"))
        for t in range(len(threads), THREADS):
            help_request = posting.help_request_create(
                community=communities[t % COMMUNITIES],
                by=people[t],
                title=f"Posting thread {t}: why does the rollout stall?",
                body="The rollout stalls after the third node. What did you check first?",
            )
            for r in range(SEEDED_ROOTS):
                posting.reply_create(
                    help_request=help_request, by=people[(t + r + 1) % len(people)], body=f"Seeded reply {r}."
                )
            threads.append(help_request)
    return {
        "communities": [c.slug for c in communities],
        "threads": [
            {
                "slug": t.community.slug,
                "pk": t.pk,
                "replies": list(Reply.objects.filter(help_request=t).values_list("pk", flat=True)),
            }
            for t in HelpRequest.objects.filter(pk__in=[t.pk for t in threads]).select_related("community")
        ],
        "people": people[:posters],
    }


def sessions_for(people) -> list[str]:
    from django.test import Client

    keys = []
    for person in people:
        client = Client()
        client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        keys.append(client.session.session_key)
    return keys


class Run:
    def __init__(self, base: str, world: dict, *, seconds: float, max_posts: int, seed: int):
        self.base = base
        self.world = world
        self.deadline = time.monotonic() + seconds
        self.max_posts = max_posts
        self.run_id = uuid.uuid4().hex[:12]
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        # Replies a nested reply may answer, per thread; grows with the run's own replies.
        self.parents = {t["pk"]: list(t["replies"]) for t in world["threads"]}
        self.outcomes: Counter = Counter()  # "saved", "5xx", "refused 400"... per post
        self.answered_saved: set[tuple[int, int]] = set()
        self.not_saved: set[tuple[int, int]] = set()  # answered with anything but a redirect
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def poster(self, index: int, session_key: str, csrf_cookie: str, session_cookie: str) -> None:
        rnd = random.Random(f"{self.run_id}-{index}")
        cookies = {session_cookie: session_key}
        for seq in range(self.max_posts):
            if time.monotonic() > self.deadline:
                return
            marker = f"bench:{self.run_id}:{index}:{seq}"
            kind = rnd.choices(["request", "reply", "nested"], weights=[20, 40, 40])[0]
            try:
                self.post(kind, marker, cookies, csrf_cookie, rnd, index, seq)
            except Exception as error:  # noqa: BLE001 - a failure is a figure, not a crash
                with self.lock:
                    self.outcomes["no answer (client error)"] += 1
                    self.not_saved.add((index, seq))
                    if len(self.errors) < 5:
                        self.errors.append(f"{type(error).__name__}: {error}")

    def post(self, kind, marker, cookies, csrf_cookie, rnd, index, seq) -> None:
        if kind == "request":
            slug = rnd.choice(self.world["communities"])
            url = f"{self.base}/c/{slug}/help/ask/"
            fields = {
                "title": f"How do you keep a rollout going after a node fails? ({marker})",
                "body": f"We tried draining first. What else? {marker}",
                "tags": "kubernetes, rollout",
            }
        else:
            thread = rnd.choice(self.world["threads"])
            url = f"{self.base}/c/{thread['slug']}/help/{thread['pk']}/reply/"
            fields = {"body": f"We saw this too: check the readiness probe first. {marker}"}
            if kind == "nested":
                with self.lock:
                    parent = rnd.choice(self.parents[thread["pk"]])
                url += "?" + urlencode({"parent": parent})
        status, _, page = stack.request("GET", url, cookies=cookies)
        if status != 200:
            self.record(kind, f"form answered {status}", index, seq)
            return
        form = stack.post_form(page, with_field="body")
        data = {**form["hidden"], **fields}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.base,
            "Referer": url,
        }
        assert cookies.get(csrf_cookie), "the form page set no CSRF cookie"
        started = time.perf_counter()
        status, received, _ = stack.request(
            "POST", url.split("?")[0], cookies=cookies, body=urlencode(data).encode(), headers=headers
        )
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
        if status in (301, 302, 303):
            location = received.get("location", "")
            if kind != "request" and (match := PERMALINK.search(location)):
                thread_pk = int(THREAD.search(location).group(1))
                with self.lock:
                    self.parents[thread_pk].append(int(match.group(1) or match.group(2)))
            self.record(kind, "saved", index, seq)
        elif status >= 500:
            self.record(kind, "5xx", index, seq)
        else:
            self.record(kind, f"answered {status}", index, seq)

    def record(self, kind: str, outcome: str, index: int, seq: int) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.outcomes[f"{kind}: {outcome}"] += 1
            (self.answered_saved if outcome == "saved" else self.not_saved).add((index, seq))


def in_database(run_id: str) -> Counter:
    from discussions.models import HelpRequest, Reply

    found: Counter = Counter()
    for model in (HelpRequest, Reply):
        for body in model.objects.filter(body__contains=f"bench:{run_id}:").values_list("body", flat=True):
            match = MARKER.search(body)
            found[(int(match.group(2)), int(match.group(3)))] += 1
    return found


def tree_problems(thread_pks) -> int:
    """Replies whose materialised path does not extend their parent's (or whose depth disagrees)."""
    from discussions.models import Reply

    replies = {r.pk: r for r in Reply.objects.filter(help_request__in=thread_pks)}
    by_path = {(r.help_request_id, r.path): r for r in replies.values()}
    problems = len(replies) - len(by_path)  # two replies of one thread on one path
    for reply in replies.values():
        step = len(reply.path) // reply.depth if reply.depth else 0
        well_formed = step and len(reply.path) == step * reply.depth
        has_parent = reply.depth == 1 or (reply.help_request_id, reply.path[:-step]) in by_path
        problems += not (well_formed and has_parent)
    return problems


def healthz_rate(base: str) -> float | None:
    """/healthz requests/s with wrk (20 connections, 5 s), to put the posting rate beside."""
    import shutil
    import subprocess

    if shutil.which("wrk") is None:
        return None
    output = subprocess.run(  # noqa: S603
        ["wrk", "-t2", "-c20", "-d5s", f"{base}/healthz"],  # noqa: S607
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    stack.request("GET", f"{base}/healthz", timeout=120)  # what wrk left queued is answered
    return float(match.group(1)) if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-posts", type=int, default=60, help="per poster")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()

    env = stack.prepare_practica(DATABASE, fresh=args.fresh)
    from django.conf import settings

    started = time.perf_counter()
    world = seed(args.posters)
    keys = sessions_for(world["people"])
    print(f"seeded in {time.perf_counter() - started:.1f}s: {len(world['communities'])} communities, "
          f"{len(world['threads'])} threads, {len(keys)} posters")

    with stack.gunicorn(app="cop_platform.wsgi", env=env, workers=args.workers) as base:
        healthz = healthz_rate(base)
        run = Run(base, world, seconds=args.seconds, max_posts=args.max_posts, seed=1)
        threads = [
            threading.Thread(
                target=run.poster,
                args=(i, key, settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME),
                daemon=True,
            )
            for i, key in enumerate(keys)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            # Bounded: the run stops starting posts at its deadline; one slow answer may add a minute.
            thread.join(timeout=args.seconds + 120)
        elapsed = time.perf_counter() - began

    saved_rows = in_database(run.run_id)
    answered = run.answered_saved
    lost = answered - set(saved_rows)
    unexpected = set(saved_rows) - answered
    doubled = sum(1 for n in saved_rows.values() if n > 1)
    print(f"\nrun {run.run_id}: {args.posters} posters, {elapsed:.1f} s, gunicorn -w {args.workers}")
    for outcome, count in sorted(run.outcomes.items()):
        print(f"  {outcome:32} {count:6d}")
    if run.errors:
        print("  first client errors:", *run.errors, sep="\n    ")
    latencies = sorted(run.latencies)
    if latencies:
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"  POST latency p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"answered as saved      {len(answered):6d}")
    print(f"rows in the database   {len(saved_rows):6d}")
    print(f"LOST POSTS             {len(lost):6d}   (answered as saved, not in the database)")
    print(f"saved, not answered    {len(unexpected):6d}   (saved though the answer was not a redirect)")
    print(f"saved twice            {doubled:6d}")
    print(f"5xx                    {run.outcomes['5xx']:6d}")
    print(f"tree path problems     {tree_problems([t['pk'] for t in world['threads']]):6d}")
    throughput = len(answered) / elapsed
    print(f"posting throughput     {throughput:6.1f} posts/s")
    if healthz:
        # The machine's other work moves both figures; their ratio moves less.
        print(f"  ÷ /healthz req/s     {throughput / healthz:8.2%}   (/healthz: {healthz:.0f} req/s just before)")
    ok = not lost and not run.outcomes["5xx"]
    print("goal (0 lost, 0 5xx):", "met" if ok else "NOT met")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
