"""Real Celery worker processes for the tests that kill one mid-batch (reminders, webhooks).

A `WorkerRun` starts `celery -A cop_platform worker` processes on a queue of its own and
runs the sweep in a subprocess, all on the test database pytest-django created (so these
tests need PostgreSQL) and a Redis broker whose keys live under the run's id, which
`close()` deletes with the workers, whatever happened.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

TIMEOUT = 90


def database_url() -> str:
    """The URL of the test database this process uses, for the worker processes."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


class WorkerRun:
    """The worker processes and sweeps of one test run; `close()` always cleans up.

    `env(run_id)` gives the variables the run's settings module reads (its broker, its
    queue named after the run id, leases); `sweep` is the Python code that enqueues what
    is due and prints how many.
    """

    def __init__(
        self,
        tmp_path: Path,
        *,
        name: str,
        settings_module: str,
        sweep: str,
        broker_url: str,
        env,
        concurrency: int = 2,
    ):
        self.id = f"{name}-{uuid.uuid4().hex[:12]}"
        self.logs = tmp_path
        self.broker_url = broker_url
        self.sweep_code = sweep
        self.concurrency = concurrency
        self.workers: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **env(self.id),
        }

    def start_worker(self, name: str, **extra_env: str) -> subprocess.Popen:
        log = open(self.logs / f"worker-{name}.log", "wb")  # noqa: SIM115 - the process owns it
        command = [
            sys.executable, "-m", "celery", "-A", "cop_platform", "worker",
            "--pool", "prefork", "--concurrency", str(self.concurrency), "--loglevel", "INFO",
            "--queues", self.id, "--hostname", f"{self.id}-{name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool's children die with it
        )
        log.close()
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)

    def sweep(self) -> int:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", self.sweep_code],
            cwd=settings.BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return int(done.stdout.strip().splitlines()[-1])

    def broker_counts(self) -> Mapping[str, int]:
        """Messages taken but not acknowledged, and still queued, on the run's queue."""
        client = redis.Redis.from_url(self.broker_url)
        try:
            return {
                "unacked": client.hlen(f"{self.id}:unacked"),
                "queued": client.llen(f"{self.id}:{self.id}"),
            }
        finally:
            client.close()

    def worker_logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )

    def wait_for(self, condition, *, what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"Timed out after {timeout}s waiting for {what}.\n{self.worker_logs()}")
            time.sleep(0.05)

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(worker)
        client = redis.Redis.from_url(self.broker_url)
        for key in client.scan_iter(match=f"{self.id}*"):
            client.delete(key)
        client.close()
