"""Posting limits per person, counted in the Django cache (fixed windows).

`settings.DISCUSSIONS_RATE_LIMITS` maps an action ("request", "reply") to
(how many, per how many seconds). Beyond the limit `hit` raises `RateLimited`
before anything is written, and views answer HTTP 429 with the form kept.
"""

import threading
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

DEFAULT_LIMITS = {"request": (5, 600), "reply": (20, 600)}
NOUNS = {"request": "help requests", "reply": "replies"}

_state = threading.local()


class RateLimited(ValidationError):
    def __init__(self, *, action: str, limit: int, period: int, retry_after: int):
        minutes = max(1, round(period / 60))
        super().__init__(
            f"You have posted {limit} {NOUNS.get(action, 'posts')} in the last {minutes} minutes, "
            f"which is as many as we allow. Please wait {_wait_phrase(retry_after)} and try again; "
            "what you wrote is still here.",
            code="rate_limited",
        )
        self.retry_after = retry_after


def _wait_phrase(seconds: int) -> str:
    if seconds < 60:
        return "a minute"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def limit_for(action: str) -> tuple[int, int]:
    limits = getattr(settings, "DISCUSSIONS_RATE_LIMITS", None) or {}
    return limits.get(action, DEFAULT_LIMITS[action])


def hit(*, user, action: str) -> None:
    """Count one post by `user`; raise `RateLimited` (and count nothing) beyond the limit."""
    if getattr(_state, "suspended", False):
        return
    limit, period = limit_for(action)
    now = int(time.time())
    window = now // period
    key = f"discussions:ratelimit:{action}:{user.pk}:{window}"
    # add() then incr() is atomic on Redis and locmem; two racing posts cannot both take the last slot.
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        # A refused attempt does not use up the next window's allowance.
        with suppress(ValueError):
            cache.decr(key)
        raise RateLimited(
            action=action, limit=limit, period=period, retry_after=(window + 1) * period - now
        )


@contextmanager
def suspended():
    """Post without limits (the demo seeder writes months of history in seconds)."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous
