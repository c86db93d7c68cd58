"""100 webhook deliveries through real Redis and real Celery worker processes, one worker killed.

The receiver (`receiver.py`, a real HTTP server on 127.0.0.1) stops answering once
`KILL_AFTER` requests are answered, so both processes of the first worker hang in
the middle of a POST the receiver has already read. That worker is killed with
SIGKILL, a second worker is started, and the sweep runs twice more (once after the
killed sends' claims have outlived their shortened lease).

What the design guarantees (`webhooks.delivery`): a delivery is claimed before it is
sent and recorded after the receiver answers, so no two workers send it at once and
nothing recorded is sent again. A send that reached the receiver but whose answer was
never recorded (the worker died in between) is sent again after the lease, with the
same `webhook-id` and body: at least once, deduplicated by the receiver on that id.
So every event arrives, signed; exactly the deliveries in flight at the kill arrive
twice, under the same `webhook-id`; everything else arrives once.

Needs REDIS_URL and PostgreSQL: the worker processes use the test database that
pytest-django created, which an in-memory SQLite database cannot share. All broker
keys live under a prefix unique to the run (`delivery_worker_settings.py`).
"""

import json
import os
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier

from tests.factories import CommunityFactory
from tests.workers import WorkerRun
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook

from . import receiver as receiver_module

REDIS_URL = os.environ.get("REDIS_URL", "")
IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: a real Redis for the Celery broker"),
    pytest.mark.skipif(
        not IS_POSTGRES,
        reason="needs PostgreSQL (DATABASE_URL): worker processes must share the test database",
    ),
    pytest.mark.django_db(transaction=True),
]

DELIVERIES = 100
LEASE_SECONDS = 3
# Longer than the wait for both held sends, shorter than the task's soft time limit (30 s).
SEND_TIMEOUT_SECONDS = 25
# The kill comes once this many deliveries are answered and both worker processes hang mid-send.
KILL_AFTER = 50
CONCURRENCY = 2
SWEEP = (
    "import django; django.setup(); "
    "from webhooks.tasks import send_due_deliveries; print(send_due_deliveries())"
)


class Run(WorkerRun):
    """The workers and sweeps of one test run; always cleaned up."""

    def __init__(self, tmp_path: Path):
        super().__init__(
            tmp_path,
            name="webhooks-worker-test",
            settings_module="tests.webhooks.delivery_worker_settings",
            sweep=SWEEP,
            broker_url=REDIS_URL,
            concurrency=CONCURRENCY,
            env=lambda run_id: {
                "WEBHOOKS_LEASE_SECONDS": str(LEASE_SECONDS),
                "WEBHOOKS_TIMEOUT_SECONDS": str(SEND_TIMEOUT_SECONDS),
                "WEBHOOK_TEST_RUN": run_id,
                "WEBHOOK_TEST_BROKER_URL": REDIS_URL,
            },
        )


@pytest.fixture
def run(tmp_path):
    run = Run(tmp_path)
    try:
        yield run
    finally:
        run.close()


@pytest.fixture
def receiver():
    rec, server = receiver_module.start()
    try:
        yield rec
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def hook(receiver):
    community = CommunityFactory()
    hook = Webhook.objects.create(community=community, url=receiver.url)
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(
            webhook=hook,
            message_id=f"msg_{uuid.uuid4().hex}",
            event=Event.MEMBER_JOINED,
            payload={
                "type": Event.MEMBER_JOINED,
                "timestamp": now.isoformat(),
                "data": {"community": {"slug": community.slug}, "n": n},
            },
            created_at=now,
            next_attempt_at=now,
        )
        for n in range(DELIVERIES)
    )
    return hook


def test_webhooks_arrive_once_but_for_the_sends_in_flight_when_the_worker_is_killed(
    run, receiver, hook
):
    started = time.monotonic()
    rows = Delivery.objects.filter(webhook=hook)
    receiver.hold_after = KILL_AFTER
    first = run.start_worker("a")
    enqueued_first = run.sweep()
    assert enqueued_first == DELIVERIES

    # Both worker processes are now inside a POST that the receiver has read but not answered.
    run.wait_for(
        lambda: len(receiver.held) == CONCURRENCY,
        what="both worker processes to be mid-send",
    )
    broker = run.broker_counts()
    unacked_at_kill, queued_at_kill = broker["unacked"], broker["queued"]
    run.kill(first)
    killed_at = time.monotonic()
    with receiver.lock:
        received_at_kill = len(receiver.received)
        held_ids = {r["headers"]["webhook-id"] for r in receiver.held}
    receiver.hold_after = 0
    receiver.release.set()
    succeeded_at_kill = rows.filter(status=DeliveryStatus.SUCCEEDED).count()
    in_flight = rows.exclude(status=DeliveryStatus.SUCCEEDED).filter(claimed_at__isnull=False)
    # Everything answered was recorded; the held sends are claimed and not recorded.
    assert succeeded_at_kill == received_at_kill - CONCURRENCY
    assert KILL_AFTER <= succeeded_at_kill < DELIVERIES
    assert set(in_flight.values_list("message_id", flat=True)) == held_ids
    assert len(held_ids) == CONCURRENCY

    run.start_worker("b")
    # The sweep runs again at once (a live claim keeps its delivery unless the lease is over)...
    enqueued_second = run.sweep()
    # ...and again once the killed sends' claims have outlived their lease.
    time.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
    enqueued_third = run.sweep()
    run.wait_for(
        lambda: not rows.exclude(status=DeliveryStatus.SUCCEEDED).exists(),
        what=f"all {DELIVERIES} deliveries to succeed",
    )
    elapsed = time.monotonic() - started

    received = list(receiver.received)
    ids = Counter(r["headers"]["webhook-id"] for r in received)
    expected = set(rows.values_list("message_id", flat=True))
    duplicates = {mid: n for mid, n in ids.items() if n > 1}
    assert set(ids) == expected
    # Only the sends in flight at the kill arrived twice, and the receiver can tell by the
    # webhook-id: the same id with the same body, each copy signed.
    assert duplicates == dict.fromkeys(held_ids, 2)
    assert len(received) == DELIVERIES + CONCURRENCY
    verifier = Verifier(hook.secret)
    payloads = {}
    for request in received:
        payload = verifier.verify(request["body"], request["headers"])
        assert payloads.setdefault(request["headers"]["webhook-id"], payload) == payload
    by_id = {row.message_id: row for row in rows}
    assert all(payloads[mid] == json.loads(json.dumps(row.payload)) for mid, row in by_id.items())
    # The two sends killed mid-way were claimed twice; everything else once.
    attempts = Counter(rows.values_list("attempts", flat=True))
    assert attempts == {1: DELIVERIES - CONCURRENCY, 2: CONCURRENCY}
    assert {by_id[mid].attempts for mid in held_ids} == {2}

    print(
        f"\nwebhook worker test: {DELIVERIES} deliveries in {elapsed:.1f}s; killed after "
        f"{succeeded_at_kill} answered with {len(held_ids)} sends in flight ({unacked_at_kill} unacked "
        f"and {queued_at_kill} queued messages in Redis); sweeps enqueued {enqueued_first}, "
        f"{enqueued_second}, {enqueued_third}; requests {len(received)}, sent twice {len(duplicates)}"
    )
