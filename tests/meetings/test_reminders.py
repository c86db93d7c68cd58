"""Meeting reminders: due, not due, already sent, skipped; and the email itself.

Time is frozen with time-machine. Celery runs eagerly in tests, so a sweep that
enqueues a reminder also sends it (into `mailoutbox`).
"""

import datetime as dt
import email as email_lib
import smtplib

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from icalendar import Calendar

from accounts.models import zone_or_utc
from communities.models import CommunityStatus, Role
from meetings import reminders
from meetings.kinds import Kind
from meetings.models import OccurrenceStatus, ReminderDelivery, RsvpResponse
from meetings.reminders import NOT_CLAIMED, NOT_DUE, SENT, SKIPPED, deliver
from meetings.tasks import sweep
from notifications.compose import read_unsubscribe_token
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .factories import MeetingSeriesFactory, OccurrenceFactory, ReminderDeliveryFactory, RsvpFactory

UTC = dt.UTC
# Friday 14 June 2030, 12:30 in Amsterdam (CEST, UTC+2), 11:30 in London (BST, UTC+1).
START = dt.datetime(2030, 6, 14, 10, 30, tzinfo=UTC)
DAY_BEFORE = START - dt.timedelta(hours=24)
HOUR_BEFORE = START - dt.timedelta(hours=1)
ANSWERED = START - dt.timedelta(days=3)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def occurrence(community):
    series = MeetingSeriesFactory(
        community=community,
        title="Python clinic",
        time_zone="Europe/Amsterdam",
        room="Room 4.12",
        address="North building, 1 Harbour Street",
        online_url="https://meet.example.org/python-clinic",
    )
    return OccurrenceFactory(
        series=series,
        starts_at=START,
        agenda="1. Flaky pytest fixtures\n2. Packaging with uv",
    )


def going(occurrence, user=None, *, response=RsvpResponse.GOING, answered=ANSWERED, **kwargs):
    user = user or UserFactory(**kwargs)
    MembershipFactory(community=occurrence.community, user=user, role=Role.MEMBER)
    RsvpFactory(occurrence=occurrence, user=user, response=response, responded_at=answered)
    return user


@pytest.fixture
def mia(occurrence):
    return going(
        occurrence, display_name="Mia Member", email="mia@example.org", timezone="Europe/London"
    )


def sent_to(outbox):
    return sorted(address for message in outbox for address in message.to)


# When reminders are due --------------------------------------------------------------------


def test_nothing_is_sent_before_the_first_reminder_is_due(occurrence, mia, mailoutbox):
    with at(DAY_BEFORE - dt.timedelta(minutes=1)):
        assert sweep() == 0

    assert mailoutbox == []
    assert not ReminderDelivery.objects.exists()


def test_the_day_before_reminder_goes_to_people_going_and_maybe(occurrence, mia, mailoutbox):
    maybe = going(occurrence, response=RsvpResponse.MAYBE, email="maybe@example.org")
    going(occurrence, response=RsvpResponse.NOT_GOING, email="notgoing@example.org")
    waiting = going(occurrence, email="waiting@example.org")
    occurrence.rsvps.filter(user=waiting).update(waitlisted=True)
    UserFactory(email="bystander@example.org")

    with at(DAY_BEFORE):
        assert sweep() == 3

    assert sent_to(mailoutbox) == ["maybe@example.org", "mia@example.org", "waiting@example.org"]
    rows = ReminderDelivery.objects.filter(occurrence=occurrence)
    assert {(r.user_id, r.minutes_before) for r in rows} == {
        (mia.pk, 1440),
        (maybe.pk, 1440),
        (waiting.pk, 1440),
    }
    assert all(r.sent_at == DAY_BEFORE and r.attempts == 1 for r in rows)


def test_the_hour_before_reminder_follows_the_day_before_one(occurrence, mia, mailoutbox):
    with at(DAY_BEFORE + dt.timedelta(minutes=1)):
        sweep()
    with at(HOUR_BEFORE - dt.timedelta(minutes=1)):
        assert sweep() == 0
    with at(HOUR_BEFORE):
        assert sweep() == 1

    first, second = mailoutbox
    assert "tomorrow at 11:30" in first.subject
    assert "today at 11:30" in second.subject
    assert first.extra_headers["Message-ID"] != second.extra_headers["Message-ID"]
    assert sorted(ReminderDelivery.objects.values_list("minutes_before", flat=True)) == [60, 1440]


