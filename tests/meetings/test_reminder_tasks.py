"""The meetings tasks: thin wrappers that sweep, extend and send, retrying mail errors with backoff."""

import datetime as dt
import smtplib

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from communities.models import Role
from cop_platform.celery import app
from meetings.models import Occurrence, ReminderDelivery
from meetings.tasks import extend_occurrences, send_due_reminders, send_reminder
from tests.factories import MembershipFactory, UserFactory

from .factories import MeetingSeriesFactory, OccurrenceFactory, ReminderDeliveryFactory, RsvpFactory

START = dt.datetime(2030, 6, 14, 10, 30, tzinfo=dt.UTC)
DUE = START - dt.timedelta(hours=1)


@pytest.fixture
def rsvp(community):
    occurrence = OccurrenceFactory(
        series=MeetingSeriesFactory(community=community), starts_at=START
    )
    user = UserFactory(email="mia@example.org")
    MembershipFactory(community=community, user=user, role=Role.MEMBER)
    return RsvpFactory(occurrence=occurrence, user=user, responded_at=START - dt.timedelta(days=2))


@pytest.fixture
def delivery(rsvp):
    return ReminderDeliveryFactory(
        occurrence=rsvp.occurrence, user=rsvp.user, minutes_before=60, created_at=DUE
    )


@pytest.fixture
def frozen():
    with time_machine.travel(DUE + dt.timedelta(minutes=1), tick=False):
        yield


@pytest.fixture
def failing_send(monkeypatch):
    attempts = []

    def send(self, fail_silently=False):
        attempts.append(self.to)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return attempts


def test_the_beat_schedule_names_the_meetings_tasks():
    app.loader.import_default_modules()
    for entry in ("meetings-extend-occurrences", "meetings-send-due-reminders"):
        assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks
    assert "meetings.tasks.send_reminder" in app.tasks


def test_tasks_ack_late_and_a_send_ends_before_its_claim_could_be_taken_again():
    for task in (extend_occurrences, send_due_reminders, send_reminder):
        assert task.acks_late is True
        assert task.soft_time_limit < task.time_limit
    # A live send must never outlast its lease, or a second worker could claim it meanwhile.
    assert send_reminder.time_limit < settings.REMINDER_LEASE_SECONDS
    # The sweep finishes before beat starts the next one.
    assert (
        send_due_reminders.time_limit
        < settings.CELERY_BEAT_SCHEDULE["meetings-send-due-reminders"]["schedule"]
    )


def test_extend_occurrences_creates_the_meetings_of_the_rolling_window(community):
    series = MeetingSeriesFactory(community=community, rrule="FREQ=WEEKLY", generated_until=None)

    with time_machine.travel(
        dt.datetime.combine(series.start_date, dt.time(), tzinfo=dt.UTC), tick=False
    ):
        created = extend_occurrences.delay().get()

    assert created > 10
    assert Occurrence.objects.filter(series=series).count() == created
    assert extend_occurrences.delay().get() == 0


def test_send_due_reminders_sweeps_and_sends(rsvp, frozen, mailoutbox):
    assert send_due_reminders.delay().get() == 1

    assert [m.to for m in mailoutbox] == [["mia@example.org"]]
    delivery = ReminderDelivery.objects.get(occurrence=rsvp.occurrence, user=rsvp.user)
    assert (delivery.minutes_before, delivery.sent_at) == (60, DUE + dt.timedelta(minutes=1))


def test_send_reminder_sends_once(delivery, frozen, mailoutbox):
    assert send_reminder.delay(delivery.pk).get() == "sent"
    assert send_reminder.delay(delivery.pk).get() == "not claimed"

    assert len(mailoutbox) == 1


def test_a_mail_server_error_holds_the_row_for_its_retry_and_retries_with_backoff(
    delivery, frozen, failing_send
):
    with pytest.raises(Retry) as retry:
        send_reminder.delay(delivery.pk)

    assert len(failing_send) == 1
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)
    assert retry.value.when == 30
    delivery.refresh_from_db()
    assert (delivery.sent_at, delivery.attempts) == (None, 1)
    # The claim's lease now ends when the retry is due, 30 s from now.
    lease = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    assert delivery.claimed_at + lease == DUE + dt.timedelta(minutes=1, seconds=30)


