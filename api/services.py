"""Writes for API tokens: create (the secret is returned once, never stored), revoke, use."""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Scope

PREFIX = "prt_"
# Recording every use would make each API read a write; a minute is precise enough to tell
# a token still in use from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 50


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which the caller shows once."""
    name = name.strip()
    if not name:
        raise ValidationError(
            "Give the token a name, so you know later what uses it.", code="no_name"
        )
    if scope not in Scope.values:
        raise ValidationError("Choose read only, or read and write.", code="bad_scope")
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one you no longer use first.",
            code="too_many",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], scope=scope, token_hash=hash_secret(secret), hint=secret[:10]
    )
    return token, secret


def token_revoke(*, token: ApiToken, by) -> ApiToken:
    if token.user_id != by.pk:
        raise ValidationError("Only its owner revokes a token.", code="not_owner")
    # Conditional: revoking twice keeps the first time.
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, its user loaded; records the use (at most once a minute)."""
    if not secret.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(token_hash=hash_secret(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
