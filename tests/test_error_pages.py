"""The styled error pages, in production and in the demo (`make run` runs with DEBUG on)."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path

from cop_platform.urls import urlpatterns as site_urls

STYLED_404 = "We can't find that page"
DEBUG_404 = "Using the URLconf"


def suspicious(request):
    raise SuspiciousOperation("A tampered request")


urlpatterns = [*site_urls, path("test/suspicious/", suspicious)]


def get(url: str, **settings):
    # A new Client builds its middleware chain under the settings in force now.
    with override_settings(**settings):
        return Client().get(url)


@pytest.mark.django_db
def test_an_unknown_address_in_the_demo_shows_the_styled_404():
    response = get("/no-such-page/", DEBUG=True, DEBUG_PAGES=False)

    assert response.status_code == 404
    content = response.content.decode()
    assert STYLED_404 in content
    assert DEBUG_404 not in content
    assert "admin/" not in content


@pytest.mark.django_db
def test_a_view_that_finds_nothing_in_the_demo_shows_the_styled_404():
    response = get("/c/no-such-community/", DEBUG=True, DEBUG_PAGES=False)

    assert response.status_code == 404
    assert STYLED_404 in response.content.decode()
    assert "Raised by" not in response.content.decode()


@pytest.mark.django_db
def test_a_developer_who_asks_gets_the_debug_404():
    response = get("/no-such-page/", DEBUG=True, DEBUG_PAGES=True)

    assert response.status_code == 404
    assert DEBUG_404 in response.content.decode()


@pytest.mark.django_db
def test_production_shows_the_styled_404():
    response = get("/no-such-page/", DEBUG=False)

    assert response.status_code == 404
    assert STYLED_404 in response.content.decode()


@pytest.mark.django_db
def test_the_demo_still_adds_the_missing_slash():
    response = get("/communities", DEBUG=True, DEBUG_PAGES=False)

    assert response.status_code == 301
    assert response["Location"] == "/communities/"


@pytest.mark.django_db
def test_the_demo_serves_pages_that_exist():
    response = get("/communities/", DEBUG=True, DEBUG_PAGES=False)

    assert response.status_code == 200


@override_settings(ROOT_URLCONF=__name__)
def test_a_bad_request_gets_the_styled_400():
    response = Client(raise_request_exception=False).get("/test/suspicious/")

    assert response.status_code == 400
    assert "We couldn't read that request" in response.content.decode()
