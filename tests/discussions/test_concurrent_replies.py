"""Many people replying at once, in real concurrent transactions on PostgreSQL.

Before each thread had its own reply tree, top-level replies anywhere on the
platform were numbered after the last root of any thread, and 365 of 400
concurrent replies failed on the unique `path`. Now writers in different threads
never contend and writers in one thread wait for the thread's row lock.
"""

import random
import threading

import pytest
from django.db import connection

from discussions.models import STEPLEN, Reply
from discussions.services.posting import reply_create
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

WRITERS = 12
REPLIES_EACH = 8

pytestmark = [
    pytest.mark.skipif(
        not connection.features.has_select_for_update, reason="needs row locks (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True),
]


def assert_tree_is_sound(help_request) -> None:
    replies = list(Reply.objects.filter(help_request=help_request))
    by_path = {r.path: r for r in replies}
    assert len(by_path) == len(replies), "two replies share a path"
    for reply in replies:
        assert len(reply.path) == reply.depth * STEPLEN
        if reply.depth > 1:
            assert reply.path[:-STEPLEN] in by_path, f"reply {reply.pk} has no parent"
        children = [r for r in replies if r.depth == reply.depth + 1 and r.path.startswith(reply.path)]
        below = [r for r in replies if r.depth > reply.depth and r.path.startswith(reply.path)]
        assert reply.numchild == len(children)
        assert reply.descendant_count == len(below)


def test_concurrent_top_level_and_nested_replies_are_all_saved(settings):
    settings.DISCUSSIONS_RATE_LIMITS = {"request": (1000, 600), "reply": (1000, 600)}
    communities = [CommunityFactory(), CommunityFactory()]
    threads = [
        HelpRequestFactory(community=communities[0]),
        HelpRequestFactory(community=communities[0]),
        HelpRequestFactory(community=communities[1]),
    ]
    writers = [UserFactory() for _ in range(WRITERS)]
    for person in writers:
        for community in communities:
            MembershipFactory(community=community, user=person)
    start = threading.Barrier(WRITERS)
    errors = []

    def write(person, seed):
        rng = random.Random(seed)
        try:
            start.wait()
            for n in range(REPLIES_EACH):
                help_request = threads[rng.randrange(len(threads))]
                # Half nested under an existing reply of the thread, half top-level.
                parent = None
                if n % 2:
                    parent = (
                        Reply.objects.filter(help_request=help_request).order_by("?").first()
                    )
                reply_create(
                    help_request=help_request, by=person, body=f"Reply {n} by {person.pk}", parent=parent
                )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(p, i)) for i, p in enumerate(writers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert Reply.objects.filter(help_request__in=threads).count() == WRITERS * REPLIES_EACH
    for help_request in threads:
        help_request.refresh_from_db()
        assert help_request.reply_count == Reply.objects.filter(help_request=help_request).count()
        assert_tree_is_sound(help_request)


def test_each_thread_numbers_its_own_top_level_replies():
    first, second = HelpRequestFactory(), HelpRequestFactory()
    a = Reply.objects.add_root({"help_request": first, "body": "a"})
    b = Reply.objects.add_root({"help_request": second, "body": "b"})
    assert a.path == b.path == "00001"
