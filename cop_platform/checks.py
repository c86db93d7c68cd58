"""Checks of the database itself, run by `migrate` and `check --database default`."""

from django.core.checks import Tags, Warning, register
from django.db import connections


@register(Tags.database)
def postgresql_runs_without_jit(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """The JIT compiler spent 590 ms compiling a 20 ms health aggregate.

    The settings cannot turn it off per connection (PgBouncer in transaction mode refuses
    startup options), so the database or role must; this says when it has not.
    """
    warnings = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            (jit,) = cursor.fetchone()
        if jit != "off":
            name = connection.settings_dict["NAME"]
            warnings.append(
                Warning(
                    f"PostgreSQL's JIT compiler is on for the database {name!r}: it makes the "
                    "health pages' aggregates several times slower.",
                    hint=f'Run once: ALTER DATABASE "{name}" SET jit = off; '
                    "(or ALTER ROLE <the app role> SET jit = off;), then reconnect.",
                    id="cop_platform.W001",
                )
            )
    return warnings
