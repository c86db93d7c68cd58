"""When digests go out: at the person's local hour, once per period, caught up after a gap.

Times: Monday 1 June 2026 (summer time: Berlin is UTC+2, Los Angeles UTC-7).
"""

import datetime as dt
import smtplib
import threading

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.db import connection

from accounts.models import DigestFrequency
from digests import delivery as digest_delivery
from digests.tasks import send_digests, send_due_digests
from notifications.compose import EmailKind, read_unsubscribe_token
from notifications.models import DigestDelivery
from tests.discussions.factories import HelpRequestFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


MONDAY = dt.date(2026, 6, 1)
WEDNESDAY = dt.date(2026, 6, 3)


@pytest.fixture
def place(db):
    return CommunityFactory(name="Wound Care", slug="wound-care")


def person(place, *, tz="Europe/Berlin", frequency=DigestFrequency.DAILY, hour=8, **kwargs):
    user = UserFactory(timezone=tz, digest_frequency=frequency, digest_hour=hour, **kwargs)
    MembershipFactory(community=place, user=user)
    return user


def asked(place, when: dt.datetime, title="Which dressing for a skin tear?", **kwargs):
    # Askers here want no digest of their own, so the only digests are the test's.
    kwargs.setdefault("author", UserFactory(digest_frequency=DigestFrequency.NEVER))
    return HelpRequestFactory(
        community=place, title=title, created_at=when, last_activity_at=when, **kwargs
    )


def sweep(when: dt.datetime, **kwargs) -> None:
    with time_machine.travel(when, tick=False):
        send_due_digests.delay(**kwargs)


def delivered(user, frequency=DigestFrequency.DAILY, period=MONDAY, start=None, end=None, **fields):
    """A digest recorded (and by default sent) earlier."""
    end = end or at(period.year, period.month, period.day, 6)
    return DigestDelivery.objects.create(
        user=user,
        frequency=frequency,
        period_start=period,
        covers_from=start or end - digest_delivery.PERIODS[frequency],
        covers_to=end,
        created_at=end,
        claimed_at=end,
        sent_at=fields.pop("sent_at", end),
        **fields,
    )


# Due at the local hour -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "just_before", "on_the_hour"),
    [
        ("Europe/Berlin", at(2026, 6, 1, 5, 59), at(2026, 6, 1, 6, 0)),
        ("America/Los_Angeles", at(2026, 6, 1, 14, 59), at(2026, 6, 1, 15, 0)),
    ],
)
def test_a_daily_digest_goes_out_at_eight_local_time_not_before(
    place, mailoutbox, tz, just_before, on_the_hour
):
    user = person(place, tz=tz)
    asked(place, at(2026, 5, 31, 20))

    sweep(just_before)
    assert mailoutbox == []
    assert not DigestDelivery.objects.exists()

    sweep(on_the_hour)
    (email,) = mailoutbox
    assert email.to == [user.email]
    delivery = DigestDelivery.objects.get()
    assert (delivery.user, delivery.frequency, delivery.period_start) == (user, "daily", MONDAY)
    assert delivery.sent_at == on_the_hour
    assert delivery.covers_to == on_the_hour
    assert delivery.covers_from == on_the_hour - dt.timedelta(days=1)
    assert delivery.item_count == 1


@pytest.mark.parametrize(
    ("tz", "sunday_evening", "just_before", "on_the_hour"),
    [
        ("Europe/Berlin", at(2026, 5, 31, 20), at(2026, 6, 1, 6, 59), at(2026, 6, 1, 7, 0)),
        ("America/Los_Angeles", at(2026, 6, 1, 6), at(2026, 6, 1, 15, 59), at(2026, 6, 1, 16, 0)),
    ],
)
def test_a_weekly_digest_goes_out_on_monday_at_the_chosen_local_hour(
    place, mailoutbox, tz, sunday_evening, just_before, on_the_hour
):
    user = person(place, tz=tz, frequency=DigestFrequency.WEEKLY, hour=9)
    last_week = delivered(
        user, DigestFrequency.WEEKLY, period=dt.date(2026, 5, 25), end=at(2026, 5, 25, 8)
    )
    asked(place, at(2026, 5, 28, 12))

    sweep(sunday_evening)  # still last week where the person is, and last week's digest went out
    sweep(just_before)
    assert mailoutbox == []

    sweep(on_the_hour)
    (email,) = mailoutbox
    assert email.subject == "[Practica] Your weekly digest: 1 new request"
    delivery = DigestDelivery.objects.exclude(pk=last_week.pk).get()
    assert (delivery.frequency, delivery.period_start) == ("weekly", MONDAY)
    assert delivery.covers_from == last_week.covers_to


