import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Invitation, InvitationStatus

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_invitation_email(self, invitation_id: int) -> bool:
    """Email an invitation to an address with no account yet, at most once (claimed by `sent_at`)."""
    claimed = Invitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, status=InvitationStatus.PENDING
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("community", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "community": invitation.community,
        "link": f"{settings.SITE_URL}{invitation.get_absolute_url()}",
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    inviter = invitation.invited_by.name if invitation.invited_by else "A moderator"
    email = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{inviter} invited you to {invitation.community.name}",
        body=render_to_string("communities/email/invitation.txt", context),
        to=[invitation.email],
    )
    email.attach_alternative(render_to_string("communities/email/invitation.html", context), "text/html")
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as exc:
        Invitation.objects.filter(pk=invitation_id).update(sent_at=None)
        logger.warning("Invitation email %s failed: %s", invitation_id, exc)
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
    return True
