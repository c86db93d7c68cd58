"""A newcomer reaches the welcome step however they confirm their email and sign in."""

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

WELCOME = reverse("accounts:profile_edit") + "?welcome=1"
LOGIN = reverse("account_login")

pytestmark = pytest.mark.django_db


def _newcomer(*, verified: bool = True, **fields):
    user = UserFactory(display_name="", email="nadia@example.org", **fields)
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": verified}
    )
    return user


def _sign_in(client, email: str, **extra):
    return client.post(LOGIN, {"login": email, "password": PASSWORD, **extra})


def test_first_sign_in_without_a_profile_leads_to_the_welcome_step(client):
    _newcomer()

    response = _sign_in(client, "nadia@example.org")

    assert response.status_code == 302
    assert response.url == WELCOME


def test_a_person_with_a_profile_signs_in_to_the_dashboard(client):
    user = UserFactory(display_name="Nadia Newcomer")

    response = _sign_in(client, user.email)

    assert response.url == reverse("home")


def test_an_explicit_next_still_wins_over_the_welcome_step(client):
    _newcomer()

    response = _sign_in(client, "nadia@example.org", next="/communities/")

    assert response.url == "/communities/"


def test_confirming_in_another_browser_then_signing_in_leads_to_the_welcome_step(client):
    user = _newcomer(verified=False)
    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key

    # A fresh session, as when the link is opened from a phone's mail app: not signed in by it.
    confirmed = client.post(reverse("account_confirm_email", args=[key]))
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    signed_in = _sign_in(client, "nadia@example.org")

    assert signed_in.url == WELCOME


def test_the_welcome_step_offers_the_browsers_time_zone_when_none_was_chosen(client):
    user = _newcomer()
    client.force_login(user)

    response = client.get(WELCOME)

    assert b'data-browser-zone="offer"' in response.content
    assert b"js/timezone.js" in response.content


def test_the_ordinary_edit_form_never_changes_the_time_zone_behind_the_persons_back(client):
    user = _newcomer()
    client.force_login(user)

    response = client.get(reverse("accounts:profile_edit"))

    assert b"data-browser-zone" not in response.content
    assert b"js/timezone.js" not in response.content


def test_a_chosen_time_zone_is_not_offered_again_on_the_welcome_step(client):
    user = _newcomer(timezone="Europe/Berlin")
    client.force_login(user)

    response = client.get(WELCOME)

    assert b"data-browser-zone" not in response.content
