"""`manage.py rundev`: the whole platform for development, as `make run` starts it.

Three processes, as in docker-compose.yml: Django's development server, a Celery
worker and Celery beat, so meeting reminders and digests really go out while you
try the demo. The broker is Redis when REDIS_URL is set; otherwise
an embedded one, kombu's filesystem transport, keeps the queue in `var/celery/`
(see the Celery section of `cop_platform/settings/base.py`). Only these processes
get that broker: `manage.py runserver` on its own still runs tasks in-process.

Ctrl-C (or SIGTERM) stops all of them; if one of them dies, the others are stopped too.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT_SECONDS = 10


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of the web server and the worker: a real broker, tasks not run eagerly."""
    env = dict(environ)
    if not env.get("REDIS_URL") and not env.get("CELERY_BROKER_URL"):
        env["CELERY_BROKER_URL"] = "filesystem://"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def child_commands(
    addrport: str, *, var_dir: Path, web: bool = True
) -> list[tuple[str, list[str]]]:
    """(name, argv) of each process to run, the worker first so the queue is read from the start."""
    schedule = Path(var_dir) / "celery" / "beat-schedule"
    celery = [sys.executable, "-m", "celery", "--app=cop_platform"]
    commands = [
        (
            "worker",
            # One process: enough for a demo, and SQLite prefers few writers.
            [
                *celery,
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
        ),
        ("beat", [*celery, "beat", f"--schedule={schedule}", "--loglevel=INFO"]),
    ]
    if web:
        commands.append(
            (
                "web",
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", addrport],
            )
        )
    return commands


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def stop(
    processes: list[tuple[str, subprocess.Popen]], *, timeout: float = STOP_TIMEOUT_SECONDS
) -> None:
    """Ask every process group to stop (a warm shutdown for Celery), then kill what is left."""
    for _name, process in processes:
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for _name, process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    # Whatever is left in a group (runserver's autoreloaded server) goes too.
    for _name, process in processes:
        _signal_group(process, signal.SIGKILL)
        process.wait()


class Command(BaseCommand):
    help = (
        "Run the development server with a Celery worker and beat (reminders and digests go out)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="Where runserver listens."
        )
        parser.add_argument(
            "--no-web",
            action="store_true",
            help="Run only the worker and beat (the web server runs elsewhere).",
        )

    def handle(self, *args, addrport: str, no_web: bool, **options):
        var_dir = Path(settings.VAR_DIR)
        (var_dir / "celery").mkdir(parents=True, exist_ok=True)
        env = child_environment(os.environ)
        if env.get("CELERY_BROKER_URL") == "filesystem://":
            broker = f"the embedded filesystem broker in {var_dir / 'celery'}"
        elif env.get("CELERY_BROKER_URL"):
            broker = "the broker in $CELERY_BROKER_URL"
        else:
            broker = "Redis ($REDIS_URL)"
        self.stdout.write(f"Celery worker and beat on {broker}.")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(
                f"Emails go to {settings.EMAIL_FILE_PATH}; site admins read them at /dev/mail/."
            )
        self.stdout.write("Ctrl-C stops everything.\n")

        # SIGTERM (`kill`, a supervisor) and SIGHUP (the terminal closed) stop everything as
        # Ctrl-C does: the children have sessions of their own, so nothing else would stop them.
        def interrupt(signum, frame):
            raise KeyboardInterrupt

        stopping_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {sig: signal.signal(sig, interrupt) for sig in stopping_signals}
        processes: list[tuple[str, subprocess.Popen]] = []
        try:
            for name, argv in child_commands(addrport, var_dir=var_dir, web=not no_web):
                # A process group of its own: stopping it stops its children too
                # (runserver's autoreloaded server).
                process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                    argv, env=env, cwd=settings.BASE_DIR, start_new_session=True
                )
                processes.append((name, process))
            self._kick_periodic_tasks(env)
            while True:
                for name, process in processes:
                    if process.poll() is not None:
                        raise CommandError(
                            f"The {name} stopped (exit code {process.returncode}); stopping the rest."
                        )
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the web server, the worker and beat...")
        finally:
            # A second Ctrl-C must not leave the children running; stopping has its own time limit.
            for sig in stopping_signals:
                signal.signal(sig, signal.SIG_IGN)
            stop(processes)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _kick_periodic_tasks(self, env: dict[str, str]) -> None:
        """Queue each periodic task once now: beat's first run of a 10-minute task is 10 minutes
        away, and the demo should show due digests and reminders at once. All are idempotent."""
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            subprocess.run(  # noqa: S603 - our interpreter, our arguments
                [sys.executable, "-m", "celery", "--app=cop_platform", "call", entry["task"]],
                env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, timeout=60, check=False,
            )
