"""Wrong-password limits that slow brute force without letting a stranger lock a person out.

allauth's own limit counts failures per email address and per client address and, once
either is reached, refuses the *correct* password too: five wrong guesses by anyone locked a
known person out, and ten from one address (a whole office behind one proxy) locked out
everyone there. Here failures are counted three ways (settings.LOGIN_FAILURE_LIMITS):

- per account *and* address: the address that guessed wrong for this account is refused,
  whatever password it tries next, until the window passes. The attacker is slowed; the
  person, signing in from elsewhere, is not.
- per address, across accounts, with a higher threshold: one address spraying many
  accounts is refused for all of them. Other addresses are not.
- per account, across addresses, the highest threshold: a guessing spread over many
  addresses. Then every address that has guessed wrong for the account is refused at once;
  one with no failure on it (the person's) still has its password checked, and a second
  factor, where the person has one, is asked for as always.

Every refusal comes before the password is checked and reads the same whatever the
password was, so a refused attempt tells the attacker nothing. The client address is allauth's, which reads
X-Forwarded-For only through ALLAUTH_TRUSTED_PROXY_COUNT proxies (settings: TRUSTED_PROXY_COUNT).
"""

import hashlib

from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "login-failed"


def _limit(kind: str) -> tuple[int, int]:
    amount, seconds = settings.LOGIN_FAILURE_LIMITS[kind]
    return int(amount), int(seconds)


def _account(login: str) -> str:
    # Hashed: cache keys must not carry email addresses (nor their odd characters).
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()


def _keys(request: HttpRequest, login: str) -> dict[str, str]:
    address = get_ip(request)
    account = _account(login)
    return {
        "account_and_address": f"{PREFIX}:pair:{account}:{address}",
        "address": f"{PREFIX}:address:{address}",
        "account": f"{PREFIX}:account:{account}",
    }


def _count(key: str) -> int:
    return cache.get(key, 0)


def _over(kind: str, key: str) -> bool:
    amount, _seconds = _limit(kind)
    return _count(key) >= amount


def is_refused(request: HttpRequest, login: str) -> bool:
    """Whether this attempt is refused before its password is even checked.

    Refused: an address that guessed wrong too often for this account, or for many accounts;
    and, while the account is under a guessing spread over many addresses, any address that
    has itself guessed wrong for it. An address with no failure on the account still gets
    its password checked, so the person signs in while strangers guess elsewhere.
    """
    if not settings.ACCOUNT_RATE_LIMITS_ENABLED:
        return False
    keys = _keys(request, login)
    if _over("account_and_address", keys["account_and_address"]) or _over(
        "address", keys["address"]
    ):
        return True
    return _over("account", keys["account"]) and _count(keys["account_and_address"]) > 0


def record_failure(request: HttpRequest, login: str) -> None:
    if not settings.ACCOUNT_RATE_LIMITS_ENABLED:
        return
    for kind, key in _keys(request, login).items():
        _amount, seconds = _limit(kind)
        # A fixed window per counter: the first failure starts it, it ends `seconds` later.
        cache.add(key, 0, timeout=seconds)
        try:
            cache.incr(key)
        except ValueError:
            # The window closed between add and incr: this failure opens the next one.
            cache.set(key, 1, timeout=seconds)


def clear_account(request: HttpRequest, login: str) -> None:
    """After a password reset (itself rate limited, and proof of the mailbox): the account
    starts afresh, and so does this address's record against it."""
    keys = _keys(request, login)
    cache.delete_many([keys["account"], keys["account_and_address"]])