def test_a_sweep_run_twice_sends_each_reminder_once(occurrence, mia, mailoutbox):
    with at(DAY_BEFORE):
        sweep()
        assert sweep() == 0
    with at(DAY_BEFORE + dt.timedelta(minutes=1)):
        assert sweep() == 0
    with at(DAY_BEFORE + dt.timedelta(hours=2)):
        assert sweep() == 0

    assert len(mailoutbox) == 1
    assert ReminderDelivery.objects.count() == 1


def test_a_late_sweep_still_sends_a_reminder_that_is_not_too_late(occurrence, mia, mailoutbox):
    # The sweeper was down for eleven hours: the "1 day before" reminder still has more
    # than half its lead time left (13 h of 24 h).
    with at(DAY_BEFORE + dt.timedelta(hours=11)):
        assert sweep() == 1

    assert len(mailoutbox) == 1


def test_a_reminder_with_less_than_half_its_lead_time_left_is_not_sent(occurrence, mia, mailoutbox):
    # Scheduled (or first swept) ten hours ahead: "1 day before" would arrive too late
    # to mean anything; the "1 hour before" one still comes.
    with at(START - dt.timedelta(hours=10)):
        assert sweep() == 0
    with at(START - dt.timedelta(minutes=29)):
        assert sweep() == 0
    assert mailoutbox == []

    with at(HOUR_BEFORE + dt.timedelta(minutes=5)):
        assert sweep() == 1
    assert ReminderDelivery.objects.get().minutes_before == 60


def test_nothing_is_sent_once_the_meeting_has_started(occurrence, mia, mailoutbox):
    with at(START):
        assert sweep() == 0
    with at(START + dt.timedelta(minutes=10)):
        assert sweep() == 0

    assert mailoutbox == []


def test_of_reminders_due_together_only_the_nearest_is_sent(community, occurrence, mia, mailoutbox):
    community.reminder_minutes = [90, 60]
    community.save()

    # The sweeper first runs 50 minutes before: both are open; one email, not two.
    with at(START - dt.timedelta(minutes=50)):
        assert sweep() == 1
        assert sweep() == 0

    assert len(mailoutbox) == 1
    assert ReminderDelivery.objects.get().minutes_before == 60


def test_changed_reminder_settings_apply_from_the_next_sweep(
    community, occurrence, mia, mailoutbox
):
    community.reminder_minutes = [120]
    community.save()

    with at(DAY_BEFORE):
        assert sweep() == 0
    with at(START - dt.timedelta(minutes=120)):
        assert sweep() == 1
    assert ReminderDelivery.objects.get().minutes_before == 120

    community.reminder_minutes = []
    community.save()
    with at(HOUR_BEFORE):
        assert sweep() == 0
    assert len(mailoutbox) == 1


def test_nonsense_in_the_reminder_setting_is_ignored(community, occurrence, mia, mailoutbox):
    community.reminder_minutes = ["sixty", -5, 0, True, 60, 60]
    community.save()

    with at(HOUR_BEFORE):
        assert sweep() == 1

    assert len(mailoutbox) == 1


def test_an_absurd_reminder_time_set_in_the_admin_does_not_stop_every_communitys_reminders(
    community, occurrence, mia, mailoutbox
):
    # The admin edits the JSON as it is: "now + 10**12 minutes" is past the year 9999.
    community.reminder_minutes = [10**12, 60]
    community.save()

    with at(HOUR_BEFORE):
        assert sweep() == 1

    assert ReminderDelivery.objects.get().minutes_before == 60


def test_someone_who_answered_after_a_reminder_was_due_gets_only_the_later_ones(
    occurrence, mailoutbox
):
    late = going(occurrence, email="late@example.org", answered=DAY_BEFORE + dt.timedelta(hours=1))

    with at(DAY_BEFORE + dt.timedelta(hours=2)):
        assert sweep() == 0
    with at(HOUR_BEFORE):
        assert sweep() == 1

    assert sent_to(mailoutbox) == ["late@example.org"]
    assert ReminderDelivery.objects.get(user=late).minutes_before == 60


# Not sent -------------------------------------------------------------------------------


