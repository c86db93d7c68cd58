"""A feature adds a card to the community page from its own folder, and communities needs no change.

The card here stands for a newcomer's feature: it is registered the way charter/cards.py,
discussions/cards.py and meetings/cards.py register theirs (from their `AppConfig.ready`), its
template lives outside templates/communities/, and it is cached and forgotten like the others.
"""

import copy
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html

from communities import cards
from communities.models import Membership, Role
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

from .test_cards import CACHED_DETAIL_BUDGET

pytestmark = pytest.mark.django_db

TESTS_TEMPLATES = str(Path(__file__).resolve().parents[1] / "templates")


@pytest.fixture
def test_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TESTS_TEMPLATES]
    settings.TEMPLATES = templates


@pytest.fixture
def builds():
    return []


@pytest.fixture
def welcome_card(test_templates, builds):
    def build(community) -> str:
        builds.append(community.pk)
        members = Membership.objects.filter(community=community, is_active=True).count()
        return format_html("<p>{} people so far.</p>", members)

    card = cards.register(
        cards.Card(
            name="welcome",
            order=15,  # after the charter (10), before the help requests (20)
            template="tests/_welcome_card.html",
            build=build,
            visible=lambda access: access.is_member,
            watches={Membership: lambda membership: membership.community_id},
        )
    )
    yield card
    cards.unregister(card.name)


def page(client, community) -> str:
    response = client.get(reverse("communities:detail", args=[community.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_card_shows_on_the_community_page_in_its_order(client, member, community, welcome_card):
    client.force_login(member)

    content = page(client, community)

    assert "<p>1 people so far.</p>" in content
    assert content.index("welcome-card") < content.index("help-card")
    assert content.index("welcome-card") > content.index("about-heading")


def test_the_card_is_built_once_then_served_from_the_cache(client, member, community, welcome_card, builds):
    client.force_login(member)
    page(client, community)

    with CaptureQueriesContext(connection) as captured:
        content = page(client, community)

    assert builds == [community.pk]
    assert len(captured.captured_queries) == CACHED_DETAIL_BUDGET
    assert "<p>1 people so far.</p>" in content


def test_a_write_to_a_model_the_card_watches_shows_at_once(client, member, community, welcome_card, builds):
    client.force_login(member)
    page(client, community)

    MembershipFactory(community=community, user=UserFactory(), role=Role.MEMBER)

    assert "<p>2 people so far.</p>" in page(client, community)
    assert builds == [community.pk, community.pk]


def test_a_write_elsewhere_leaves_the_card_cached(client, member, community, welcome_card, builds):
    other = CommunityFactory(slug="other")
    client.force_login(member)
    page(client, community)

    MembershipFactory(community=other, user=UserFactory(), role=Role.MEMBER)
    page(client, community)

    assert builds == [community.pk]


def test_a_viewer_the_card_is_not_for_never_has_it_built(client, outsider, community, welcome_card, builds):
    client.force_login(outsider)

    content = page(client, community)

    assert "welcome-card" not in content
    assert builds == []


def test_what_differs_by_viewer_stays_out_of_the_cache(client, member, moderator, community, welcome_card, builds):
    client.force_login(member)
    assert "Greet them" not in page(client, community)

    client.force_login(moderator)
    assert "Greet them" in page(client, community)
    assert builds == [community.pk]


def test_an_unregistered_card_leaves_the_page(client, member, community, welcome_card):
    client.force_login(member)
    assert "welcome-card" in page(client, community)

    cards.unregister(welcome_card.name)

    assert "welcome-card" not in page(client, community)
