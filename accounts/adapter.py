from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

INVITATION_SESSION_KEY = "invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # An organisation may close open sign-up; people holding an invitation can still sign up.
        return settings.ACCOUNT_ALLOW_SIGNUP or bool(request.session.get(INVITATION_SESSION_KEY))