def test_a_cancelled_meeting_gets_no_reminders(occurrence, mia, mailoutbox):
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.save()

    with at(DAY_BEFORE):
        assert sweep() == 0

    assert mailoutbox == []


def test_a_reminder_made_before_the_meeting_was_cancelled_is_skipped(occurrence, mia, mailoutbox):
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.save()

    with at(DAY_BEFORE + dt.timedelta(minutes=10)):
        sweep()

    delivery.refresh_from_db()
    assert delivery.skipped == "meeting cancelled"
    assert delivery.sent_at is None
    assert mailoutbox == []


def test_a_meeting_moved_later_does_not_get_a_reminder_at_its_old_time(occurrence, mia, mailoutbox):
    occurrence.starts_at = START + dt.timedelta(days=2)
    occurrence.ends_at = occurrence.starts_at + dt.timedelta(hours=1)
    occurrence.save()

    with at(DAY_BEFORE):
        assert sweep() == 0
    with at(HOUR_BEFORE):
        assert sweep() == 0
    assert mailoutbox == []

    with at(DAY_BEFORE + dt.timedelta(days=2)):
        assert sweep() == 1
    (message,) = mailoutbox
    assert message.subject.endswith("Reminder: Python clinic tomorrow at 11:30 BST")
    assert "Sunday 16 June 2030, 11:30–12:30 (Europe/London)" in message.body


def test_a_pending_reminder_of_a_meeting_moved_later_waits_for_the_new_due_time(
    occurrence, mia, mailoutbox
):
    # Made by a sweep at the old due time, its send not done yet when the meeting moved.
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    occurrence.starts_at = START + dt.timedelta(hours=12)
    occurrence.ends_at = occurrence.starts_at + dt.timedelta(hours=1)
    occurrence.save()

    with at(DAY_BEFORE + dt.timedelta(minutes=10)):
        assert sweep() == 0
        # A send that was already queued finds it not due and leaves it for later, unclaimed.
        assert deliver(delivery.pk) == NOT_DUE
    delivery.refresh_from_db()
    assert (delivery.claimed_at, delivery.sent_at, delivery.skipped) == (None, None, "")

    with at(DAY_BEFORE + dt.timedelta(hours=12)):
        assert sweep() == 1
    delivery.refresh_from_db()
    assert delivery.sent_at == DAY_BEFORE + dt.timedelta(hours=12)
    assert len(mailoutbox) == 1


def test_a_reminder_sent_before_the_meeting_moved_is_not_sent_again(occurrence, mia, mailoutbox):
    with at(DAY_BEFORE):
        sweep()
    occurrence.starts_at = START + dt.timedelta(days=1)
    occurrence.ends_at = occurrence.starts_at + dt.timedelta(hours=1)
    occurrence.save()

    # The move notification tells people the new time; the "1 day before" is not repeated...
    with at(DAY_BEFORE + dt.timedelta(days=1)):
        assert sweep() == 0
    # ...and the "1 hour before" follows the new start.
    with at(HOUR_BEFORE):
        assert sweep() == 0
    with at(HOUR_BEFORE + dt.timedelta(days=1)):
        assert sweep() == 1

    assert len(mailoutbox) == 2


def test_a_meeting_moved_earlier_skips_the_reminder_that_became_too_late(
    occurrence, mia, mailoutbox
):
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    occurrence.starts_at = DAY_BEFORE + dt.timedelta(hours=3)
    occurrence.ends_at = occurrence.starts_at + dt.timedelta(hours=1)
    occurrence.save()

    with at(DAY_BEFORE + dt.timedelta(minutes=10)):
        sweep()

    delivery.refresh_from_db()
    assert delivery.skipped == "too late: less than half the reminder time was left"
    assert mailoutbox == []


def test_someone_who_turned_reminders_off_gets_none(occurrence, mia, mailoutbox):
    mia.meeting_reminders = False
    mia.save()

    with at(DAY_BEFORE):
        assert sweep() == 0

    assert mailoutbox == []
    assert not ReminderDelivery.objects.exists()


def test_someone_who_turned_reminders_off_after_the_sweep_is_skipped(occurrence, mia, mailoutbox):
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    mia.meeting_reminders = False
    mia.save()

    with at(DAY_BEFORE):
        assert deliver(delivery.pk) == SKIPPED

    delivery.refresh_from_db()
    assert delivery.skipped == "reminder emails turned off"
    assert mailoutbox == []
    assert not Notification.objects.filter(kind=Kind.MEETING_REMINDER).exists()


