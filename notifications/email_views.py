"""One-click unsubscribe (RFC 8058) and the development mail viewer.

The email preferences page is `digests.views.email_preferences` (it lists one's communities).
"""

import logging

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import DigestFrequency

from . import devmail
from .compose import EmailKind, read_unsubscribe_token
from .services import email_resubscribe, email_unsubscribe

logger = logging.getLogger(__name__)

DEV_MAIL_PER_PAGE = 25


def _what(kind: str, user) -> str:
    """What unsubscribing stops, for this person: "weekly digests", "meeting reminder emails"."""
    if kind == EmailKind.DIGEST and user.digest_frequency in (
        DigestFrequency.DAILY,
        DigestFrequency.WEEKLY,
    ):
        return f"{user.digest_frequency} digests"
    return EmailKind.DESCRIPTIONS[kind]


def _is_off(kind: str, user) -> bool:
    if kind == EmailKind.DIGEST:
        return user.digest_frequency == DigestFrequency.NEVER
    if kind == EmailKind.REMINDERS:
        return not user.meeting_reminders
    return not user.email_notifications


# One-click unsubscribe -------------------------------------------------------


# Mail clients POST `List-Unsubscribe=One-Click` to the link without cookies or a CSRF token
# (RFC 8058); the signed token in the URL is the whole authorisation.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, kind = read_unsubscribe_token(token)
        user = get_user_model().objects.get(pk=user_id)
    except (signing.BadSignature, get_user_model().DoesNotExist):
        # Neither the token nor who it named goes to the log.
        logger.info("Refused an unsubscribe link that is not ours or names nobody.")
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)

    what = _what(kind, user)
    if request.method != "POST":
        # Link scanners and previews fetch links: a GET only asks.
        return render(
            request,
            "notifications/unsubscribe.html",
            {"who": user, "kind": kind, "what": what, "already_off": _is_off(kind, user)},
        )

    previous_frequency = user.digest_frequency
    changed = email_unsubscribe(user=user, kind=kind)
    if changed:
        logger.info("Person %s unsubscribed from %s emails.", user.pk, kind)
    return render(
        request,
        "notifications/unsubscribed.html",
        {
            "who": user,
            "kind": kind,
            "what": what,
            "previous_frequency": previous_frequency,
            # Undo only for the person themself, signed in (a forwarded email's reader is not them),
            # and only what this POST stopped: undoing a repeat would turn on what was already off.
            "can_undo": changed
            and request.user.is_authenticated
            and request.user.pk == user.pk,
        },
    )


@login_required
@require_POST
def resubscribe(request: HttpRequest) -> HttpResponse:
    """Undo an unsubscribe, for the signed-in person (a normal, CSRF-checked form)."""
    kind = request.POST.get("kind", "")
    if kind not in EmailKind.ALL:
        messages.error(request, "That is not a kind of email we send. Choose on this page instead.")
        return redirect("notifications:email_preferences")
    email_resubscribe(
        user=request.user, kind=kind, digest_frequency=request.POST.get("frequency", "")
    )
    messages.success(request, f"You will get {_what(kind, request.user)} again.")
    return redirect("notifications:email_preferences")


# Development mail viewer -----------------------------------------------------


def _require_dev_mail(request: HttpRequest) -> None:
    """Site admins only, and only while emails go to files; others are not told it exists."""
    if not (request.user.is_superuser and devmail.enabled()):
        raise Http404


@login_required
def dev_mail(request: HttpRequest) -> HttpResponse:
    _require_dev_mail(request)
    page = Paginator(devmail.index(), DEV_MAIL_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = devmail.summaries(page.object_list)
    return render(
        request, "notifications/dev_mail.html", {"page": page, "folder": devmail.folder()}
    )


def _int_param(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise Http404
    return int(raw)


@login_required
# A srcdoc frame inherits this page's CSP, and every email styles itself with style attributes:
# this page alone lets style attributes through (the frame is sandboxed; no script runs in it).
@csp_replace({"style-src-attr": [UNSAFE_INLINE]})
def dev_mail_message(request: HttpRequest, name: str) -> HttpResponse:
    _require_dev_mail(request)
    stored = devmail.message(name, _int_param(request, "m", 0))
    if stored is None:
        raise Http404
    number = _int_param(request, "attachment")
    if number is not None:
        attachment = next((a for a in stored.attachments if a.number == number), None)
        if attachment is None:
            raise Http404
        response = HttpResponse(attachment.content, content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        # Whatever the email carried, it never runs as a page of this site.
        response["Content-Security-Policy"] = "sandbox"
        return response
    return render(request, "notifications/dev_mail_message.html", {"stored": stored})
