"""`make run` (manage.py rundev): the web server, a Celery worker and beat, with an embedded broker.

Without REDIS_URL the processes share kombu's filesystem transport under VAR_DIR/celery;
plain `manage.py runserver` keeps running tasks in-process.
"""

import json
import os
import shelve
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from celery import Celery

from cop_platform.management.commands.rundev import child_commands, child_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CELERY_VARIABLES = (
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
)
PRINT_CELERY_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
    "'results': s.CELERY_RESULT_BACKEND, "
    "'options': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', None)}))"
)


def development_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The developer's environment: development settings, no Celery configuration, our VAR_DIR."""
    env = {k: v for k, v in os.environ.items() if k not in CELERY_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", VAR_DIR=str(var_dir))
    env.update(overrides)
    return env


def celery_settings(env: dict[str, str]) -> dict:
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", PRINT_CELERY_SETTINGS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# The settings -------------------------------------------------------------------


def test_without_a_broker_tasks_run_in_process(tmp_path):
    """`manage.py runserver` alone: no worker exists, so tasks must run eagerly."""
    found = celery_settings(development_env(tmp_path))

    assert found["eager"] is True
    assert found["broker"] == "memory://"
    assert found["options"] is None
    assert not (tmp_path / "celery").exists()


def test_the_filesystem_broker_is_configured_only_when_asked(tmp_path):
    found = celery_settings(development_env(tmp_path, CELERY_BROKER_URL="filesystem://"))

    assert found["eager"] is False
    assert found["broker"] == "filesystem://"
    queue = str(tmp_path / "celery" / "queue")
    assert found["options"]["data_folder_in"] == found["options"]["data_folder_out"] == queue
    assert found["options"]["control_folder"] == str(tmp_path / "celery" / "control")
    assert found["results"] == f"file://{tmp_path / 'celery' / 'results'}"
    for folder in ("queue", "control", "processed", "results"):
        assert (tmp_path / "celery" / folder).is_dir()


def test_redis_is_the_broker_when_redis_url_is_set(tmp_path):
    found = celery_settings(development_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/9"))

    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/9"
    assert found["options"] is None


# What rundev starts ---------------------------------------------------------------


def test_rundev_gives_its_children_the_embedded_broker_without_redis():
    env = child_environment({"PATH": "/usr/bin"})

    assert env["CELERY_BROKER_URL"] == "filesystem://"
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"
    assert env["PATH"] == "/usr/bin"


def test_rundev_leaves_redis_as_the_broker_when_it_is_set():
    env = child_environment({"REDIS_URL": "redis://127.0.0.1:6379/0"})

    assert "CELERY_BROKER_URL" not in env
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "false"


def test_rundev_keeps_a_broker_the_developer_chose():
    env = child_environment({"CELERY_BROKER_URL": "redis://elsewhere:6379/1"})

    assert env["CELERY_BROKER_URL"] == "redis://elsewhere:6379/1"


def test_rundev_does_not_change_its_own_environment(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)

    child_environment(os.environ)

    assert "CELERY_BROKER_URL" not in os.environ


def test_rundev_runs_a_worker_beat_and_the_development_server(tmp_path):
    commands = dict(child_commands("127.0.0.1:8123", var_dir=tmp_path))

    celery = [sys.executable, "-m", "celery", "--app=cop_platform"]
    assert commands["worker"][:5] == [*celery, "worker"]
    assert "--pool=solo" in commands["worker"]
    assert commands["beat"][:5] == [*celery, "beat"]
    assert f"--schedule={tmp_path / 'celery' / 'beat-schedule'}" in commands["beat"]
    assert commands["web"][-2:] == ["runserver", "127.0.0.1:8123"]
    assert set(dict(child_commands("127.0.0.1:8123", var_dir=tmp_path, web=False))) == {
        "worker",
        "beat",
    }


# A real run -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (command) state ppid ...": the command may hold spaces, so split after ")".
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(check, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}")


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc (Linux)")
def test_rundev_serves_runs_tasks_through_the_filesystem_broker_and_stops_everything(tmp_path):
    port = free_port()
    env = development_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    rundev = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "rundev", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # A producer as the web process is one: the same broker folders, seen from outside.
    # Not the current app: shared tasks would otherwise resolve to this probe in the tests after
    # this one in the same process, and publish to its broker instead of running eagerly.
    probe = Celery("probe", set_as_current=False)
    probe.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(tmp_path / "celery" / "queue"),
            "data_folder_out": str(tmp_path / "celery" / "queue"),
            "control_folder": str(tmp_path / "celery" / "control"),
        },
        result_backend=f"file://{tmp_path / 'celery' / 'results'}",
        task_serializer="json",
        accept_content=["json"],
    )
    try:
        health = wait_for(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status,  # noqa: S310
            timeout=20,
            what="the web server",
        )
        assert health == 200
        # Newcomers trying the demo see the styled 404, not Django's list of every URL pattern.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)  # noqa: S310
        assert missing.value.code == 404
        not_found = missing.value.read().decode()
        assert "We can't find that page" in not_found
        assert "Using the URLconf" not in not_found

        result = probe.send_task("celery.accumulate", args=[1, 2])
        assert result.get(timeout=20) == [1, 2]

        # The worker, beat, runserver and runserver's autoreloaded server.
        children = descendants(rundev.pid)
        assert len(children) >= 4
        # Ctrl-C in the terminal reaches rundev only: its children run in sessions of their own.
        rundev.send_signal(signal.SIGINT)
        rundev.wait(timeout=30)
    finally:
        if rundev.poll() is None:
            rundev.kill()
            rundev.wait()
        output = rundev.stdout.read().decode(errors="replace")
        rundev.stdout.close()

    assert rundev.returncode == 0, output
    assert "embedded filesystem broker" in output
    assert "celery@" in output and "beat: Starting" in output
    # Nothing is left behind.
    assert [pid for pid in children if alive(pid)] == []
    # Beat ran on the project's schedule, kept under VAR_DIR.
    with shelve.open(str(tmp_path / "celery" / "beat-schedule"), flag="r") as schedule:  # noqa: S301 - written by our beat
        assert "meetings-send-due-reminders" in schedule["entries"]
        assert "digests-send-due-digests" in schedule["entries"]