def test_someone_no_longer_going_is_skipped(occurrence, mia, mailoutbox):
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    occurrence.rsvps.filter(user=mia).update(response=RsvpResponse.NOT_GOING)

    with at(DAY_BEFORE):
        assert deliver(delivery.pk) == SKIPPED

    delivery.refresh_from_db()
    assert delivery.skipped == "no longer going"
    assert mailoutbox == []


def test_a_deactivated_account_gets_no_reminder(occurrence, mia, mailoutbox):
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence,
        user=mia,
        minutes_before=1440,
        created_at=DAY_BEFORE - dt.timedelta(minutes=10),
    )
    mia.is_active = False
    mia.save()

    with at(DAY_BEFORE):
        assert sweep() == 1

    delivery.refresh_from_db()
    assert delivery.skipped == "account inactive or without email"
    assert mailoutbox == []


def test_someone_who_left_a_private_community_is_skipped(private_community, mailoutbox):
    occurrence = OccurrenceFactory(
        series=MeetingSeriesFactory(community=private_community), starts_at=START
    )
    leaver = going(occurrence, email="leaver@example.org")
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=leaver, minutes_before=1440, created_at=DAY_BEFORE
    )
    private_community.memberships.filter(user=leaver).update(is_active=False)

    with at(DAY_BEFORE):
        assert deliver(delivery.pk) == SKIPPED

    delivery.refresh_from_db()
    assert delivery.skipped == "no longer reads the community"
    assert mailoutbox == []


@pytest.mark.parametrize("change", [{"is_archived": True}, {"status": CommunityStatus.DECLINED}])
def test_meetings_of_a_community_that_is_not_active_get_no_reminders(change, mailoutbox, db):
    community = CommunityFactory(**change)
    occurrence = OccurrenceFactory(
        series=MeetingSeriesFactory(community=community), starts_at=START
    )
    going(occurrence)

    with at(DAY_BEFORE):
        assert sweep() == 0

    assert mailoutbox == []


# Claims ------------------------------------------------------------------------------------


def test_a_sent_reminder_is_not_sent_again_by_a_redelivered_task(occurrence, mia, mailoutbox):
    with at(DAY_BEFORE):
        sweep()
        delivery = ReminderDelivery.objects.get()
        assert deliver(delivery.pk) == NOT_CLAIMED

    assert len(mailoutbox) == 1


def test_a_reminder_claimed_by_a_live_worker_is_left_alone(settings, occurrence, mia, mailoutbox):
    settings.REMINDER_LEASE_SECONDS = 300
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence,
        user=mia,
        minutes_before=1440,
        created_at=DAY_BEFORE - dt.timedelta(minutes=10),
        claimed_at=DAY_BEFORE - dt.timedelta(minutes=1),
        attempts=1,
    )

    with at(DAY_BEFORE):
        assert sweep() == 0
        assert deliver(delivery.pk) == NOT_CLAIMED

    assert mailoutbox == []


def test_a_claim_older_than_the_lease_is_taken_again_by_the_next_sweep(
    settings, occurrence, mia, mailoutbox
):
    """A worker died mid-send: its claim stays, with no sent_at; after the lease it is sent."""
    settings.REMINDER_LEASE_SECONDS = 300
    claimed = DAY_BEFORE
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence,
        user=mia,
        minutes_before=1440,
        created_at=claimed,
        claimed_at=claimed,
        attempts=1,
    )

    with at(claimed + dt.timedelta(seconds=299)):
        assert sweep() == 0
    with at(claimed + dt.timedelta(seconds=301)):
        assert sweep() == 1

    delivery.refresh_from_db()
    assert delivery.sent_at == claimed + dt.timedelta(seconds=301)
    assert delivery.attempts == 2
    assert len(mailoutbox) == 1


