"""notifications.compose.compose: every digest and reminder is built here, footer and list headers included."""

import copy
import email
import email.policy
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from accounts.models import DigestFrequency
from notifications.compose import (
    EmailKind,
    compose,
    preferences_url,
    read_unsubscribe_token,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.factories import UserFactory

MEETING = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)


@pytest.fixture
def templates(settings, tmp_path):
    """A pair of email templates of our own, built on the shared layout as real ones are."""
    folder = tmp_path / "templates" / "test_mail"
    folder.mkdir(parents=True)
    (folder / "hello.txt").write_text(
        '{% extends "notifications/email/base.txt" %}{% block body %}'
        'Hello {{ recipient.name }}: {{ topic }} at {{ when|date:"H:i e" }}.'
        "{% endblock %}"
    )
    (folder / "hello.html").write_text(
        '{% extends "notifications/email/base.html" %}{% block body %}'
        '<p>Hello {{ recipient.name }}: {{ topic }} at {{ when|date:"H:i e" }}.</p>'
        "{% endblock %}"
    )
    engines = copy.deepcopy(settings.TEMPLATES)
    engines[0]["DIRS"] = [tmp_path / "templates", *engines[0]["DIRS"]]
    settings.TEMPLATES = engines
    return "test_mail/hello"


@pytest.fixture
def person(db):
    return UserFactory(display_name="Mia Member", email="mia@example.org", timezone="Europe/Berlin")


def build(person, template, **overrides) -> EmailMultiAlternatives:
    arguments = {
        "user": person,
        "subject": "Weekly sync tomorrow",
        "template": template,
        "context": {"topic": "Weekly sync", "when": MEETING},
        "kind": EmailKind.REMINDERS,
        "message_id": "<reminder.1.2.60@practica.test>",
        "why": "you said you would go to this meeting",
    }
    arguments.update(overrides)
    return compose(**arguments)


def parsed(message: EmailMultiAlternatives):
    """The email as a mail client reads it."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def unsubscribe_link(message: EmailMultiAlternatives) -> str:
    header = str(parsed(message)["List-Unsubscribe"]).strip()
    match = re.fullmatch(r"<(https?://[^>]+)>", header)
    assert match, header
    return match.group(1)


def test_it_has_a_text_and_an_html_part_with_the_footer(person, templates):
    message = parsed(build(person, templates))

    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "Hello Mia Member: Weekly sync" in part
        assert "You got this email because you said you would go to this meeting." in part
        assert preferences_url() in part
        assert "Stop meeting reminder emails" in part


def test_it_is_addressed_to_the_person_with_the_site_prefix(person, templates, settings):
    message = build(person, templates)

    assert message.to == ["mia@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Weekly sync tomorrow"


def test_it_carries_the_one_click_unsubscribe_headers(person, templates):
    message = parsed(build(person, templates))

    assert str(message["Message-ID"]) == "<reminder.1.2.60@practica.test>"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(message["Auto-Submitted"]) == "auto-generated"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")


def test_the_message_id_is_the_same_each_time_it_is_built(person, templates):
    first = parsed(build(person, templates))
    second = parsed(build(person, templates))

    assert first["Message-ID"] == second["Message-ID"]


def test_the_footer_link_and_the_header_name_the_same_person_and_kind(person, templates):
    message = build(person, templates, kind=EmailKind.DIGEST)
    link = unsubscribe_link(message)
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]

    assert read_unsubscribe_token(token) == (person.pk, EmailKind.DIGEST)
    assert "Stop email digests" in message.body


@pytest.mark.parametrize(
    ("kind", "field", "off"),
    [
        (EmailKind.DIGEST, "digest_frequency", DigestFrequency.NEVER),
        (EmailKind.REMINDERS, "meeting_reminders", False),
        (EmailKind.NOTIFICATIONS, "email_notifications", False),
    ],
)
def test_the_list_unsubscribe_link_round_trips_as_a_one_click_post(
    person, templates, kind, field, off
):
    """What Gmail or Apple Mail do with the header: POST to it, no cookies, no CSRF token."""
    link = unsubscribe_link(build(person, templates, kind=kind))
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    person.refresh_from_db()
    assert getattr(person, field) == off


def test_each_person_gets_their_own_link(person, templates):
    other = UserFactory()

    mine = unsubscribe_link(build(person, templates))
    theirs = unsubscribe_link(build(other, templates))

    assert mine != theirs
    assert read_unsubscribe_token(theirs.rstrip("/").rsplit("/", 1)[1])[0] == other.pk


def test_the_text_part_is_not_html_escaped_and_the_html_part_is(person, templates):
    message = parsed(build(person, templates, context={"topic": "Q&A <live>", "when": MEETING}))

    assert "Q&A <live>" in message.get_body(preferencelist=("plain",)).get_content()
    assert "Q&amp;A &lt;live&gt;" in message.get_body(preferencelist=("html",)).get_content()


def test_times_are_in_the_recipients_time_zone(person, templates):
    """Tasks run with no time zone active; 17:30 UTC is 18:30 in Berlin in March."""
    message = build(person, templates)

    assert "at 18:30 CET." in message.body


def test_an_unknown_time_zone_falls_back_to_utc(person, templates):
    person.timezone = "Mars/Olympus_Mons"

    message = build(person, templates)

    assert "at 17:30 UTC." in message.body


def test_a_line_break_in_the_subject_does_not_make_the_email_unsendable(person, templates):
    message = build(person, templates, subject="Weekly sync\r\nBcc: everyone@example.org")

    headers = parsed(message)
    assert str(headers["Subject"]).endswith("Weekly sync Bcc: everyone@example.org")
    assert headers["Bcc"] is None


def test_a_long_subject_is_cut(person, templates):
    message = build(person, templates, subject="x" * 500)

    assert len(message.subject) == 200


def test_attachments_are_attached(person, templates):
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    message = parsed(build(person, templates, attachments=(("meeting.ics", ics, "text/calendar"),)))

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "meeting.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_a_token_names_only_known_kinds(person):
    with pytest.raises(ValueError):
        unsubscribe_token(person, "everything")


def test_a_token_is_tied_to_its_salt(person):
    token = signing.dumps({"u": person.pk, "k": "digest"}, salt="something-else")

    with pytest.raises(signing.BadSignature):
        read_unsubscribe_token(token)


def test_the_unsubscribe_url_is_absolute(person, settings):
    assert unsubscribe_url(person, EmailKind.DIGEST).startswith(
        f"{settings.SITE_URL}/email/unsubscribe/"
    )
