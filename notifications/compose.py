"""Every email we send to a person goes through `compose`.

It renders `<template>.txt` and `<template>.html` (both extend the shared layout
with its footer: why you got this, your email preferences, unsubscribe), and sets
the headers a serious sender sets: a stable `Message-ID` (so a resend is the same
message), `List-Unsubscribe` with the RFC 8058 one-click POST, `Auto-Submitted`.

The unsubscribe link carries a signed token naming the person and the kind of
email, so a POST to it works without login or cookie (mail clients do this); a
GET only shows a confirmation page (link scanners must not unsubscribe anyone).
"""


from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import zone_or_utc

UNSUBSCRIBE_SALT = "practica.email.unsubscribe"


class EmailKind:
    DIGEST = "digest"
    REMINDERS = "reminders"
    NOTIFICATIONS = "notifications"

    ALL = (DIGEST, REMINDERS, NOTIFICATIONS)
    # What unsubscribing from each stops, in the words of the confirmation page.
    DESCRIPTIONS = {
        DIGEST: "email digests",
        REMINDERS: "meeting reminder emails",
        NOTIFICATIONS: "email copies of your notifications",
    }


def unsubscribe_token(user, kind: str) -> str:
    if kind not in EmailKind.ALL:
        raise ValueError(f"Unknown email kind {kind!r}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; `signing.BadSignature` if forged or mangled."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or data.get("k") not in EmailKind.ALL or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Not an unsubscribe token.")
    return data["u"], data["k"]


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user, kind: str) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)]))


def preferences_url() -> str:
    return absolute(reverse("notifications:email_preferences"))


def compose(
    *,
    user,
    subject: str,
    template: str,
    context: dict,
    kind: str,
    message_id: str,
    why: str,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> EmailMultiAlternatives:
    """An email to `user` from `template` (.txt and .html), with footer and list headers.

    `why` completes "You got this email because ..."; `attachments` are
    (filename, content, mimetype) triples.
    """
    unsubscribe = unsubscribe_url(user, kind)
    # A line break in a header is refused when the email is sent, long after this
    # returned; a title pasted with one must not make the email unsendable.
    subject = " ".join(subject.split())
    context = {
        **context,
        "recipient": user,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_what": EmailKind.DESCRIPTIONS[kind],
        "preferences_url": preferences_url(),
        "why": why,
    }
    # Tasks run with no time zone active: times in the email are the recipient's local times.
    with timezone.override(zone_or_utc(user.timezone)):
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    email = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[:200],
        body=text,
        to=[user.email],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        email.attach(filename, content, mimetype)
    return email
