"""One search vector per post: the request's covers its title and body, each reply its own.

Until now a request's vector also held the text of all its replies, recomputed on
every reply; a reply now re-indexes itself alone (discussions/search.py). This adds
the GIN index the reply vectors are searched by, and rebuilds the vectors written
the old way: requests without their replies' text, and every visible reply's own
(removed replies keep none). PostgreSQL only; SQLite searches the text columns.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS discussions_reply_search_gin "
    "ON discussions_reply USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS discussions_reply_search_gin",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE discussions_reply SET search_vector = "
        "setweight(to_tsvector('english', coalesce(body, '')), 'C') WHERE NOT is_removed"
    )
    schema_editor.execute(
        "UPDATE discussions_reply SET search_vector = NULL WHERE is_removed AND search_vector IS NOT NULL"
    )
    schema_editor.execute(
        "UPDATE discussions_helprequest SET search_vector = "
        "setweight(to_tsvector('english', coalesce(title, '')), 'A') "
        "|| setweight(to_tsvector('english', coalesce(body, '')), 'B')"
    )


def restore_thread_vectors(apps, schema_editor):
    """Back to one vector per thread with its replies folded in (as migration 0003 built it)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        UPDATE discussions_helprequest AS r SET search_vector =
            setweight(to_tsvector('english', coalesce(r.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(r.body, '')), 'B')
            || setweight(to_tsvector('english', coalesce((
                SELECT string_agg(p.body, ' ') FROM discussions_reply AS p
                WHERE p.help_request_id = r.id AND NOT p.is_removed
            ), '')), 'C')
        """
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0006_submission_keys"),
    ]

    operations = [
        # Vectors first, then the index: building a GIN index once is cheaper than keeping it
        # up to date through a table-wide UPDATE.
        migrations.RunPython(backfill, restore_thread_vectors),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
