"""Reminders for 200 RSVPs go out exactly once through real Redis and real Celery worker processes.

The worker is killed with SIGKILL while both of its processes are in the middle of
sending, a new worker is started, and the sweeper runs twice more (once after the
claims of the killed sends have outlived their lease). Every reminder must be
emailed exactly once: counted by Message-ID over the files the mail backend wrote.

Needs REDIS_URL and PostgreSQL: the worker processes use the test database that
pytest-django created, which an in-memory SQLite database cannot share. All broker
keys live under a prefix unique to the run (`reminder_worker_settings.py`), so the
test is safe on a Redis database that something else uses too.

The kill lands while the mail backend holds each send before accepting the message
(`slow_mail.py`), which is where a real worker spends its sending time: talking to
the mail server. The remaining gap, between the server accepting a message and
`sent_at` being recorded, is the at-least-once window `meetings.reminders.deliver`
documents; the stable Message-ID covers it.
"""

import email
import os
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from communities.models import Membership, Role
from meetings.models import ReminderDelivery, Rsvp, RsvpResponse
from tests.factories import CommunityFactory, UnitFactory, UserFactory
from tests.workers import WorkerRun

from .factories import MeetingSeriesFactory, OccurrenceFactory

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

PEOPLE = 200
LEASE_SECONDS = 3
SEND_DELAY_MS = 15
# The kill comes once this many reminders are out and both worker processes hang mid-send.
KILL_AFTER = 80
CONCURRENCY = 2
SWEEP = "import django; django.setup(); from meetings.tasks import sweep; print(sweep())"


class Run(WorkerRun):
    """The workers, sweeps and mail folder of one test run; always cleaned up."""

    def __init__(self, tmp_path: Path):
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        super().__init__(
            tmp_path,
            name="reminders-worker-test",
            settings_module="tests.meetings.reminder_worker_settings",
            sweep=SWEEP,
            broker_url=REDIS_URL,
            concurrency=CONCURRENCY,
            env=lambda run_id: {
                "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
                "REMINDER_TEST_RUN": run_id,
                "REMINDER_TEST_BROKER_URL": REDIS_URL,
                "REMINDER_TEST_MAIL_DIR": str(self.mail),
                "REMINDER_TEST_SEND_DELAY_MS": str(SEND_DELAY_MS),
            },
        )

    def emails(self) -> list[Path]:
        return sorted(self.mail.glob("*.eml"))

    def held(self) -> int:
        return sum(1 for _ in self.mail.glob("held-*"))


@pytest.fixture
def run(tmp_path):
    run = Run(tmp_path)
    try:
        yield run
    finally:
        run.close()


@pytest.fixture
def occurrence():
    community = CommunityFactory(reminder_minutes=[60])
    starts_at = (timezone.now() + timezone.timedelta(minutes=45)).replace(microsecond=0)
    occurrence = OccurrenceFactory(
        series=MeetingSeriesFactory(community=community, title="Python clinic"), starts_at=starts_at
    )
    unit = UnitFactory()
    people = UserFactory.create_batch(PEOPLE, unit=unit)
    answered = timezone.now() - timezone.timedelta(days=1)
    Membership.objects.bulk_create(Membership(community=community, user=u, role=Role.MEMBER) for u in people)
    Rsvp.objects.bulk_create(
        Rsvp(occurrence=occurrence, user=u, response=RsvpResponse.GOING, responded_at=answered) for u in people
    )
    return occurrence


def test_reminders_are_sent_exactly_once_when_the_worker_is_killed_mid_batch(run, occurrence):
    started = time.monotonic()
    first = run.start_worker("a", REMINDER_TEST_HOLD_AFTER=str(KILL_AFTER))
    enqueued_first = run.sweep()
    assert enqueued_first == PEOPLE
    assert ReminderDelivery.objects.filter(occurrence=occurrence).count() == PEOPLE

    # Both worker processes are now inside a send that the mail server has not accepted.
    run.wait_for(lambda: run.held() == CONCURRENCY, what="both worker processes to be mid-send")
    broker = run.broker_counts()
    unacked_at_kill, queued_at_kill = broker["unacked"], broker["queued"]
    run.kill(first)
    killed_at = time.monotonic()
    emails_at_kill = len(run.emails())
    rows = ReminderDelivery.objects.filter(occurrence=occurrence)
    sent_at_kill = rows.filter(sent_at__isnull=False).count()
    claimed_unsent_at_kill = rows.filter(sent_at__isnull=True, claimed_at__isnull=False).count()
    assert emails_at_kill == sent_at_kill
    assert KILL_AFTER <= emails_at_kill < PEOPLE
    assert claimed_unsent_at_kill == CONCURRENCY

    run.start_worker("b")
    # The sweeper runs again at once: it re-enqueues nothing that a live claim holds...
    enqueued_second = run.sweep()
    # ...and again once the killed sends' claims have outlived their lease.
    time.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
    enqueued_third = run.sweep()
    run.wait_for(
        lambda: not rows.filter(sent_at__isnull=True).exists(),
        what=f"all {PEOPLE} reminders to be sent",
    )
    elapsed = time.monotonic() - started

    files = run.emails()
    message_ids = Counter(email.message_from_bytes(path.read_bytes())["Message-ID"] for path in files)
    expected = {delivery.message_id for delivery in rows}
    duplicates = {mid: n for mid, n in message_ids.items() if n > 1}
    assert duplicates == {}
    assert set(message_ids) == expected
    assert len(files) == PEOPLE
    assert rows.count() == PEOPLE
    assert not rows.exclude(skipped="").exists()
    # The two sends killed mid-way were claimed twice; everything else once.
    attempts = Counter(rows.values_list("attempts", flat=True))
    assert attempts == {1: PEOPLE - CONCURRENCY, 2: CONCURRENCY}

    print(
        f"\nreminder worker test: {PEOPLE} reminders in {elapsed:.1f}s; killed after {emails_at_kill} emails "
        f"with {claimed_unsent_at_kill} sends in flight ({unacked_at_kill} unacked and {queued_at_kill} queued "
        f"messages in Redis); sweeps enqueued {enqueued_first}, {enqueued_second}, {enqueued_third}; "
        f"emails {len(files)}, duplicates {len(duplicates)}"
    )
