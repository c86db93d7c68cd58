"""Password length: a clear refusal past 1,024 characters at sign-up and when changing it."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.passwords import MaximumLengthValidator
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOO_LONG = "correct-horse-" * 80  # 1,120 characters
MESSAGE = "Keep your password to 1024 characters or fewer."


def test_a_password_of_1024_characters_passes_and_one_more_is_refused():
    validator = MaximumLengthValidator(max_length=1024)

    validator.validate("x" * 1024)
    with pytest.raises(Exception, match="1024 characters or fewer"):
        validator.validate("x" * 1025)


def test_sign_up_with_a_million_character_password_is_refused_and_creates_no_account(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "newbie@example.org", "password1": "p" * 1_000_000, "password2": "p" * 1_000_000},
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not User.objects.filter(email="newbie@example.org").exists()


def test_changing_to_an_overlong_password_is_refused_and_the_old_one_still_works(client, member):
    client.force_login(member)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": TOO_LONG, "password2": TOO_LONG},
    )

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
