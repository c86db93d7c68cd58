"""Full-text and trigram indexes for search, PostgreSQL only.

SQLite has neither GIN indexes nor pg_trgm; search falls back to substring
matching there (discussions/search.py), so this migration does nothing on it.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS discussions_helprequest_search_gin "
    "ON discussions_helprequest USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS discussions_helprequest_title_trgm "
    "ON discussions_helprequest USING gin (title gin_trgm_ops)",
    # pg_trgm declares its operators as cheap as `=` (COST 1), so the planner prefers a
    # sequential scan computing word_similarity for every row (177 ms at 20,000 requests)
    # over the trigram index (11 ms). Tell it the truth; skip quietly where the database
    # user does not own the extension (the index then still serves selective queries).
    """
    DO $$ BEGIN
        ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100;
        ALTER FUNCTION similarity_op(text, text) COST 100;
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END $$
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS discussions_helprequest_title_trgm",
    "DROP INDEX IF EXISTS discussions_helprequest_search_gin",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


def backfill(apps, schema_editor):
    """Vectors for requests written before search existed (title A, body B, replies C)."""
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
        WHERE r.search_vector IS NULL
        """
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0002_rendered_body_html"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
