"""The email copy of a notification is sent at most once, and retried when the mail server fails."""

import smtplib

import pytest
from celery.exceptions import Retry
from django.core.mail import EmailMultiAlternatives

from notifications.compose import EmailKind, read_unsubscribe_token
from notifications.models import Notification
from notifications.tasks import send_notification_email
from tests.factories import NotificationFactory, UserFactory


@pytest.fixture
def notification(db):
    return NotificationFactory(
        recipient=UserFactory(email="mia@example.org"),
        message="Max Moderator made you part of the core group of Kubernetes Practitioners.",
        url="/c/kubernetes/",
    )


@pytest.fixture
def failing_send(monkeypatch):
    """Make every send fail as a mail server refusing the connection would; counts attempts."""
    attempts = []

    def send(self, fail_silently=False):
        attempts.append(self.to)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return attempts


def test_it_emails_the_notification_with_an_absolute_link(settings, notification, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"

    assert send_notification_email.delay(notification.pk).get() is True

    (email,) = mailoutbox
    assert email.to == ["mia@example.org"]
    assert (
        email.subject == "[Practica] Max Moderator made you part of the core group of Kubernetes Practitioners."
    )
    assert "https://practica.example.org/c/kubernetes/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://practica.example.org/c/kubernetes/"' in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_email_has_a_stable_message_id_and_one_click_unsubscribe(settings, notification, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "practica.example.org"

    send_notification_email.delay(notification.pk)

    (email,) = mailoutbox
    assert email.extra_headers["Message-ID"] == f"<notification.{notification.pk}@practica.example.org>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://practica.example.org/email/unsubscribe/")
    assert read_unsubscribe_token(unsubscribe.rstrip("/").rsplit("/", 1)[1]) == (
        notification.recipient_id,
        EmailKind.NOTIFICATIONS,
    )


def test_the_footer_says_why_and_links_the_preferences_in_both_parts(settings, notification, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"

    send_notification_email.delay(notification.pk)

    (email,) = mailoutbox
    html = email.alternatives[0][0]
    for part in (email.body, html):
        assert "You got this email because you have an account on Practica" in part
        assert "https://practica.example.org/email/preferences/" in part
    assert html.count("<html") == 1


def test_an_absolute_url_is_linked_as_it_is(db, mailoutbox):
    notification = NotificationFactory(url="https://elsewhere.example.org/page")

    send_notification_email.delay(notification.pk)

    assert "https://elsewhere.example.org/page" in mailoutbox[0].body


def test_it_sends_at_most_once(notification, mailoutbox):
    first = send_notification_email.delay(notification.pk).get()
    second = send_notification_email.delay(notification.pk).get()

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1


def test_a_notification_already_claimed_by_another_worker_is_not_sent(notification, mailoutbox):
    Notification.objects.filter(pk=notification.pk).update(emailed_at=notification.created_at)

    assert send_notification_email.delay(notification.pk).get() is False
    assert mailoutbox == []


def test_a_deleted_notification_is_skipped(notification, mailoutbox):
    pk = notification.pk
    notification.delete()

    assert send_notification_email.delay(pk).get() is False
    assert mailoutbox == []


def test_a_failed_send_releases_the_claim_and_asks_for_a_retry(notification, failing_send):
    with pytest.raises(Retry) as retry:
        send_notification_email.delay(notification.pk)

    assert len(failing_send) == 1
    assert isinstance(retry.value.exc, smtplib.SMTPServerDisconnected)
    assert retry.value.when == 60
    notification.refresh_from_db()
    assert notification.emailed_at is None


@pytest.mark.parametrize(("retries", "countdown"), [(1, 120), (3, 480), (4, 960)])
def test_retries_back_off_exponentially(notification, failing_send, retries, countdown):
    with pytest.raises(Retry) as retry:
        send_notification_email.apply(args=[notification.pk], retries=retries)

    assert retry.value.when == countdown


def test_after_the_last_retry_the_error_is_raised(notification, failing_send):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_notification_email.apply(
            args=[notification.pk], retries=send_notification_email.max_retries
        )

    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_the_retry_after_a_transient_failure_sends_the_email_once(
    notification, mailoutbox, monkeypatch
):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky_send(self, fail_silently=False):
        calls.append(self.to)
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server restarting")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    with pytest.raises(Retry):
        send_notification_email.delay(notification.pk)

    # The worker runs the retry later; the released claim lets it through.
    assert send_notification_email.apply(args=[notification.pk], retries=1).get() is True

    assert len(calls) == 2
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.parametrize(
    "change", [{"email_notifications": False}, {"is_active": False}], ids=["unsubscribed", "left"]
)
def test_no_copy_once_the_person_unsubscribed_or_left_while_it_waited(
    notification, mailoutbox, change
):
    # The task was queued when the notification was made; the person then used the
    # one-click link (or their account was closed) before a worker got to it.
    UserFactory._meta.model.objects.filter(pk=notification.recipient_id).update(**change)

    assert send_notification_email.delay(notification.pk).get() is False

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None