def test_the_local_hour_is_each_persons_own(place, mailoutbox):
    berlin = person(place, tz="Europe/Berlin")
    los_angeles = person(place, tz="America/Los_Angeles")
    early_bird = person(place, tz="America/Los_Angeles", hour=0)
    asked(place, at(2026, 5, 31, 20))

    sweep(at(2026, 6, 1, 8))  # 10:00 in Berlin, 01:00 in Los Angeles

    assert sorted(e.to[0] for e in mailoutbox) == sorted([berlin.email, early_bird.email])
    assert not DigestDelivery.objects.filter(user=los_angeles).exists()


def test_a_sweep_run_twice_sends_once_per_period(place, mailoutbox):
    person(place)
    weekly = person(place, frequency=DigestFrequency.WEEKLY)
    asked(place, at(2026, 5, 31, 20))

    sweep(at(2026, 6, 1, 6))
    sweep(at(2026, 6, 1, 6))
    sweep(at(2026, 6, 1, 6, 10))
    sweep(at(2026, 6, 1, 21))

    assert len(mailoutbox) == 2
    assert DigestDelivery.objects.count() == 2
    # Later in the week the weekly person is done; the daily one gets Tuesday's.
    asked(place, at(2026, 6, 1, 12))
    sweep(at(2026, 6, 2, 6))
    assert len(mailoutbox) == 3
    assert not DigestDelivery.objects.filter(user=weekly, period_start=dt.date(2026, 6, 2)).exists()


def test_a_redelivered_task_sends_nothing_again(place, mailoutbox):
    person(place)
    asked(place, at(2026, 5, 31, 20))
    sweep(at(2026, 6, 1, 6))
    delivery = DigestDelivery.objects.get()

    with time_machine.travel(at(2026, 6, 1, 6, 5), tick=False):
        assert send_digests.delay([delivery.pk]).get() == 0

    assert len(mailoutbox) == 1


# Catching up ----------------------------------------------------------------------


def test_a_missed_day_is_caught_up_by_the_next_digest(place, mailoutbox):
    user = person(place)
    monday = delivered(user, end=at(2026, 6, 1, 6))
    asked(place, at(2026, 6, 1, 5), title="Before Monday's digest")
    asked(place, at(2026, 6, 1, 9), title="Asked on Monday")
    asked(place, at(2026, 6, 2, 12), title="Asked on Tuesday")
    asked(place, at(2026, 6, 3, 5, 30), title="Asked early on Wednesday")

    # No sweep ran on Tuesday; Wednesday's digest covers everything since Monday's.
    sweep(at(2026, 6, 3, 6, 10))

    (email,) = mailoutbox
    wednesday = DigestDelivery.objects.get(period_start=WEDNESDAY)
    assert wednesday.covers_from == monday.covers_to
    assert wednesday.covers_to == at(2026, 6, 3, 6, 10)
    assert not DigestDelivery.objects.filter(period_start=dt.date(2026, 6, 2)).exists()
    for title in ("Asked on Monday", "Asked on Tuesday", "Asked early on Wednesday"):
        assert title in email.body
    assert "Before Monday" not in email.body
    assert email.subject == "[Practica] Your daily digest: 3 new requests"


def test_a_week_missed_entirely_is_caught_up_later_that_week(place, mailoutbox):
    user = person(place, frequency=DigestFrequency.WEEKLY)
    before = delivered(
        user, DigestFrequency.WEEKLY, period=dt.date(2026, 5, 18), end=at(2026, 5, 18, 6)
    )
    asked(place, at(2026, 5, 20, 12), title="Asked the week before last")
    asked(place, at(2026, 6, 2, 12), title="Asked this Tuesday")

    # Nothing ran from 18 May until Wednesday 3 June.
    sweep(at(2026, 6, 3, 10))

    (email,) = mailoutbox
    delivery = DigestDelivery.objects.exclude(pk=before.pk).get()
    assert delivery.period_start == MONDAY
    assert delivery.covers_from == before.covers_to
    assert "Asked the week before last" in email.body
    assert "Asked this Tuesday" in email.body


