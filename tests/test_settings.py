"""Production settings refuse to start without their secrets; the env helpers refuse junk."""

import ast
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cop_platform.settings.env import env_bool, env_int, env_list, env_required, env_str

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETUP_PRODUCTION = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cop_platform.settings.production'; django.setup()"


def production_env(**overrides: str | None) -> dict[str, str]:
    """The current environment with production secrets set; None removes a variable."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="practica.example.org",
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("secret_key", [None, "", "   "])
def test_production_refuses_to_start_without_a_secret_key(secret_key):
    result = run_python(["-c", SETUP_PRODUCTION], production_env(SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("allowed_hosts", [None, "", " , "])
def test_production_refuses_to_start_without_allowed_hosts(allowed_hosts):
    result = run_python(["-c", SETUP_PRODUCTION], production_env(ALLOWED_HOSTS=allowed_hosts))

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("redis_url", [None, "", "  "])
def test_production_refuses_to_start_without_redis(redis_url):
    """Rate limits counted per gunicorn worker would let each person post four times the limit."""
    result = run_python(["-c", SETUP_PRODUCTION], production_env(REDIS_URL=redis_url))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_production_shares_the_cache_through_redis():
    result = run_python(
        ["-c", SETUP_PRODUCTION + "; from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"],
        production_env(REDIS_URL="redis://redis.internal:6379/3"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_production_starts_with_its_secrets():
    result = run_python(
        [
            "-c",
            SETUP_PRODUCTION
            + "; from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        ],
        production_env(DEBUG="true"),
    )

    assert result.returncode == 0, result.stderr
    # DEBUG stays off in production whatever the environment says.
    assert result.stdout.strip() == "False ['practica.example.org']"


def test_production_passes_the_deployment_checks():
    env = production_env()
    env["DJANGO_SETTINGS_MODULE"] = "cop_platform.settings.production"

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


# The environment helpers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("PRACTICA_FLAG", raw)

    assert env_bool("PRACTICA_FLAG", not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch, default):
    monkeypatch.delenv("PRACTICA_FLAG", raising=False)

    assert env_bool("PRACTICA_FLAG", default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y"])
def test_env_bool_refuses_junk(monkeypatch, raw):
    monkeypatch.setenv("PRACTICA_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="PRACTICA_FLAG"):
        env_bool("PRACTICA_FLAG")


@pytest.mark.parametrize(
    ("raw", "expected"), [("14", 14), (" 7 ", 7), ("-1", -1), ("", 30), ("  ", 30)]
)
def test_env_int_reads_integers_and_blank_means_default(monkeypatch, raw, expected):
    monkeypatch.setenv("PRACTICA_DAYS", raw)

    assert env_int("PRACTICA_DAYS", 30) == expected


def test_env_int_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("PRACTICA_DAYS", raising=False)

    assert env_int("PRACTICA_DAYS", 30) == 30


@pytest.mark.parametrize("raw", ["fourteen", "1.5", "14d", "0x10"])
def test_env_int_refuses_junk(monkeypatch, raw):
    monkeypatch.setenv("PRACTICA_DAYS", raw)

    with pytest.raises(ImproperlyConfigured, match="PRACTICA_DAYS"):
        env_int("PRACTICA_DAYS", 30)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("PRACTICA_HOSTS", " a.example , ,b.example,")

    assert env_list("PRACTICA_HOSTS") == ["a.example", "b.example"]


def test_env_list_default_is_a_copy(monkeypatch):
    monkeypatch.delenv("PRACTICA_HOSTS", raising=False)
    default = ["localhost"]

    hosts = env_list("PRACTICA_HOSTS", default)
    hosts.append("evil.example")

    assert default == ["localhost"]


def test_env_required_refuses_a_missing_or_blank_value(monkeypatch):
    monkeypatch.setenv("PRACTICA_SECRET", "  ")
    with pytest.raises(ImproperlyConfigured, match="PRACTICA_SECRET"):
        env_required("PRACTICA_SECRET")

    monkeypatch.setenv("PRACTICA_SECRET", " s3cret ")
    assert env_required("PRACTICA_SECRET") == "s3cret"


def test_env_str_default(monkeypatch):
    monkeypatch.delenv("PRACTICA_NAME", raising=False)

    assert env_str("PRACTICA_NAME", "Practica") == "Practica"


@pytest.mark.django_db
def test_postgresql_connections_run_without_the_jit_compiler():
    """The health aggregates took 590 ms of JIT compilation for 20 ms of work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


# The database connection, as PgBouncer in transaction mode needs it ----------------

PRINT_DATABASE = (
    SETUP_PRODUCTION
    + "; from django.conf import settings; db = settings.DATABASES['default']; "
    "print(repr((db.get('OPTIONS', {}), db['DISABLE_SERVER_SIDE_CURSORS'], db['CONN_MAX_AGE'], "
    "db['CONN_HEALTH_CHECKS'])))"
)
POSTGRES_URL = "postgres://practica@pgbouncer.internal:6432/practica"


def database_settings(**overrides: str | None) -> tuple:
    result = run_python(["-c", PRINT_DATABASE], production_env(DATABASE_URL=POSTGRES_URL, **overrides))
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip())


def test_postgresql_connections_carry_no_startup_options():
    """PgBouncer in transaction mode refuses a connection with `options` (such as `-c jit=off`)."""
    options, *_ = database_settings()

    assert "options" not in options


def test_server_side_cursors_stay_on_unless_turned_off_for_pgbouncer():
    assert database_settings(DB_DISABLE_SERVER_SIDE_CURSORS=None)[1] is False
    assert database_settings(DB_DISABLE_SERVER_SIDE_CURSORS="true")[1] is True


def test_connection_age_and_health_checks_come_from_the_environment():
    assert database_settings(DB_CONN_MAX_AGE=None, DB_CONN_HEALTH_CHECKS=None)[2:] == (60, True)
    assert database_settings(DB_CONN_MAX_AGE="0", DB_CONN_HEALTH_CHECKS="false")[2:] == (0, False)


@pytest.mark.django_db
def test_the_database_check_warns_while_postgresql_runs_the_jit_compiler():
    from django.db import connection

    from cop_platform.checks import postgresql_runs_without_jit

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
    warnings = postgresql_runs_without_jit(databases=["default"])

    assert [w.id for w in warnings] == ["cop_platform.W001"]
    assert "ALTER DATABASE" in warnings[0].hint


@pytest.mark.django_db
def test_the_database_check_is_quiet_once_the_jit_compiler_is_off():
    from cop_platform.checks import postgresql_runs_without_jit

    assert postgresql_runs_without_jit(databases=["default"]) == []
