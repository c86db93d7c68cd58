"""A password validator Django lacks: an upper bound on the length.

Hashing and the similarity check cost more the longer the password, and a password
of a million characters is never one a person types; 1,024 leaves room for any
passphrase or password manager.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext


class MaximumLengthValidator:
    def __init__(self, max_length: int = 1024):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "Keep your password to %(max_length)d character or fewer.",
                    "Keep your password to %(max_length)d characters or fewer.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can be at most %(max_length)d character long.",
            "Your password can be at most %(max_length)d characters long.",
            self.max_length,
        ) % {"max_length": self.max_length}