def test_a_reminder_whose_task_was_lost_is_enqueued_again_after_the_lease(
    settings, occurrence, mia, mailoutbox, monkeypatch
):
    settings.REMINDER_LEASE_SECONDS = 300
    enqueued = []
    monkeypatch.setattr(
        "meetings.tasks.send_reminder.apply_async", lambda args, **kw: enqueued.append(args[0])
    )

    with at(DAY_BEFORE):
        assert sweep() == 1
    # Its task is still queued (or was lost with a killed worker): not enqueued again until the lease passes.
    with at(DAY_BEFORE + dt.timedelta(minutes=1)):
        assert sweep() == 0
    with at(DAY_BEFORE + dt.timedelta(minutes=6)):
        assert sweep() == 1

    delivery = ReminderDelivery.objects.get()
    assert enqueued == [delivery.pk, delivery.pk]
    assert mailoutbox == []


def test_the_sweep_makes_a_fixed_number_of_queries(
    occurrence, django_assert_num_queries, monkeypatch
):
    """Communities, occurrences, RSVPs, one insert, unsent rows: whatever the number of RSVPs."""
    monkeypatch.setattr("meetings.tasks.send_reminder.apply_async", lambda args, **kw: None)
    other = OccurrenceFactory(
        series=MeetingSeriesFactory(community=occurrence.community), starts_at=START
    )
    for _ in range(3):
        going(occurrence)

    with at(DAY_BEFORE), django_assert_num_queries(5):
        assert sweep() == 3

    for _ in range(30):
        going(other)
    with at(DAY_BEFORE + dt.timedelta(minutes=1)), django_assert_num_queries(5):
        assert sweep() == 30


# The email -------------------------------------------------------------------------------