def test_nothing_is_repeated_in_the_next_digest(place, mailoutbox):
    person(place)
    asked(place, at(2026, 5, 31, 20), title="Sunday's question")
    sweep(at(2026, 6, 1, 6))
    asked(place, at(2026, 6, 1, 12), title="Monday's question")

    sweep(at(2026, 6, 2, 6))

    assert len(mailoutbox) == 2
    assert "Sunday's question" in mailoutbox[0].body
    assert "Sunday's question" not in mailoutbox[1].body
    assert "Monday's question" in mailoutbox[1].body


def test_someone_back_after_months_gets_the_last_month_only(place, mailoutbox):
    user = person(place)
    delivered(user, period=dt.date(2026, 1, 5), end=at(2026, 1, 5, 6))
    asked(place, at(2026, 2, 1, 12), title="From February")
    asked(place, at(2026, 5, 20, 12), title="From May")

    sweep(at(2026, 6, 1, 6))

    (email,) = mailoutbox
    assert "From May" in email.body
    assert "From February" not in email.body
    assert (
        DigestDelivery.objects.get(period_start=MONDAY).covers_from
        == at(2026, 6, 1, 6) - digest_delivery.MAX_CATCH_UP
    )


# Empty, off, unsubscribed --------------------------------------------------------


def test_an_empty_digest_is_recorded_and_not_sent(place, mailoutbox):
    user = person(place)
    HelpRequestFactory(community=place, author=user, created_at=at(2026, 5, 31, 20))  # their own

    sweep(at(2026, 6, 1, 6))
    sweep(at(2026, 6, 1, 6, 10))

    assert mailoutbox == []
    delivery = DigestDelivery.objects.get()
    assert delivery.skipped_empty is True
    assert delivery.sent_at is None
    assert delivery.item_count == 0


def test_people_who_chose_never_get_nothing_and_nothing_is_recorded(place, mailoutbox):
    person(place, frequency=DigestFrequency.NEVER)
    person(place, is_active=False)
    asked(place, at(2026, 5, 31, 20))

    sweep(at(2026, 6, 1, 6))

    assert mailoutbox == []
    assert not DigestDelivery.objects.exists()


def test_someone_who_turned_digests_off_after_it_was_recorded_gets_none(place, mailoutbox):
    user = person(place)
    asked(place, at(2026, 5, 31, 20))
    with time_machine.travel(at(2026, 6, 1, 6), tick=False):
        digest_delivery.record_due()
    user.digest_frequency = DigestFrequency.NEVER
    user.save(update_fields=["digest_frequency"])

    sweep(at(2026, 6, 1, 6, 10))

    assert mailoutbox == []
    assert DigestDelivery.objects.get().skipped_empty is True


# The email -------------------------------------------------------------------------


