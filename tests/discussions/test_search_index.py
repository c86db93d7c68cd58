"""The search index: one vector per post, kept up to date by the post's own write.

A reply re-indexes itself alone, so its cost does not grow with its thread and no
vector ever holds a whole thread (PostgreSQL refuses a tsvector over 1 MB). Tests
marked `postgresql_only` look at the stored vectors and the plans; the rest hold on
both databases.
"""

import importlib
import json
import random
import re
import string

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from discussions.models import HelpRequest, Reply
from discussions.search import SearchFilters, search_requests, update_search_vectors
from discussions.services.moderation import post_remove, post_restore
from discussions.services.posting import reply_create, reply_edit
from tests.discussions.finding_helpers import ask

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs PostgreSQL full-text search"
)


def found(user, q) -> list[HelpRequest]:
    return list(search_requests(user=user, filters=SearchFilters(q=q)))


def many_replies(thread, count: int, body=lambda n: f"Reply number {n} about nothing much.") -> None:
    """`count` top-level replies in one INSERT, numbered as the reply tree numbers them."""
    from discussions.models import ALPHABET, STEPLEN

    def step(n: int) -> str:
        digits = ""
        while n:
            n, rest = divmod(n, len(ALPHABET))
            digits = ALPHABET[rest] + digits
        return digits.rjust(STEPLEN, ALPHABET[0])

    Reply.objects.bulk_create(
        Reply(help_request=thread, author=thread.author, body=body(n), path=step(n), depth=1)
        for n in range(1, count + 1)
    )
    HelpRequest.objects.filter(pk=thread.pk).update(reply_count=count)
    thread.refresh_from_db()
    update_search_vectors(help_request=thread)


def random_words(rng: random.Random, characters: int) -> str:
    words, size = [], 0
    while size < characters:
        word = "".join(rng.choices(string.ascii_lowercase, k=9))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


# Written through the services, found by the search ------------------------------------------


def test_a_new_reply_is_found_as_soon_as_it_is_posted(community, member):
    thread = ask(community, "Pods restart at night")

    reply_create(help_request=thread, by=member, body="It was the zanzibar cron job.")

    assert found(member, "zanzibar") == [thread]


def test_an_edited_reply_is_found_by_its_new_words_only(community, member):
    thread = ask(community, "Pods restart at night")
    reply = reply_create(help_request=thread, by=member, body="It was the zanzibar cron job.")

    reply_edit(reply=reply, by=member, body="It was the madagascar cron job.")

    assert found(member, "zanzibar") == []
    assert found(member, "madagascar") == [thread]


def test_a_removed_reply_is_not_found_and_found_again_once_restored(community, member, moderator):
    thread = ask(community, "Pods restart at night")
    reply = reply_create(help_request=thread, by=member, body="It was the zanzibar cron job.")

    post_remove(post=reply, by=member)
    assert found(member, "zanzibar") == []

    post_restore(post=Reply.objects.get(pk=reply.pk), by=moderator)
    assert found(member, "zanzibar") == [thread]


def test_each_word_may_be_found_in_a_different_post_of_the_thread(community, member):
    thread = ask(community, "Helm chart upgrade hangs", "It waits forever.")
    reply_create(help_request=thread, by=member, body="Run a rollback first.")
    ask(community, "Helm values are ignored")

    assert found(member, "helm rollback") == [thread]


# PostgreSQL: the vectors themselves -----------------------------------------------------------


@postgresql_only
def test_the_request_vector_holds_its_title_and_body_and_each_reply_its_own_text(community, member):
    thread = ask(community, "Helm chart upgrade hangs", "It waits forever.")
    reply = reply_create(help_request=thread, by=member, body="Run a zanzibar rollback first.")

    thread.refresh_from_db()
    reply.refresh_from_db()
    assert "zanzibar" not in thread.search_vector
    assert "helm" in thread.search_vector
    assert re.search(r"'zanzibar':\d+C", reply.search_vector)


@postgresql_only
def test_a_removed_reply_keeps_no_vector(community, member):
    thread = ask(community, "Pods restart at night")
    reply = reply_create(help_request=thread, by=member, body="It was the zanzibar cron job.")

    post_remove(post=reply, by=member)

    reply.refresh_from_db()
    assert reply.search_vector is None


