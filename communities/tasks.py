from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from notifications.sending import send_claimed_email

from .models import Invitation, InvitationStatus


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_invitation_email(self, invitation_id: int) -> bool:
    """Email an invitation to an address with no account yet, at most once (claimed through `sent_at`)."""

    def build() -> EmailMultiAlternatives:
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
        return email

    # A revoked invitation is never sent.
    pending = Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.PENDING)
    return send_claimed_email(self, queryset=pending, claim_field="sent_at", build=build)
