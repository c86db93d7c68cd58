"""The stack the load benchmarks run: a PostgreSQL database of their own, Redis, gunicorn.

Used by `load_posting.py` and `pages_load.py`; not a benchmark itself. Everything runs on
127.0.0.1: the databases at `BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432),
Redis at `BENCH_REDIS` (default redis://127.0.0.1:6379/7, a database the benchmarks flush),
gunicorn with production settings and `--workers` sync workers on a free port.

Call `setup_django(database)` before importing any model: it points this process at the
same database and settings as the server it will start, so seeding and the sessions it
makes are the server's.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")
# One secret per run, shared by this process (which makes the sessions) and the server.
SECRET_KEY = secrets.token_urlsafe(50)
# Posting limits raised for the run: 50 people posting as fast as they can is the point.
RAISED_LIMITS = {
    "DISCUSSIONS_REQUESTS_PER_10_MIN": "1000000",
    "DISCUSSIONS_REPLIES_PER_10_MIN": "1000000",
    "ACCOUNT_RATE_LIMITS_ENABLED": "false",
}


def practica_env(database: str) -> dict[str, str]:
    """The environment of Practica's production settings on the benchmark's database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cop_platform.settings.production",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"{POSTGRES}/{database}",
        REDIS_URL=REDIS,
        CACHE_KEY_PREFIX=f"bench-{database}",
        VAR_DIR=str(VAR / "practica"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    # Any other limit a later change adds can be raised the same way from the caller's shell.
    for key, value in RAISED_LIMITS.items():
        env.setdefault(key, value)
    return env


def ensure_database(name: str, *, fresh: bool = False) -> bool:
    """Create the database (dropped first when `fresh`); True when it was created now.

    It runs without PostgreSQL's JIT compiler, as the README asks of production databases.
    """
    import psycopg2

    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            if fresh:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            created = cursor.fetchone() is None
            if created:
                cursor.execute(f'CREATE DATABASE "{name}"')
            cursor.execute(f'ALTER DATABASE "{name}" SET jit = off')
    finally:
        admin.close()
    return created


def flush_redis() -> None:
    """Empty the benchmark's Redis database: rate-limit counters and queued tasks of earlier runs."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def setup_django(database: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(practica_env(database))
    import django

    django.setup()


def prepare_practica(database: str, *, fresh: bool = False) -> dict[str, str]:
    """A migrated Practica database with collected static files, Redis flushed and Django set up
    in this process on that database. Returns the environment gunicorn runs with."""
    created = ensure_database(database, fresh=fresh)
    flush_redis()
    env = practica_env(database)
    manage(env, "migrate", "--noinput", "-v0")
    if created or fresh or not (VAR / "practica" / "staticfiles").exists():
        manage(env, "collectstatic", "--noinput", "-v0")
    setup_django(database)
    return env


def manage(env: dict[str, str], *args: str, python: str = sys.executable, cwd: Path = ROOT) -> None:
    subprocess.run([python, "manage.py", *args], cwd=cwd, env=env, check=True)  # noqa: S603


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    *,
    app: str,
    env: dict[str, str],
    workers: int = 4,
    python: str = sys.executable,
    cwd: Path = ROOT,
    name: str = "practica",
    ready_path: str = "/healthz",
):
    """A gunicorn of `workers` sync workers on 127.0.0.1; yields its base URL, stops it after."""
    port = free_port()
    VAR.mkdir(parents=True, exist_ok=True)
    log = open(VAR / f"{name}-gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603
        [
            python, "-m", "gunicorn", app,
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--timeout", "120",
            "--graceful-timeout", "5",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name}'s gunicorn exited; see {log.name}")
            try:
                status, _, _ = request("GET", base + ready_path, timeout=5)
                if status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}'s gunicorn did not answer {ready_path} in 60 s; see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        # Only the server this call started, by its own process group.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


# A small HTTP client: one connection per request, as gunicorn's sync workers close them anyway.


def request(
    method: str,
    url: str,
    *,
    cookies: dict[str, str] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        sent = {"Host": parts.netloc, "User-Agent": "practica-bench"}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        sent.update(headers or {})
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        received: dict[str, str] = {}
        for key, value in response.getheaders():
            if key.lower() == "set-cookie" and cookies is not None:
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
            received[key.lower()] = value
        return response.status, received, data
    finally:
        connection.close()


class _Forms(HTMLParser):
    """Every <form method=post>: its action, and the name and value of each of its inputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "hidden": {}, "fields": set()}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            self._current["fields"].add(attrs["name"])
            if tag == "input" and (attrs.get("type") or "").lower() == "hidden":
                self._current["hidden"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_form(html: bytes, *, with_field: str) -> dict:
    """The first POST form on the page that has `with_field`: {"action", "hidden", "fields"}.

    A browser submits every hidden input of the form (the CSRF token, a one-time submission
    token, the parent of a nested reply...), so the benchmarks do too.
    """
    parser = _Forms()
    parser.feed(html.decode("utf-8", "replace"))
    for form in parser.forms:
        if with_field in form["fields"]:
            return form
    raise LookupError(f"no POST form with a {with_field!r} field on the page")