@postgresql_only
def test_a_reply_to_a_thread_of_more_than_a_megabyte_is_saved_and_found(community, member):
    thread = ask(community, "A very long incident thread")
    rng = random.Random(12)
    many_replies(thread, 120, body=lambda n: random_words(rng, 9_500))
    total = sum(len(body) for body in Reply.objects.filter(help_request=thread).values_list("body", flat=True))
    assert total > 1_100_000
    # The former design, one vector over the whole thread, is refused by PostgreSQL here.
    with (
        pytest.raises(DatabaseError, match="too long for tsvector"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT to_tsvector('english', string_agg(body, ' ')) FROM discussions_reply "
            "WHERE help_request_id = %s",
            [thread.pk],
        )

    reply = reply_create(help_request=thread, by=member, body="The zanzibar cron job did it.")

    assert Reply.objects.filter(pk=reply.pk).exists()
    assert found(member, "zanzibar") == [thread]
    assert found(member, "zanzibar incident") == [thread]


def _index_update_cost(thread, member) -> tuple[int, list[int]]:
    """Queries of a reply_create, and the rows each statement that writes a vector reads."""
    with CaptureQueriesContext(connection) as captured:
        reply_create(help_request=thread, by=member, body="One more zanzibar idea.")
    statements = [q["sql"] for q in captured.captured_queries if '"search_vector" =' in q["sql"]]
    rows = []
    for sql in statements:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        rows.append(_rows_read(plan[0]["Plan"]))
    return len(captured.captured_queries), rows


def _rows_read(node) -> int:
    own = 0 if node["Node Type"] == "ModifyTable" else node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


@postgresql_only
def test_a_replys_index_update_costs_the_same_at_10_and_at_1000_replies(community, member):
    short = ask(community, "A short thread")
    many_replies(short, 10)
    long = ask(community, "A long thread")
    many_replies(long, 1000)
    reply_create(help_request=short, by=member, body="Warm up: follows, caches.")
    reply_create(help_request=long, by=member, body="Warm up: follows, caches.")

    short_queries, short_rows = _index_update_cost(short, member)
    long_queries, long_rows = _index_update_cost(long, member)

    assert short_queries == long_queries
    assert short_rows == long_rows == [1]


@postgresql_only
def test_a_stop_word_among_the_words_is_skipped_and_stop_words_alone_find_nothing(community, member):
    thread = ask(community, "Helm chart upgrade hangs")

    assert found(member, "helm between") == [thread]
    assert found(member, "between those") == []


@postgresql_only
def test_an_excluded_word_in_any_reply_excludes_the_thread(community, member):
    thread = ask(community, "Helm chart upgrade hangs")
    reply_create(help_request=thread, by=member, body="Kafka was down at the time.")
    other = ask(community, "Helm values are ignored")

    assert found(member, "helm -kafka") == [other]


@postgresql_only
def test_replies_have_a_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'discussions_reply_search_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


@postgresql_only
def test_the_migration_rebuilds_vectors_written_the_former_way(community, member):
    thread = ask(community, "Helm chart upgrade hangs", "It waits forever.")
    reply = reply_create(help_request=thread, by=member, body="Run a zanzibar rollback first.")
    removed = reply_create(help_request=thread, by=member, body="Madagascar, maybe?")
    Reply.objects.filter(pk=removed.pk).update(is_removed=True)
    migration = importlib.import_module("discussions.migrations.0007_search_per_reply")
    # As the former design left them: the replies' text in the request's vector, none in replies.
    with connection.schema_editor() as editor:
        migration.restore_thread_vectors(None, editor)
    Reply.objects.update(search_vector=None)

    with connection.schema_editor() as editor:
        migration.backfill(None, editor)

    thread.refresh_from_db()
    reply.refresh_from_db()
    assert "zanzibar" not in thread.search_vector
    assert "zanzibar" in reply.search_vector
    assert Reply.objects.get(pk=removed.pk).search_vector is None
    assert found(member, "zanzibar") == [thread]
    assert found(member, "madagascar") == []
