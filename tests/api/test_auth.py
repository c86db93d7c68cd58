"""Tokens: shown once, stored hashed, scoped, revocable, rate limited; the session needs CSRF on writes."""

import hashlib

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services import token_create
from tests.api.support import Api

DIRECTORY = "/api/v1/communities"


def test_no_credentials_is_401_with_the_error_body(client, db):
    response = client.get(DIRECTORY)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_token_is_stored_only_as_its_hash(member):
    token, secret = token_create(user=member, name="bot", scope="read")

    assert secret.startswith("prt_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {
        str(v) for v in ApiToken.objects.values_list("token_hash", "hint", "name").get()
    }


def test_a_revoked_token_no_longer_opens_the_api(client, member):
    api = Api(client, member)
    assert api.get(DIRECTORY).status_code == 200

    ApiToken.objects.filter(pk=api.token.pk).update(revoked_at="2026-01-01T00:00Z")

    assert api.get(DIRECTORY).status_code == 401


def test_a_deactivated_persons_token_is_refused(client, member):
    api = Api(client, member)
    member.is_active = False
    member.save()

    assert api.get(DIRECTORY).status_code == 401


def test_a_made_up_token_is_refused(client, db):
    response = client.get(DIRECTORY, HTTP_AUTHORIZATION="Bearer prt_not-a-real-one")

    assert response.status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(client, member):
    with time_machine.travel("2026-05-04 10:00:00Z", tick=False):
        api = Api(client, member)
        api.get(DIRECTORY)
        api.token.refresh_from_db()
        first = api.token.last_used_at
        api.get(DIRECTORY)
        api.token.refresh_from_db()
        assert api.token.last_used_at == first
    with time_machine.travel("2026-05-04 10:02:00Z", tick=False):
        api.get(DIRECTORY)
    api.token.refresh_from_db()
    assert api.token.last_used_at > first


def test_a_token_beyond_its_rate_is_told_when_to_come_back(client, member, settings):
    settings.API_RATE_LIMIT = (3, 60)
    api = Api(client, member)

    statuses = [api.get(DIRECTORY).status_code for _ in range(4)]
    response = api.get(DIRECTORY)

    assert statuses == [200, 200, 200, 429]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "rate_limited"
    # Another token of the same person has its own allowance.
    assert Api(client, member).get(DIRECTORY).status_code == 200


def test_session_writes_need_the_csrf_token(member, community):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    browser.get(reverse("communities:detail", args=[community.slug]))  # sets the CSRF cookie
    url = f"/api/v1/communities/{community.slug}/requests"
    payload = {"title": "Via htmx", "body": "From the site itself."}

    refused = browser.post(url, payload, content_type="application/json")
    accepted = browser.post(
        url,
        payload,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert accepted.status_code == 201


def test_token_writes_need_no_csrf_token(member, community):
    script = Client(enforce_csrf_checks=True)
    api = Api(script, member)

    response = api.post(
        f"/api/v1/communities/{community.slug}/requests", {"title": "From a bot", "body": "Hello."}
    )

    assert response.status_code == 201


# ETags -----------------------------------------------------------------------


def test_reads_carry_an_etag_and_answer_304_when_unchanged(client, member, community):
    api = Api(client, member)
    first = api.get(DIRECTORY)

    again = api.get(DIRECTORY, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["ETag"].startswith('"')
    assert again.status_code == 304
    assert "Authorization" in first["Vary"]


def test_the_etag_changes_with_the_data(client, member, community):
    api = Api(client, member)
    before = api.get(DIRECTORY)["ETag"]
    community.tagline = "Something new"
    community.save()

    response = api.get(DIRECTORY, HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200
    assert response["ETag"] != before


def test_writes_carry_no_etag(client, member, community):
    api = Api(client, member)

    response = api.post(f"/api/v1/communities/{community.slug}/follow-nothing")

    assert response.status_code == 404
    assert "ETag" not in response


# The tokens page --------------------------------------------------------------


def test_a_new_token_is_shown_once(client, member):
    client.force_login(member)

    created = client.post(reverse("tokens:list"), {"name": "Teams bot", "scope": "write"})
    later = client.get(reverse("tokens:list"))

    token = ApiToken.objects.get(user=member)
    secret = created.context["secret"]
    assert secret.startswith("prt_") and secret in created.content.decode()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in later.content.decode()
    assert "Teams bot" in later.content.decode()


def test_a_token_needs_a_name(client, member):
    client.force_login(member)

    response = client.post(reverse("tokens:list"), {"name": "", "scope": "read"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page(client, member):
    token, secret = token_create(user=member, name="old", scope="read")
    client.force_login(member)

    client.post(reverse("tokens:revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(DIRECTORY, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.parametrize("persona", ["outsider", "moderator", "site_admin"])
def test_nobody_revokes_someone_elses_token(client, request, member, persona):
    token, _ = token_create(user=member, name="mine", scope="read")
    client.force_login(request.getfixturevalue(persona))

    response = client.post(reverse("tokens:revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_profile_links_to_the_tokens_page(client, member):
    client.force_login(member)

    response = client.get(reverse("accounts:profile", args=[member.pk]))

    assert reverse("tokens:list") in response.content.decode()
