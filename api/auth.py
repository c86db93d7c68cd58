"""Who is calling: a personal access token (`Authorization: Bearer prt_…`) or the site's session.

A token stands for its owner: `request.user` becomes the token's user, so the same
policy (`community_access_or_404`, `Access`) answers as on the pages. Session
callers (the site's own htmx) must send the CSRF token on writes, as forms do.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer, django_auth

from .models import ApiToken
from .services import token_for_secret

READ_ONLY = "This token is read only: create a token with read and write scope to change anything."


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("Too many requests with this token; wait and try again.")
        self.retry_after = retry_after


def _count_use(token: ApiToken) -> None:
    """Fixed windows per token in the cache; beyond `API_RATE_LIMIT` requests, 429 until the next."""
    limit, period = settings.API_RATE_LIMIT
    if limit <= 0:
        return
    now = int(time.time())
    window = now // period
    key = f"api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(key, 1, timeout=period + 1)
        used = 1
    if used > limit:
        raise RateLimited(retry_after=max(1, (window + 1) * period - now))


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_for_secret(token)
        if found is None:
            return None
        _count_use(found)
        request.user = found.user
        request.api_token = found
        return found


def require_write(request) -> None:
    """Writes need a read-and-write token (or the session); a read-only token gets 403."""
    token = getattr(request, "api_token", None)
    if token is not None and not token.can_write:
        raise PermissionDenied(READ_ONLY)


AUTH = [TokenAuth(), django_auth]
