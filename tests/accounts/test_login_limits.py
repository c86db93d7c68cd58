"""Wrong passwords slow the guesser down, and never lock the person out (issue 11, hostile 2)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.test_settings import SETUP_PRODUCTION, production_env, run_python

WRONG = "not-the-password"
VICTIM_ADDRESS = "198.51.100.7"
ATTACKER_ADDRESS = "203.0.113.66"
REFUSED = "Too many failed login attempts"


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@example.org")


def attempt(email: str, password: str, *, address: str, client: Client | None = None, **headers):
    client = client or Client()
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def test_the_person_signs_in_after_a_stranger_guessed_wrong_many_times_elsewhere(victim):
    for _ in range(12):
        attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)

    assert signed_in(attempt(victim.email, PASSWORD, address=VICTIM_ADDRESS))


def test_the_guessing_address_is_refused_even_the_right_password(victim):
    for _ in range(5):
        response = attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)
        assert REFUSED not in response.content.decode()

    response = attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS)

    assert not signed_in(response)
    # The same words as for a wrong password would be an oracle; the refusal says nothing.
    assert REFUSED in response.content.decode()


def test_a_refused_guess_reads_the_same_whatever_the_password(victim):
    for _ in range(5):
        attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)

    right = attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS)
    wrong = attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)

    assert right.status_code == wrong.status_code == 200
    assert REFUSED in right.content.decode()
    assert REFUSED in wrong.content.decode()


def test_ten_failures_from_a_shared_address_do_not_refuse_another_person_there(db):
    # An office behind one address: a few colleagues mistype, one of them many times.
    office = "192.0.2.10"
    for person in UserFactory.create_batch(3):
        for _ in range(4):
            attempt(person.email, WRONG, address=office)

    colleague = UserFactory()
    assert signed_in(attempt(colleague.email, PASSWORD, address=office))


def test_an_address_spraying_many_accounts_is_refused_for_all_of_them(db, settings):
    settings.LOGIN_FAILURE_LIMITS = {**settings.LOGIN_FAILURE_LIMITS, "address": (6, 600)}
    targets = UserFactory.create_batch(3)
    for person in targets:
        for _ in range(2):
            attempt(person.email, WRONG, address=ATTACKER_ADDRESS)
    fresh = UserFactory()

    response = attempt(fresh.email, PASSWORD, address=ATTACKER_ADDRESS)

    assert not signed_in(response)
    assert REFUSED in response.content.decode()
    assert signed_in(attempt(fresh.email, PASSWORD, address=VICTIM_ADDRESS))


def test_a_guessing_spread_over_many_addresses_still_lets_the_person_in(victim, settings):
    settings.LOGIN_FAILURE_LIMITS = {**settings.LOGIN_FAILURE_LIMITS, "account": (6, 3600)}
    botnet = [f"203.0.113.{n}" for n in range(1, 7)]
    for address in botnet:
        attempt(victim.email, WRONG, address=address)

    # Each guessing address now gets no further try at this account, not even a right one...
    again = attempt(victim.email, PASSWORD, address=botnet[0])
    assert not signed_in(again)
    assert REFUSED in again.content.decode()
    # ...while the person, from an address that never guessed, signs in.
    assert signed_in(attempt(victim.email, PASSWORD, address=VICTIM_ADDRESS))


def test_the_limits_reset_after_their_window(victim, settings):
    from django.core.cache import cache

    for _ in range(5):
        attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)
    assert not signed_in(attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS))

    # The window's counter expiring is the cache's job; dropping it stands in for the wait.
    cache.clear()

    assert signed_in(attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS))


def test_without_a_trusted_proxy_count_x_forwarded_for_is_ignored(victim, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    # Rotating a forged header does not buy the guesser fresh tries.
    for n in range(5):
        attempt(victim.email, WRONG, address=ATTACKER_ADDRESS, x_forwarded_for=f"192.0.2.{n}")

    response = attempt(
        victim.email, PASSWORD, address=ATTACKER_ADDRESS, x_forwarded_for="192.0.2.99"
    )

    assert not signed_in(response)


def test_behind_a_trusted_proxy_people_are_told_apart_by_x_forwarded_for(victim, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(6):
        attempt(victim.email, WRONG, address=proxy, x_forwarded_for=ATTACKER_ADDRESS)

    # Same proxy, another person behind it: the attacker's failures are not theirs.
    assert signed_in(
        attempt(victim.email, PASSWORD, address=proxy, x_forwarded_for=VICTIM_ADDRESS)
    )
    # The attacker, behind the same proxy, stays refused.
    refused = attempt(victim.email, PASSWORD, address=proxy, x_forwarded_for=ATTACKER_ADDRESS)
    assert not signed_in(refused)


def test_a_request_that_skipped_the_proxies_is_counted_by_its_own_address(victim, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    # One X-Forwarded-For entry where two proxies would have written two: not a server error.
    for _ in range(5):
        response = attempt(
            victim.email, WRONG, address=ATTACKER_ADDRESS, x_forwarded_for="192.0.2.1"
        )
        assert response.status_code == 200

    refused = attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS, x_forwarded_for="192.0.2.2")
    assert not signed_in(refused)


def test_production_reads_the_proxy_count_from_the_environment():
    result = run_python(
        ["-c", SETUP_PRODUCTION + "; from django.conf import settings as s; print(s.ALLAUTH_TRUSTED_PROXY_COUNT)"],
        production_env(TRUSTED_PROXY_COUNT="2"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_a_password_reset_clears_the_accounts_failures(victim, settings):
    from allauth.account.adapter import get_adapter
    from django.test import RequestFactory

    settings.LOGIN_FAILURE_LIMITS = {**settings.LOGIN_FAILURE_LIMITS, "account": (3, 3600)}
    for n in range(3):
        attempt(victim.email, WRONG, address=f"203.0.113.{n}")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.0")
    get_adapter(request)._delete_login_attempts_cached_email(request, email=victim.email)

    assert signed_in(attempt(victim.email, PASSWORD, address="203.0.113.0"))


def test_limits_are_off_when_rate_limits_are_disabled(victim, settings):
    settings.ACCOUNT_RATE_LIMITS_ENABLED = False
    for _ in range(8):
        attempt(victim.email, WRONG, address=ATTACKER_ADDRESS)

    assert signed_in(attempt(victim.email, PASSWORD, address=ATTACKER_ADDRESS))
