"""One-click unsubscribe (RFC 8058): the signed link in every digest and reminder.

A POST unsubscribes without login, cookie or CSRF token (mail clients do that);
a GET only asks (link scanners fetch links); a forged token changes nothing.
"""

import html
import logging

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.models import DigestFrequency
from notifications.compose import UNSUBSCRIBE_SALT, EmailKind, unsubscribe_token
from tests.factories import UserFactory

ONE_CLICK = {"List-Unsubscribe": "One-Click"}

# What each kind of email switches off: (field, value while subscribed, value after).
FIELDS = {
    EmailKind.DIGEST: ("digest_frequency", DigestFrequency.WEEKLY, DigestFrequency.NEVER),
    EmailKind.REMINDERS: ("meeting_reminders", True, False),
    EmailKind.NOTIFICATIONS: ("email_notifications", True, False),
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def url(user, kind: str) -> str:
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)])


@pytest.fixture
def mail_client():
    """A mail client: no cookies, and CSRF checks on as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def person(db):
    return UserFactory(
        email="a@b.c",
        digest_frequency=DigestFrequency.WEEKLY,
        meeting_reminders=True,
        email_notifications=True,
    )


def settings_of(user) -> tuple:
    user.refresh_from_db()
    return (user.digest_frequency, user.meeting_reminders, user.email_notifications)


@pytest.mark.parametrize("kind", EmailKind.ALL)
def test_a_post_without_cookie_or_csrf_token_unsubscribes(mail_client, person, kind):
    field, _on, off = FIELDS[kind]

    response = mail_client.post(url(person, kind), ONE_CLICK)

    assert response.status_code == 200
    assert "won't get" in text(response)
    person.refresh_from_db()
    assert getattr(person, field) == off


@pytest.mark.parametrize("kind", EmailKind.ALL)
def test_unsubscribing_one_kind_leaves_the_others_alone(mail_client, person, kind):
    mail_client.post(url(person, kind), ONE_CLICK)

    person.refresh_from_db()
    for other, (field, on, _off) in FIELDS.items():
        if other != kind:
            assert getattr(person, field) == on


@pytest.mark.parametrize("kind", EmailKind.ALL)
def test_a_get_only_asks_and_changes_nothing(client, person, kind):
    before = settings_of(person)

    response = client.get(url(person, kind))

    assert response.status_code == 200
    assert settings_of(person) == before
    assert b'method="post"' in response.content


def test_a_head_changes_nothing(client, person):
    before = settings_of(person)

    response = client.head(url(person, EmailKind.DIGEST))

    assert response.status_code == 200
    assert settings_of(person) == before


def test_the_confirmation_names_the_email_and_the_address(client, person):
    response = client.get(url(person, EmailKind.DIGEST))

    assert "Stop weekly digests for a@b.c?" in response.content.decode()


def test_the_confirmation_says_when_it_is_already_off(client, person):
    person.meeting_reminders = False
    person.save()

    response = client.get(url(person, EmailKind.REMINDERS))

    assert response.status_code == 200
    assert "already gets no meeting reminder emails" in response.content.decode()


def test_unsubscribing_twice_is_harmless(mail_client, person):
    link = url(person, EmailKind.DIGEST)

    first = mail_client.post(link, ONE_CLICK)
    second = mail_client.post(link, ONE_CLICK)

    assert first.status_code == second.status_code == 200
    person.refresh_from_db()
    assert person.digest_frequency == DigestFrequency.NEVER


def test_the_page_after_unsubscribing_says_what_stopped(mail_client, person):
    person.digest_frequency = DigestFrequency.DAILY
    person.save()

    response = mail_client.post(url(person, EmailKind.DIGEST), ONE_CLICK)

    assert "You won't get daily digests any more" in text(response)
    assert reverse("notifications:email_preferences").encode() in response.content


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "eyJ1IjoxLCJrIjoiZGlnZXN0In0:1tAbCd:forgedsignatureforgedsignature",
        "caf\u00e9:1:\u00e9",
        ".%%%:1:2",
        "",
    ],
)
def test_a_forged_or_mangled_token_is_refused_and_changes_nothing(mail_client, person, token):
    before = settings_of(person)
    path = reverse("notifications:unsubscribe", args=[token or "x"])

    response = mail_client.post(path, ONE_CLICK)

    assert response.status_code == 400
    assert "This unsubscribe link does not work" in response.content.decode()
    assert settings_of(person) == before


def test_a_truncated_token_is_refused(mail_client, person):
    token = unsubscribe_token(person, EmailKind.DIGEST)

    response = mail_client.post(reverse("notifications:unsubscribe", args=[token[:-3]]), ONE_CLICK)

    assert response.status_code == 400
    assert settings_of(person)[0] == DigestFrequency.WEEKLY


def test_a_get_with_a_forged_token_is_refused_too(client, person):
    response = client.get(reverse("notifications:unsubscribe", args=["forged:token"]))

    assert response.status_code == 400


def test_a_token_signed_for_something_else_is_refused(mail_client, person):
    """Another signed value of ours (a different salt) is not an unsubscribe token."""
    token = signing.dumps({"u": person.pk, "k": EmailKind.DIGEST}, salt="practica.something-else")

    response = mail_client.post(reverse("notifications:unsubscribe", args=[token]), ONE_CLICK)

    assert response.status_code == 400
    assert settings_of(person)[0] == DigestFrequency.WEEKLY


@pytest.mark.parametrize(
    "payload",
    [{"u": 1, "k": "everything"}, {"u": "1", "k": "digest"}, ["digest"], {"k": "digest"}],
)
def test_a_well_signed_token_of_the_wrong_shape_is_refused(mail_client, person, payload):
    token = signing.dumps(payload, salt=UNSUBSCRIBE_SALT)

    response = mail_client.post(reverse("notifications:unsubscribe", args=[token]), ONE_CLICK)

    assert response.status_code == 400


def test_a_token_for_a_deleted_person_is_refused(mail_client, db):
    gone = UserFactory()
    link = url(gone, EmailKind.DIGEST)
    gone.delete()

    response = mail_client.post(link, ONE_CLICK)

    assert response.status_code == 400


def test_one_persons_token_cannot_touch_another(mail_client, person):
    other = UserFactory(digest_frequency=DigestFrequency.DAILY)
    token = unsubscribe_token(person, EmailKind.DIGEST)
    # Swap the id inside the token, keep the signature: the signature no longer matches.
    payload, _, signature = token.partition(":")
    forged_payload = signing.b64_encode(
        signing.JSONSerializer().dumps({"u": other.pk, "k": "digest"})
    ).decode()

    response = mail_client.post(
        reverse("notifications:unsubscribe", args=[f"{forged_payload}:{signature}"]), ONE_CLICK
    )

    assert payload != forged_payload
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.digest_frequency == DigestFrequency.DAILY


def test_a_signed_in_visitor_unsubscribes_the_person_named_in_the_link_not_themself(
    mail_client, person
):
    reader = UserFactory()
    mail_client.force_login(reader)

    mail_client.post(url(person, EmailKind.REMINDERS), ONE_CLICK)

    reader.refresh_from_db()
    person.refresh_from_db()
    assert reader.meeting_reminders is True
    assert person.meeting_reminders is False


def test_the_person_signed_in_can_undo(client, person):
    person.digest_frequency = DigestFrequency.DAILY
    person.save()
    client.force_login(person)

    response = client.post(url(person, EmailKind.DIGEST), ONE_CLICK)
    assert b"Undo: keep getting daily digests" in response.content
    undo = client.post(
        reverse("notifications:resubscribe"), {"kind": "digest", "frequency": "daily"}
    )

    assert undo.status_code == 302
    assert undo.url == reverse("notifications:email_preferences")
    person.refresh_from_db()
    assert person.digest_frequency == DigestFrequency.DAILY


@pytest.mark.parametrize("kind", [EmailKind.REMINDERS, EmailKind.NOTIFICATIONS])
def test_undo_turns_the_other_kinds_back_on(client, person, kind):
    field, on, _off = FIELDS[kind]
    client.force_login(person)
    client.post(url(person, kind), ONE_CLICK)

    client.post(reverse("notifications:resubscribe"), {"kind": kind})

    person.refresh_from_db()
    assert getattr(person, field) == on


def test_no_undo_for_someone_else_or_nobody_signed_in(client, mail_client, person):
    anonymous = mail_client.post(url(person, EmailKind.DIGEST), ONE_CLICK)
    client.force_login(UserFactory())
    other = client.post(url(person, EmailKind.REMINDERS), ONE_CLICK)

    assert b"Undo" not in anonymous.content
    assert b"Undo" not in other.content


def test_undo_needs_a_csrf_token(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    person.digest_frequency = DigestFrequency.NEVER
    person.save()

    response = browser.post(reverse("notifications:resubscribe"), {"kind": "digest"})

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.digest_frequency == DigestFrequency.NEVER


def test_undo_of_an_unknown_kind_changes_nothing(client, person):
    person.digest_frequency = DigestFrequency.NEVER
    person.save()
    client.force_login(person)

    response = client.post(
        reverse("notifications:resubscribe"), {"kind": "everything"}, follow=True
    )

    assert "not a kind of email we send" in response.content.decode()
    assert settings_of(person)[0] == DigestFrequency.NEVER


def test_undo_does_not_switch_a_digest_that_is_already_on(client, person):
    person.digest_frequency = DigestFrequency.DAILY
    person.save()
    client.force_login(person)

    client.post(reverse("notifications:resubscribe"), {"kind": "digest", "frequency": "weekly"})

    assert settings_of(person)[0] == DigestFrequency.DAILY


def test_nothing_secret_reaches_the_log(mail_client, person, caplog):
    token = unsubscribe_token(person, EmailKind.DIGEST)
    with caplog.at_level(logging.DEBUG, logger="notifications"):
        mail_client.post(reverse("notifications:unsubscribe", args=[token]), ONE_CLICK)
        mail_client.post(reverse("notifications:unsubscribe", args=[token + "x"]), ONE_CLICK)

    # Ours only: web servers log request paths, which are theirs to configure.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("notifications")]
    assert len(ours) == 2
    assert not any(token in line or person.email in line for line in ours)


@pytest.mark.parametrize("kind", EmailKind.ALL)
def test_no_undo_offered_when_the_email_was_already_off(client, person, kind):
    # Undo would turn on an email the person had switched off before following the link.
    field, _on, off = FIELDS[kind]
    setattr(person, field, off)
    person.save()
    client.force_login(person)

    response = client.post(url(person, kind), ONE_CLICK)

    assert response.status_code == 200
    assert b"Undo" not in response.content
    assert reverse("notifications:resubscribe").encode() not in response.content
    person.refresh_from_db()
    assert getattr(person, field) == off