def test_while_a_retry_is_pending_the_sweeper_does_not_start_another(
    delivery, failing_send, monkeypatch
):
    """A row freed on failure would be enqueued by every sweep (it is older than the lease):
    each task failing in turn would start a retry chain of its own, several sends a minute."""
    failed_at = DUE + dt.timedelta(minutes=10)
    with time_machine.travel(failed_at, tick=False), pytest.raises(Retry) as retry:
        send_reminder.apply(args=[delivery.pk], retries=3)
    assert retry.value.when == 240
    enqueued = []
    monkeypatch.setattr(
        "meetings.tasks.send_reminder.apply_async", lambda args, **kw: enqueued.append(args[0])
    )

    for seconds in (60, 120, 180, 239):
        with time_machine.travel(failed_at + dt.timedelta(seconds=seconds), tick=False):
            assert send_due_reminders.delay().get() == 0
    assert enqueued == []

    # The retry, when it comes, takes the row.
    retry_due = failed_at + dt.timedelta(seconds=241)
    with time_machine.travel(retry_due, tick=False), pytest.raises(Retry):
        send_reminder.apply(args=[delivery.pk], retries=4)
    assert len(failing_send) == 2
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_a_connection_error_is_retried_too(delivery, frozen, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server restarting")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)

    with pytest.raises(Retry):
        send_reminder.delay(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.sent_at, delivery.attempts) == (None, 1)


def test_a_reminder_the_server_accepted_is_not_sent_again_when_quit_times_out(
    delivery, frozen, settings, monkeypatch
):
    """The message is delivered once the server answered DATA; a timeout on QUIT after that
    is no failed send, and retrying it would email the reminder twice."""
    accepted = []

    class Server:
        def __init__(self, host, port, **kwargs):
            pass

        def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
            accepted.append(to_addrs)
            return {}

        def quit(self):
            raise TimeoutError("timed out")

        def close(self):
            pass

    monkeypatch.setattr(smtplib, "SMTP", Server)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    assert send_reminder.delay(delivery.pk).get() == "sent"
    assert send_reminder.delay(delivery.pk).get() == "not claimed"

    assert accepted == [["mia@example.org"]]
    delivery.refresh_from_db()
    assert delivery.sent_at == DUE + dt.timedelta(minutes=1)


@pytest.mark.parametrize(("retries", "countdown"), [(1, 60), (2, 120), (4, 480), (8, 600)])
def test_retries_back_off_exponentially_up_to_ten_minutes(
    delivery, frozen, failing_send, monkeypatch, retries, countdown
):
    monkeypatch.setattr(send_reminder, "max_retries", 10)
    with pytest.raises(Retry) as retry:
        send_reminder.apply(args=[delivery.pk], retries=retries)

    assert retry.value.when == countdown


def test_after_the_last_retry_the_next_sweeps_keep_trying(delivery, failing_send, settings):
    settings.REMINDER_LEASE_SECONDS = 300
    with time_machine.travel(DUE + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send_reminder.apply(args=[delivery.pk], retries=send_reminder.max_retries)
        delivery.refresh_from_db()
        assert delivery.sent_at is None
        assert send_due_reminders.delay().get() == 0
    # Held for one more backoff (the ten-minute cap)...
    with time_machine.travel(DUE + dt.timedelta(minutes=10), tick=False):
        assert send_due_reminders.delay().get() == 0

    # ...then the sweeper hands it to a worker again.
    with time_machine.travel(DUE + dt.timedelta(minutes=12), tick=False), pytest.raises(Retry):
        send_due_reminders.delay()
    assert len(failing_send) == 2


def test_the_retry_after_a_transient_failure_sends_the_reminder_once(
    delivery, frozen, monkeypatch, mailoutbox
):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky_send(self, fail_silently=False):
        calls.append(self.to)
        if len(calls) == 1:
            raise smtplib.SMTPDataError(451, b"Try again later")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    with pytest.raises(Retry) as retry:
        send_reminder.delay(delivery.pk)
    # Not before its countdown...
    assert send_reminder.apply(args=[delivery.pk], retries=1).get() == "not claimed"

    # ...but when it is due.
    with time_machine.travel(
        DUE + dt.timedelta(minutes=1, seconds=retry.value.when + 1), tick=False
    ):
        assert send_reminder.apply(args=[delivery.pk], retries=1).get() == "sent"

    assert len(calls) == 2
    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert delivery.sent_at is not None
    assert delivery.attempts == 2
    assert ReminderDelivery.objects.count() == 1
