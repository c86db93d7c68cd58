"""Persona fixtures shared by the whole suite.

`community` is a public, open community and `private_community` a private one;
each persona holds the same role in both, except the outsider, who holds none.
"""

import warnings

import pytest
from django.core.cache import cache
from django.db import connection

from communities.models import Role

from .factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The test database is set up like docker-compose's and the README's: without PostgreSQL's
    # JIT compiler (a database setting, since PgBouncer refuses it as a connection option).
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET jit = off')
            connection.close()  # the setting applies to the sessions opened from now on
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits live in the cache; one test's attempts must not limit the next.
    cache.clear()
    yield


_previous_test = {"id": ""}


@pytest.fixture(autouse=True)
def _celery_as_configured(request, settings):
    """Every test starts with the project's Celery app current and eager, as the test settings
    say. A test that makes another app current (shared tasks resolve through the current app) or
    points ours at a real broker must put it back: otherwise the tests after it in the same
    process publish to a broker no worker reads, and their emails and webhooks never run. The
    warning names the test that left it so."""
    from celery import current_app

    from cop_platform.celery import app

    if current_app._get_current_object() is not app or (
        app.conf.task_always_eager != settings.CELERY_TASK_ALWAYS_EAGER
    ):
        warnings.warn(f"{_previous_test['id']} left the Celery app changed", stacklevel=1)
        app.set_current()
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        app.conf.broker_url = settings.CELERY_BROKER_URL
    _previous_test["id"] = request.node.nodeid
    yield


@pytest.fixture
def unit(db):
    return UnitFactory(name="Platform Engineering", slug="platform-engineering")


@pytest.fixture
def community(db):
    return CommunityFactory(name="Kubernetes Practitioners", slug="kubernetes", tags=["kubernetes"])


@pytest.fixture
def private_community(db):
    return CommunityFactory(name="Incident Reviews", slug="incident-reviews", private=True)


def _persona(role: str | None, *communities, **kwargs):
    user = UserFactory(**kwargs)
    if role:
        for c in communities:
            MembershipFactory(community=c, user=user, role=role)
    return user


@pytest.fixture
def outsider(community, private_community):
    return _persona(None, display_name="Olive Outsider", email="outsider@example.org")


@pytest.fixture
def member(community, private_community):
    return _persona(Role.MEMBER, community, private_community, display_name="Mia Member", email="member@example.org")


@pytest.fixture
def core(community, private_community):
    return _persona(Role.CORE, community, private_community, display_name="Cora Core", email="core@example.org")


@pytest.fixture
def moderator(community, private_community):
    return _persona(
        Role.MODERATOR, community, private_community, display_name="Max Moderator", email="moderator@example.org"
    )


@pytest.fixture
def sponsor(community, private_community):
    return _persona(
        Role.SPONSOR, community, private_community, display_name="Sam Sponsor", email="sponsor@example.org"
    )


@pytest.fixture
def site_admin(db):
    return UserFactory(display_name="Ada Admin", email="admin@example.org", is_staff=True, is_superuser=True)
