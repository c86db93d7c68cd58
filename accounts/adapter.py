from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from . import login_limits

INVITATION_SESSION_KEY = "invitation_token"


def _login_of(credentials: dict[str, Any]) -> str:
    return credentials.get("email") or credentials.get("username") or ""


def welcome_url() -> str:
    return reverse("accounts:profile_edit") + "?welcome=1"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # An organisation may close open sign-up; people holding an invitation can still sign up.
        return settings.ACCOUNT_ALLOW_SIGNUP or bool(request.session.get(INVITATION_SESSION_KEY))

    def get_client_ip(self, request) -> str:
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            # Fewer X-Forwarded-For entries than TRUSTED_PROXY_COUNT: the request did not come
            # through all our proxies, so its own address is the only one we can trust.
            # allauth would answer with a server error.
            return request.META["REMOTE_ADDR"]

    def authenticate(self, request, **credentials):
        """allauth's authenticate, with accounts.login_limits in place of its `login_failed`
        limit, which refused the correct password too once anyone had guessed five times.
        (The second-factor step keeps allauth's own limit, per person.)"""
        login = _login_of(credentials)
        if login_limits.is_refused(request, login):
            raise self.validation_error("too_many_login_attempts")
        AuthenticationBackend.unstash_authenticated_user()
        user = authenticate(request, **credentials)
        user = user or AuthenticationBackend.unstash_authenticated_user()
        if not user:
            login_limits.record_failure(request, login)
            self.authentication_failed(request, **credentials)
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # Called by allauth after a successful password reset.
        super()._delete_login_attempts_cached_email(request, **credentials)
        login_limits.clear_account(request, _login_of(credentials))

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