def test_the_email_has_both_parts_list_headers_and_local_times(settings, place, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "practica.example.org"
    user = person(place, tz="Europe/Berlin")
    request = asked(place, at(2026, 5, 31, 20, 15), title="Which dressing for a skin tear?")

    sweep(at(2026, 6, 1, 6))

    (email,) = mailoutbox
    delivery = DigestDelivery.objects.get()
    assert email.extra_headers["Message-ID"] == delivery.message_id
    assert delivery.message_id == f"<digest.{user.pk}.daily.20260601@practica.example.org>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = email.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (user.pk, EmailKind.DIGEST)
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    link = f"https://practica.example.org/c/wound-care/help/{request.pk}/"
    for part in (email.body, html):
        assert "Which dressing for a skin tear?" in part
        assert link in part
        assert "Sun 31 May, 22:15" in part  # 20:15 UTC in Berlin
        assert "Europe/Berlin" in part
        assert "you chose a daily digest" in part
        assert "https://practica.example.org/email/preferences/" in part


# Failures and dead workers ---------------------------------------------------------


def test_a_digest_claimed_by_a_live_worker_is_left_alone_and_taken_over_after_the_lease(
    place, mailoutbox
):
    person(place)
    asked(place, at(2026, 5, 31, 20))
    with time_machine.travel(at(2026, 6, 1, 6), tick=False):
        digest_delivery.record_due()
    # Another worker claimed it and died before sending.
    DigestDelivery.objects.update(claimed_at=at(2026, 6, 1, 6))

    sweep(at(2026, 6, 1, 6, 10))
    assert mailoutbox == []

    sweep(at(2026, 6, 1, 6) + digest_delivery.LEASE + dt.timedelta(minutes=1))
    assert len(mailoutbox) == 1
    assert DigestDelivery.objects.get().sent_at is not None


def test_a_failed_send_is_retried_by_the_next_sweep_and_sent_once(place, mailoutbox, monkeypatch):
    person(place)
    person(place)
    asked(place, at(2026, 5, 31, 20))
    real_send = EmailMultiAlternatives.send
    outage = {"on": True}

    def send(self, fail_silently=False):
        if outage["on"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    sweep(at(2026, 6, 1, 6))
    assert mailoutbox == []
    assert DigestDelivery.objects.filter(claimed_at__isnull=True, sent_at__isnull=True).count() == 2

    outage["on"] = False
    sweep(at(2026, 6, 1, 6, 10))
    sweep(at(2026, 6, 1, 6, 20))

    assert len(mailoutbox) == 2
    assert not DigestDelivery.objects.filter(sent_at__isnull=True).exists()


def test_one_refused_address_does_not_stop_the_others(place, mailoutbox, monkeypatch):
    refused = person(place, email="gone@example.org")
    fine = person(place)
    asked(place, at(2026, 5, 31, 20))
    real_send = EmailMultiAlternatives.send

    def send(self, fail_silently=False):
        if self.to == [refused.email]:
            raise smtplib.SMTPRecipientsRefused({refused.email: (550, b"No such user")})
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    sweep(at(2026, 6, 1, 6))

    assert [e.to for e in mailoutbox] == [[fine.email]]
    assert DigestDelivery.objects.get(user=refused).claimed_at is None


def test_a_digest_that_could_not_be_sent_for_a_day_is_given_up_and_the_next_covers_its_window(
    place, mailoutbox, monkeypatch
):
    user = person(place)
    asked(place, at(2026, 5, 31, 20), title="Sunday's question")
    with time_machine.travel(at(2026, 6, 1, 6), tick=False):
        digest_delivery.record_due()  # recorded; every send failed until it was given up

    sweep(at(2026, 6, 2, 6))

    (email,) = mailoutbox
    monday, tuesday = DigestDelivery.objects.filter(user=user).order_by("period_start")
    assert monday.sent_at is None
    assert tuesday.sent_at is not None
    assert tuesday.covers_from == at(2026, 6, 1, 6) - dt.timedelta(days=1)
    assert "Sunday's question" in email.body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_batch_at_once_send_each_digest_once(mailoutbox):
    place = CommunityFactory()
    for _ in range(30):
        person(place)
    asked(place, at(2026, 5, 31, 20))
    digest_delivery.record_due(now=at(2026, 6, 1, 6))
    ids = list(DigestDelivery.objects.values_list("pk", flat=True))
    start = threading.Barrier(3)
    results = []

    def worker():
        try:
            start.wait()
            results.append(digest_delivery.deliver(ids, now=at(2026, 6, 1, 6, 1)).sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 30
    assert len(mailoutbox) == 30
    assert len({e.to[0] for e in mailoutbox}) == 30


def test_beat_runs_the_digest_and_escalation_sweeps(settings):
    from cop_platform.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("digests.tasks.send_due_digests", "discussions.tasks.escalate_unanswered"):
        assert name in scheduled
        assert name in app.tasks


def test_tasks_queued_under_their_names_before_the_move_still_run():
    """Remove after the next release, with the aliases in digests/tasks.py and discussions/tasks.py."""
    from cop_platform.celery import app

    app.loader.import_default_modules()
    for name in (
        "notifications.tasks.send_due_digests",
        "notifications.tasks.send_digests",
        "notifications.tasks.escalate_unanswered",
    ):
        assert name in app.tasks
