"""Pages under load, beside a peer forum: requests/s, p50, p95 and size, against /healthz.

    python bench/pages_load.py                    # 2 rounds of 10 s per page
    python bench/pages_load.py --seconds 5 --rounds 1 --no-spirit

Needs PostgreSQL and Redis on 127.0.0.1 (see bench/stack.py) and the Debian `wrk` package.
Practica runs on its own database (`bench_pages`, reused between runs; `--fresh` drops
it) under gunicorn with the production settings and 4 sync workers on 127.0.0.1. Seeded
through the services, in one community: a thread of 10 replies, one of 1,000 top-level
replies, and one of 1,000 nested replies (50 top-level replies with 19 descendants each,
every one answering a random earlier reply of its branch). A member reads them signed in.

The peer is Spirit (PyPI `django-spirit` 0.14.x), in a virtualenv this script makes under
var/bench/spirit-venv, on its own database (`bench_spirit`), its own gunicorn with 4 workers
on another port, started from `spirit startproject` with bench/spirit/settings_bench.py
(its production settings, Redis cache), with a topic of 10 and one of 1,000 comments
(page 1 shown) read by a signed-in person.

wrk runs 20 connections (2 threads) against each page in turn, `--rounds` times, so both
forums see the same machine load; the table gives the median over rounds, and "answered"
the requests behind it (a page answered fewer than 40 times in a round is measured again
for three times as long). p50 and p95 are wrk's, over answered requests. Between pages the
script waits until the server has answered what wrk left queued. Other work on the
machine moves absolute figures; the ratio to /healthz measured in the same run is the
figure to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import stack  # noqa: E402

DATABASE = "bench_pages"
SPIRIT_DATABASE = "bench_spirit"
SPIRIT_VENV = stack.VAR / "spirit-venv"
SPIRIT_PROJECT = stack.VAR / "spirit-project"
SPIRIT_REQUIREMENTS = [
    "django-spirit>=0.14,<0.15",
    "gunicorn>=22,<24",
    "psycopg2-binary>=2.9,<3",
    "redis>=5,<9",
]
BODY = "We saw this too: check the readiness probe first, then the `maxUnavailable` of the rollout."
SLUG = "pages-load"
THREADS = {
    "10 replies": ("Pages: a thread of ten replies", "small"),
    "1,000 replies flat": ("Pages: a thread of 1,000 top-level replies", "flat"),
    "1,000 replies nested": ("Pages: a thread of 1,000 nested replies", "nested"),
}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


# Practica --------------------------------------------------------------------


def _replies(help_request, shape: str, people) -> None:
    """The thread's replies: the small one through the service, the big ones in bulk.

    2,000 replies through `reply_create` take minutes on a busy machine (each one locks
    the thread, notifies followers and refreshes the search document); the page only
    needs the tree, so the big threads are built the way the query-budget tests build
    theirs (`path_step`, `count_tree`, bulk_create).
    """
    from django.utils import timezone

    from discussions.models import MAX_REPLY_DEPTH, HelpRequest, Reply, count_tree, path_step
    from discussions.services import posting

    if shape == "small":
        roots = [
            posting.reply_create(help_request=help_request, by=people[n], body=f"{BODY} ({n})")
            for n in range(6)
        ]
        for n, root in enumerate(roots[:4], start=6):
            posting.reply_create(help_request=help_request, by=people[n], body=f"{BODY} ({n})", parent=root)
        return
    rnd = random.Random(12)
    html, _ = posting.render_body(BODY, help_request.community)
    now = timezone.now()
    replies: list = []
    children: dict[str, int] = {}  # path -> children so far, for the next child's step

    def add(parent) -> object:
        parent_path = parent.path if parent is not None else ""
        depth = parent.depth + 1 if parent is not None else 1
        children[parent_path] = children.get(parent_path, 0) + 1
        n = len(replies)
        reply = Reply(
            help_request=help_request,
            author=people[n % len(people)],
            author_unit_id=people[n % len(people)].unit_id,
            path=parent_path + path_step(children[parent_path]),
            depth=depth,
            body=f"{BODY} ({n})",
            body_html=html,
            created_at=now - timezone.timedelta(seconds=1000 - n),
        )
        replies.append(reply)
        return reply

    if shape == "flat":
        for _ in range(1000):
            add(None)
    else:
        for _ in range(50):
            branch = [add(None)]
            for _ in range(19):
                # A random earlier reply of the branch, within the depth replies may nest to.
                parent = rnd.choice([r for r in branch if r.depth < MAX_REPLY_DEPTH])
                branch.append(add(parent))
    count_tree(replies)
    Reply.objects.bulk_create(replies, batch_size=500)
    HelpRequest.objects.filter(pk=help_request.pk).update(
        reply_count=len(replies), last_activity_at=replies[-1].created_at
    )


def seed_practica() -> dict:
    """The community, its three threads and a signed-in reader; reused when complete."""
    from django.db import transaction

    from accounts.models import User
    from communities.models import Community, Membership, Role
    from discussions.models import HelpRequest
    from discussions.services import posting
    from tests.factories import CommunityFactory, UnitFactory, UserFactory

    community = Community.objects.filter(slug=SLUG).first()
    if community is None:
        community = CommunityFactory(name="Pages under load", slug=SLUG, tags=["kubernetes"])
    units = [UnitFactory(name=f"Pages unit {i}", slug=f"pages-unit-{i}") for i in range(4)]
    people = list(User.objects.filter(email__startswith="pages").order_by("pk"))
    for n in range(len(people), 30):
        people.append(
            UserFactory(
                email=f"pages{n}@example.org",
                display_name=f"Pages Person {n}",
                unit=units[n % len(units)],
                password=None,
            )
        )
    Membership.objects.bulk_create(
        [
            Membership(community=community, user=u, role=Role.MODERATOR if i == 0 else Role.MEMBER)
            for i, u in enumerate(people)
        ],
        ignore_conflicts=True,
    )
    repliers = people[1:11]
    urls = {}
    for label, (title, shape) in THREADS.items():
        help_request = HelpRequest.objects.filter(community=community, title=title).first()
        expected = 10 if shape == "small" else 1000
        if help_request is None or help_request.replies.count() != expected:
            started = time.perf_counter()
            with transaction.atomic():
                if help_request is not None:
                    help_request.delete()
                help_request = posting.help_request_create(
                    community=community,
                    by=people[-1],
                    title=title,
                    body="The rollout stalls after the third node. What did you check first?",
                    tags=["kubernetes"],
                )
                _replies(help_request, shape, repliers)
            print(f"  seeded Practica's {label} in {time.perf_counter() - started:.0f} s", flush=True)
        urls[label] = help_request.get_absolute_url()
    # The community page lists recent requests: give it a page's worth beside the three threads.
    for n in range(HelpRequest.objects.filter(community=community).count(), 20):
        posting.help_request_create(
            community=community,
            by=people[n % len(people)],
            title=f"Pages: a short question {n}",
            body="What did you check first?",
        )
    return {"community": community.get_absolute_url(), "threads": urls, "reader": people[-2]}


def session_for(person) -> str:
    from django.test import Client

    client = Client()
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    return client.session.session_key


# Spirit ----------------------------------------------------------------------


def spirit_env() -> dict[str, str]:
    postgres = stack.POSTGRES.removeprefix("postgres://").removeprefix("postgresql://")
    credentials, _, hostport = postgres.rpartition("@")
    user, _, password = credentials.partition(":")
    host, _, port = hostport.partition(":")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))}
    env.update(
        DJANGO_SETTINGS_MODULE="spiritbench.settings.bench",
        SECRET_KEY=stack.SECRET_KEY,
        SPIRIT_DB_NAME=SPIRIT_DATABASE,
        SPIRIT_DB_USER=user or "postgres",
        SPIRIT_DB_PASSWORD=password,
        SPIRIT_DB_HOST=host or "127.0.0.1",
        SPIRIT_DB_PORT=port or "5432",
        REDIS_URL=stack.REDIS,
        PATH=f"{SPIRIT_VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def setup_spirit(fresh: bool) -> dict:
    python = SPIRIT_VENV / "bin" / "python"
    if not python.exists():
        print("  making Spirit's virtualenv (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(SPIRIT_VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", *SPIRIT_REQUIREMENTS], check=True
        )
    if not (SPIRIT_PROJECT / "manage.py").exists():
        SPIRIT_PROJECT.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603
            [str(SPIRIT_VENV / "bin" / "spirit"), "startproject", "spiritbench", "--path", str(SPIRIT_PROJECT)],
            check=True,
            env=spirit_env(),
        )
    here = Path(__file__).resolve().parent / "spirit"
    shutil.copy(here / "settings_bench.py", SPIRIT_PROJECT / "spiritbench" / "settings" / "bench.py")
    env = spirit_env()
    stack.ensure_database(SPIRIT_DATABASE, fresh=fresh)
    stack.manage(env, "migrate", "--noinput", "-v0", python=str(python), cwd=SPIRIT_PROJECT)
    seeded = subprocess.run(  # noqa: S603
        [str(python), str(here / "seed.py"), BODY],
        cwd=SPIRIT_PROJECT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(seeded.stdout.strip().splitlines()[-1])


# Measuring -------------------------------------------------------------------


def fetch_once(url: str, cookies: dict[str, str]) -> tuple[int, int]:
    status, _, body = stack.request("GET", url, cookies=dict(cookies))
    return status, len(body)


def settle(ready_url: str) -> None:
    """Wait until the server has worked off what wrk left queued when it stopped.

    gunicorn's sync workers still answer every connection in their listen queue after wrk has
    gone (20 slow pages: several seconds); measured then, the next page would see a busy
    server. The queue is first come, first served, so one answered GET means it is empty.
    """
    stack.request("GET", ready_url, timeout=300)
    time.sleep(0.5)


def wrk(
    url: str, cookies: dict[str, str], *, seconds: float, connections: int, headers: dict[str, str] | None = None
) -> dict:
    """Load `url` for `seconds` with wrk, signed in by `cookies` and/or `headers`."""
    script = stack.VAR / "report.lua"
    script.write_text(WRK_SCRIPT)
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(script), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 90)  # noqa: S603
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk said:\n{output.stdout}\n{output.stderr}")
    requests, duration_us, p50, p95, bad_status, socket_errors = map(int, match.groups())
    return {
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "errors": bad_status + socket_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per page and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-spirit", action="store_true", help="measure Practica alone")
    parser.add_argument("--fresh", action="store_true", help="drop both databases first")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    started = time.perf_counter()
    env = stack.prepare_practica(DATABASE, fresh=args.fresh)
    from django.conf import settings

    practica = seed_practica()
    spirit = None if args.no_spirit else setup_spirit(args.fresh)
    # Seeding queued notification emails for a worker that is not running; drop them
    # (before making the session, which could live in the cache).
    stack.flush_redis()
    practica["session"] = session_for(practica["reader"])
    print(f"ready in {time.perf_counter() - started:.0f} s", flush=True)

    with stack.gunicorn(app="cop_platform.wsgi", env=env, workers=args.workers) as base:
        cookies = {settings.SESSION_COOKIE_NAME: practica["session"]}
        pages = [
            ("Practica /healthz", base + "/healthz", {}),
            ("Practica community page", base + practica["community"], cookies),
            *[(f"Practica thread, {label}", base + url, cookies) for label, url in practica["threads"].items()],
        ]
        pages = [(name, url, cookies, base + "/healthz") for name, url, cookies in pages]
        if spirit is None:
            measure_all(pages, args)
            return
        spirit_cookies = {"sessionid": spirit["session"]}
        with stack.gunicorn(
            app="spiritbench.wsgi",
            env=spirit_env(),
            workers=args.workers,
            python=str(SPIRIT_VENV / "bin" / "python"),
            cwd=SPIRIT_PROJECT,
            name="spirit",
            ready_path="/",
        ) as spirit_base:
            labels = {"Spirit topic of 10 comments": "10", "Spirit topic of 1000 comments": "1,000"}
            pages += [
                (f"Spirit topic, {labels[title]} comments", spirit_base + url, spirit_cookies, spirit_base + "/")
                for title, url in spirit["topics"].items()
            ]
            measure_all(pages, args)


def measure_all(pages, args) -> None:
    sizes = {}
    for name, url, cookies, ready in pages:
        status, size = fetch_once(url, cookies)
        if status != 200:
            sys.exit(f"{name} answered {status} at {url}: not measuring a page that is not there")
        sizes[name] = size
        wrk(url, cookies, seconds=2, connections=args.connections)  # warm every worker
        settle(ready)
    rounds: dict[str, list[dict]] = {name: [] for name, *_ in pages}
    for n in range(args.rounds):
        for name, url, cookies, ready in pages:
            result = wrk(url, cookies, seconds=args.seconds, connections=args.connections)
            settle(ready)
            if result["requests"] < 2 * args.connections:
                # Too few answers to say much (wrk's percentiles only count answered requests):
                # measure this page once more, three times as long.
                result = wrk(url, cookies, seconds=3 * args.seconds, connections=args.connections)
                settle(ready)
            rounds[name].append(result)
        print(f"  round {n + 1} of {args.rounds} done", flush=True)

    def median(name, key):
        return statistics.median(r[key] for r in rounds[name])

    healthz = median("Practica /healthz", "rps")
    print(
        f"\n{args.connections} connections, gunicorn -w {args.workers} each, "
        f"{args.rounds} × {args.seconds:g} s per page, median of rounds; {os.cpu_count()} CPUs; "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(f"| {'page':38} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'KiB':>6} | {'÷ /healthz':>10} | {'answered':>8} | {'errors':>6} |")
    print(f"| {'-' * 38} | {'-' * 7}:| {'-' * 7}:| {'-' * 7}:| {'-' * 6}:| {'-' * 10}:| {'-' * 8}:| {'-' * 6}:|")
    for name, *_ in pages:
        rps = median(name, "rps")
        errors = sum(r["errors"] for r in rounds[name])
        answered = sum(r["requests"] for r in rounds[name])
        print(
            f"| {name:38} | {rps:7.1f} | {median(name, 'p50'):7.0f} | {median(name, 'p95'):7.0f} "
            f"| {sizes[name] / 1024:6.1f} | {rps / healthz if healthz else 0:10.0%} | {answered:8d} | {errors:6d} |"
        )
    goals(pages, median, sizes, healthz)


def goals(pages, median, sizes, healthz) -> None:
    names = [name for name, *_ in pages]
    rps = {name: median(name, "rps") for name in names}
    community, small = "Practica community page", "Practica thread, 10 replies"
    flat, nested = "Practica thread, 1,000 replies flat", "Practica thread, 1,000 replies nested"
    def ratio(a: float, b: float) -> float:
        return a / b if b else float("inf")

    lines = [(f"{name} ≥ 25 % of /healthz", ratio(rps[name], healthz), 0.25) for name in (community, small, flat, nested)]
    spirit_small, spirit_big = "Spirit topic, 10 comments", "Spirit topic, 1,000 comments"
    if spirit_small in rps:
        for name, peer in ((community, spirit_small), (small, spirit_small), (flat, spirit_big), (nested, spirit_big)):
            lines.append((f"{name} ≥ 2× {peer}", ratio(rps[name], rps[peer]), 2.0))
    print("\ngoals")
    for text, value, target in lines:
        print(f"  {'met    ' if value >= target else 'NOT met'}  {text}: {value:.2f} (target {target:g})")
    slower = ratio(rps[small], rps[nested])
    print(f"  {'met    ' if slower <= 1.5 else 'NOT met'}  1,000 nested within 1.5× the time of 10 replies: {slower:.2f}× (time = 1 / req/s)")
    kib = sizes[nested] / 1024
    print(f"  {'met    ' if kib < 150 else 'NOT met'}  1,000 nested under 150 KiB: {kib:.0f} KiB")


if __name__ == "__main__":
    main()
