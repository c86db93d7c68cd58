"""The invitation email to an address with no account: sent at most once, retried on failure."""

import smtplib

import pytest
from celery.exceptions import Retry
from django.core.mail import EmailMultiAlternatives

from communities.models import Invitation, InvitationStatus
from communities.tasks import send_invitation_email
from tests.factories import InvitationFactory


@pytest.fixture
def invitation(private_community, moderator):
    return InvitationFactory(
        community=private_community,
        email="new@example.org",
        invited_by=moderator,
        message="Come and help!",
    )


@pytest.fixture
def failing_send(monkeypatch):
    attempts = []

    def send(self, fail_silently=False):
        attempts.append(self.to)
        raise smtplib.SMTPRecipientsRefused({"new@example.org": (450, b"Mailbox busy")})

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return attempts


def test_it_emails_the_invitation_link(settings, invitation, mailoutbox):
    settings.SITE_URL = "https://practica.example.org"

    assert send_invitation_email.delay(invitation.pk).get() is True

    (email,) = mailoutbox
    assert email.to == ["new@example.org"]
    assert email.subject == "[Practica] Max Moderator invited you to Incident Reviews"
    link = f"https://practica.example.org/invitations/{invitation.token}/"
    assert link in email.body
    assert "Come and help!" in email.body
    assert link in email.alternatives[0][0]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_an_invitation_from_a_deleted_account_is_from_a_moderator(invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(invited_by=None)

    send_invitation_email.delay(invitation.pk)

    assert mailoutbox[0].subject == "[Practica] A moderator invited you to Incident Reviews"


def test_it_sends_at_most_once(invitation, mailoutbox):
    first = send_invitation_email.delay(invitation.pk).get()
    second = send_invitation_email.delay(invitation.pk).get()

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "status", [InvitationStatus.REVOKED, InvitationStatus.ACCEPTED, InvitationStatus.DECLINED]
)
def test_an_invitation_no_longer_pending_is_not_sent(invitation, mailoutbox, status):
    Invitation.objects.filter(pk=invitation.pk).update(status=status)

    assert send_invitation_email.delay(invitation.pk).get() is False
    assert mailoutbox == []


def test_a_failed_send_releases_the_claim_and_asks_for_a_retry(invitation, failing_send):
    with pytest.raises(Retry) as retry:
        send_invitation_email.delay(invitation.pk)

    assert len(failing_send) == 1
    assert isinstance(retry.value.exc, smtplib.SMTPRecipientsRefused)
    assert retry.value.when == 60
    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_after_the_last_retry_the_error_is_raised(invitation, failing_send):
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_invitation_email.apply(args=[invitation.pk], retries=send_invitation_email.max_retries)

    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_the_retry_after_a_transient_failure_sends_the_invitation_once(
    invitation, mailoutbox, monkeypatch
):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky_send(self, fail_silently=False):
        calls.append(self.to)
        if len(calls) == 1:
            raise TimeoutError("mail server slow")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    with pytest.raises(Retry):
        send_invitation_email.delay(invitation.pk)

    assert send_invitation_email.apply(args=[invitation.pk], retries=1).get() is True

    assert len(calls) == 2
    assert len(mailoutbox) == 1


def test_an_invitation_revoked_before_the_retry_is_not_sent(
    invitation, mailoutbox, failing_send, monkeypatch
):
    with pytest.raises(Retry):
        send_invitation_email.delay(invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.REVOKED)
    monkeypatch.undo()

    assert send_invitation_email.apply(args=[invitation.pk], retries=1).get() is False
    assert mailoutbox == []