@pytest.fixture
def reminder_email(settings, occurrence, mia, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "practica.example.org"
    with at(DAY_BEFORE):
        sweep()
    (message,) = mailoutbox
    return message


def test_the_subject_names_the_meeting_and_the_time_in_the_recipients_zone(reminder_email):
    assert reminder_email.subject == "[Practica] Reminder: Python clinic tomorrow at 11:30 BST"
    assert reminder_email.to == ["mia@example.org"]


def test_the_subject_says_which_zone_its_time_is_in(occurrence, mailoutbox):
    # An account still on the default UTC, for a meeting at 12:30 in Amsterdam: a bare
    # "10:30" in the subject would read as local time, two hours early.
    going(occurrence, email="utc@example.org", timezone="UTC")

    with at(DAY_BEFORE):
        sweep()

    (message,) = mailoutbox
    assert message.subject.endswith("Reminder: Python clinic tomorrow at 10:30 UTC")
    assert Notification.objects.get().message.startswith(
        "Reminder: Python clinic tomorrow at 10:30 UTC"
    )


def test_the_email_has_text_and_html_with_when_where_and_the_agenda(reminder_email, occurrence):
    text = reminder_email.body
    html, mimetype = reminder_email.alternatives[0]
    assert mimetype == "text/html"
    url = f"https://practica.example.org/c/kubernetes/meetings/{occurrence.pk}/"
    for part in (text, html):
        assert "Friday 14 June 2030, 11:30–12:30 (Europe/London)" in part
        assert "12:30–13:30 in Europe/Amsterdam" in part
        assert "Room 4.12" in part
        assert "North building, 1 Harbour Street" in part
        assert "https://meet.example.org/python-clinic" in part
        assert "Flaky pytest fixtures" in part
        assert url in part
        assert f"{url}#rsvp-{occurrence.pk}" in part
        assert "you answered going to this meeting on Practica" in part


def test_the_series_zone_is_not_repeated_when_it_shows_the_same_time(
    settings, occurrence, mailoutbox
):
    going(occurrence, email="ams@example.org", timezone="Europe/Berlin")

    with at(DAY_BEFORE):
        sweep()

    body = mailoutbox[0].body
    assert "Friday 14 June 2030, 12:30–13:30 (Europe/Berlin)" in body
    assert "Europe/Amsterdam" not in body


def test_the_ics_attachment_parses_and_holds_the_meeting(reminder_email, occurrence):
    (attachment,) = reminder_email.attachments
    assert attachment.filename == "python-clinic.ics"
    assert attachment.mimetype == "text/calendar"
    content = (
        attachment.content.encode() if isinstance(attachment.content, str) else attachment.content
    )
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert "Python clinic" in str(event["summary"])


def test_the_email_carries_one_click_unsubscribe_from_reminders(reminder_email, mia):
    headers = reminder_email.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://practica.example.org/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (mia.pk, "reminders")
    # The headers survive into the message as sent.
    parsed = email_lib.message_from_bytes(reminder_email.message().as_bytes())
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_message_id_is_stable_when_a_reminder_is_sent_again(
    reminder_email, mailoutbox, occurrence, mia
):
    delivery = ReminderDelivery.objects.get()
    assert reminder_email.extra_headers["Message-ID"] == (
        f"<reminder.{occurrence.pk}.{mia.pk}.1440@practica.example.org>"
    )
    # A worker killed between the send and recording it: the claim goes stale, the resend is the same message.
    ReminderDelivery.objects.filter(pk=delivery.pk).update(sent_at=None, claimed_at=DAY_BEFORE)
    with at(DAY_BEFORE + dt.timedelta(minutes=10)):
        assert deliver(delivery.pk) == SENT

    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


def test_someone_on_the_waiting_list_is_told_so(occurrence, mailoutbox):
    waiting = going(occurrence, email="waiting@example.org")
    occurrence.rsvps.filter(user=waiting).update(waitlisted=True)

    with at(DAY_BEFORE):
        sweep()

    (message,) = mailoutbox
    assert "You are on the waiting list" in message.body
    assert "You are on the waiting list" in message.alternatives[0][0]
    assert "you are on the waiting list for this meeting on Practica" in message.body


def test_someone_who_answered_maybe_is_asked_to_decide(occurrence, mailoutbox):
    going(occurrence, response=RsvpResponse.MAYBE)

    with at(DAY_BEFORE):
        sweep()

    assert "You answered maybe" in mailoutbox[0].body
    assert "you answered maybe to this meeting" in mailoutbox[0].body


def test_a_sent_reminder_also_appears_in_app_once_without_a_second_email(
    reminder_email, mailoutbox, occurrence, mia
):
    (notification,) = Notification.objects.filter(recipient=mia)
    assert notification.kind == Kind.MEETING_REMINDER
    assert notification.url == occurrence.get_absolute_url()
    assert notification.message.startswith("Reminder: Python clinic tomorrow at 11:30 BST")
    assert notification.emailed_at is None
    assert len(mailoutbox) == 1


def test_a_failed_send_leaves_no_in_app_notification_and_releases_the_claim(
    occurrence, mia, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )

    with at(DAY_BEFORE), pytest.raises(ConnectionRefusedError):
        deliver(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.claimed_at, delivery.sent_at, delivery.attempts) == (None, None, 1)
    assert not Notification.objects.exists()


def test_when_phrase_uses_the_recipients_calendar_day():
    zone = zone_or_utc("Pacific/Auckland")
    # 10:30 UTC on 14 June is 22:30 the same day in Auckland (NZST, UTC+12); 06:00 UTC is 18:00.
    assert (
        reminders.when_phrase(START, START - dt.timedelta(hours=4, minutes=30), zone)
        == "today at 22:30 NZST"
    )
    assert (
        reminders.when_phrase(START, START - dt.timedelta(hours=23), zone)
        == "tomorrow at 22:30 NZST"
    )
    assert (
        reminders.when_phrase(START, START - dt.timedelta(days=3), zone)
        == "on Friday 14 June at 22:30 NZST"
    )
    assert zone_or_utc("Not/AZone").key == "UTC"


def test_a_send_that_outlived_its_lease_leaves_the_claim_taken_since_alone(
    settings, occurrence, mia, monkeypatch, mailoutbox
):
    """Freeing the newer claim would let the next sweep hand the row to a third worker."""
    settings.REMINDER_LEASE_SECONDS = 300
    delivery = ReminderDeliveryFactory(
        occurrence=occurrence, user=mia, minutes_before=1440, created_at=DAY_BEFORE
    )
    retaken = DAY_BEFORE + dt.timedelta(minutes=6)

    def hang_then_fail(self, fail_silently=False):
        # While this send hung, its lease ran out and another worker claimed the row.
        ReminderDelivery.objects.filter(pk=delivery.pk).update(claimed_at=retaken)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", hang_then_fail)
    with at(DAY_BEFORE), pytest.raises(smtplib.SMTPServerDisconnected):
        deliver(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.claimed_at == retaken
    with at(retaken + dt.timedelta(minutes=1)):
        assert sweep() == 0
