"""Persona fixtures shared by the whole suite.

`community` is a public, open community and `private_community` a private one;
each persona holds the same role in both, except the outsider, who holds none.
"""

import pytest
from django.core.cache import cache

from communities.models import Role

from .factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits live in the cache; one test's attempts must not limit the next.
    cache.clear()
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
