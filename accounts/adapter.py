from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

INVITATION_SESSION_KEY = "invitation_token"


def welcome_url() -> str:
    return reverse("accounts:profile_edit") + "?welcome=1"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # An organisation may close open sign-up; people holding an invitation can still sign up.
        return settings.ACCOUNT_ALLOW_SIGNUP or bool(request.session.get(INVITATION_SESSION_KEY))

    def get_login_redirect_url(self, request) -> str:
        # A newcomer who confirms their email in another browser (the link opened from a phone's
        # mail app, say) is not signed in by the confirmation; they sign in afterwards, and would
        # land on the dashboard without ever seeing the welcome step. No name yet means they never
        # saved a profile (the form requires one), so the first sign-in of such a person goes
        # there. An explicit `next` still wins: allauth only asks here when there is none.
        if not request.user.display_name:
            return welcome_url()
        return super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address) -> str:
        # Confirming an address while signed in (a second address, or after signing in first)
        # leads a person without a profile to the welcome step too.
        if self.request.user.is_authenticated and not self.request.user.display_name:
            return welcome_url()
        return super().get_email_verification_redirect_url(email_address)
