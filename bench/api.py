"""API reads per second beside the HTML pages they mirror, in the same run.

    python bench/api.py                       # 2 rounds of 10 s per URL
    python bench/api.py --seconds 5 --rounds 1

Needs PostgreSQL and Redis on 127.0.0.1 (see bench/stack.py) and the Debian `wrk` package.
Practica runs on its own database (`bench_api`, reused between runs; `--fresh` drops it)
under gunicorn with the production settings and 4 sync workers on 127.0.0.1, seeded as
bench/pages_load.py seeds it (one community; threads of 10 replies, 1,000 top-level and
1,000 nested replies). One member reads the help request list and the 1,000-reply threads
as pages (signed in by session) and through the API (a personal access token), with the
API's rate limit off for the run. wrk runs 20 connections against each URL in turn,
`--rounds` times; the table gives the median over rounds and the ratio to /healthz.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pages_load, stack  # noqa: E402

DATABASE = "bench_api"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    started = time.perf_counter()
    env = stack.prepare_practica(DATABASE, fresh=args.fresh)
    env["API_RATE_LIMIT"] = "0"  # one token reading as fast as it can is the point
    from django.conf import settings

    from api.services import token_create

    seeded = pages_load.seed_practica()
    stack.flush_redis()
    reader = seeded["reader"]
    session = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={pages_load.session_for(reader)}"}
    _, secret = token_create(user=reader, name="bench", scope="read")
    token = {"Authorization": f"Bearer {secret}"}
    slug = pages_load.SLUG
    threads = {
        label: url.rstrip("/").rsplit("/", 1)[-1] for label, url in seeded["threads"].items()
    }
    print(f"ready in {time.perf_counter() - started:.0f} s", flush=True)

    with stack.gunicorn(app="cop_platform.wsgi", env=env, workers=args.workers) as base:
        urls = [("/healthz", base + "/healthz", {})]
        urls += [
            ("page: help request list", f"{base}/c/{slug}/help/", session),
            ("API: help request list", f"{base}/api/v1/communities/{slug}/requests", token),
        ]
        for label in ("1,000 replies flat", "1,000 replies nested"):
            pk = threads[label]
            urls += [
                (f"page: thread, {label}", f"{base}/c/{slug}/help/{pk}/", session),
                (f"API: thread, {label}", f"{base}/api/v1/communities/{slug}/requests/{pk}", token),
            ]
        measure(urls, args, ready=base + "/healthz")


def measure(urls, args, *, ready: str) -> None:
    sizes = {}
    for name, url, headers in urls:
        status, _, body = stack.request("GET", url, headers=headers)
        if status != 200:
            sys.exit(f"{name} answered {status} at {url}: not measuring what is not there")
        sizes[name] = len(body)
        pages_load.wrk(url, {}, headers=headers, seconds=2, connections=args.connections)  # warm every worker
        pages_load.settle(ready)
    rounds: dict[str, list[dict]] = {name: [] for name, *_ in urls}
    for n in range(args.rounds):
        for name, url, headers in urls:
            rounds[name].append(
                pages_load.wrk(url, {}, headers=headers, seconds=args.seconds, connections=args.connections)
            )
            pages_load.settle(ready)
        print(f"  round {n + 1} of {args.rounds} done", flush=True)

    def median(name, key):
        return statistics.median(r[key] for r in rounds[name])

    healthz = median("/healthz", "rps")
    print(
        f"\n{args.connections} connections, gunicorn -w {args.workers}, {args.rounds} × {args.seconds:g} s "
        f"per URL, median of rounds; {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M %Z')}\n"
    )
    print(
        f"| {'URL':36} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'KiB':>6} | {'÷ /healthz':>10} | {'errors':>6} |"
    )
    print(
        f"| {'-' * 36} | {'-' * 7}:| {'-' * 7}:| {'-' * 7}:| {'-' * 6}:| {'-' * 10}:| {'-' * 6}:|"
    )
    for name, *_ in urls:
        rps = median(name, "rps")
        errors = sum(r["errors"] for r in rounds[name])
        print(
            f"| {name:36} | {rps:7.1f} | {median(name, 'p50'):7.0f} | {median(name, 'p95'):7.0f} "
            f"| {sizes[name] / 1024:6.1f} | {rps / healthz if healthz else 0:10.0%} | {errors:6d} |"
        )


if __name__ == "__main__":
    main()
