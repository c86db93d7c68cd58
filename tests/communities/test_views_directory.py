"""The community directory: search, filters, sorting, what each visitor may see, and the htmx partial."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import CommunityStatus, Role
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

URL = reverse("communities:directory")


def listed(response) -> list[str]:
    return [c.name for c in response.context["page"].object_list]


@pytest.fixture
def wound_care(db):
    return CommunityFactory(
        name="Wound Care",
        slug="wound-care",
        tagline="Nurses sharing dressings that work",
        description="Pressure ulcers, burns and everything in between.",
        tags=["nursing"],
        listed=True,
    )


@pytest.fixture
def python_guild(db):
    return CommunityFactory(
        name="Python Guild",
        slug="python-guild",
        tagline="Snakes on a plane",
        tags=["python", "programming"],
    )


def test_it_lists_live_communities_to_anonymous_visitors(client, community, wound_care):
    response = client.get(URL)

    assert response.status_code == 200
    assert sorted(listed(response)) == ["Kubernetes Practitioners", "Wound Care"]


def test_private_community_is_not_listed_for_anonymous(client, private_community, community):
    response = client.get(URL)

    assert "Incident Reviews" not in listed(response)
    assert b"Incident Reviews" not in response.content


def test_private_community_is_not_listed_for_outsider(client, outsider):
    client.force_login(outsider)

    response = client.get(URL)

    assert listed(response) == ["Kubernetes Practitioners"]
    assert b"Incident Reviews" not in response.content


def test_private_community_is_not_found_by_searching_its_name(client, outsider):
    client.force_login(outsider)

    response = client.get(URL, {"q": "incident"})

    assert listed(response) == []


def test_private_community_is_listed_for_its_members(client, member):
    client.force_login(member)

    response = client.get(URL)

    assert sorted(listed(response)) == ["Incident Reviews", "Kubernetes Practitioners"]
    assert b"badge-private" in response.content


def test_private_community_is_listed_for_site_admin(client, site_admin, private_community):
    client.force_login(site_admin)

    assert "Incident Reviews" in listed(client.get(URL))


def test_former_member_no_longer_sees_the_private_community(client, member, private_community):
    private_community.memberships.filter(user=member).update(is_active=False)
    client.force_login(member)

    assert "Incident Reviews" not in listed(client.get(URL))


def test_proposed_community_is_not_listed(client, outsider):
    CommunityFactory(name="Quantum Knitting", status=CommunityStatus.PROPOSED)
    client.force_login(outsider)

    assert "Quantum Knitting" not in listed(client.get(URL))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("wound", ["Wound Care"]),  # name
        ("dressings", ["Wound Care"]),  # tagline
        ("ULCERS", ["Wound Care"]),  # description, any case
        ("python", ["Python Guild"]),  # name and tag
        ("programming", ["Python Guild"]),  # tag only
        ("nothing matches this", []),
    ],
)
def test_search_matches_name_tagline_description_and_tags(
    client, wound_care, python_guild, community, q, expected
):
    response = client.get(URL, {"q": q})

    assert listed(response) == expected


def test_search_keeps_the_typed_query_in_the_box(client, db):
    response = client.get(URL, {"q": "wound care"})

    assert b'value="wound care"' in response.content


def test_empty_result_says_nothing_matches(client, db):
    response = client.get(URL, {"q": "zzz"})

    assert b"No community matches." in response.content


def test_tag_filter_keeps_only_tagged_communities(client, community, python_guild, wound_care):
    response = client.get(URL, {"tag": "python"})

    assert listed(response) == ["Python Guild"]
    assert b"clear tag" in response.content


def test_tag_filter_does_not_skew_member_counts(client, python_guild):
    for _ in range(3):
        MembershipFactory(community=python_guild)

    response = client.get(URL, {"tag": "python"})

    (card,) = response.context["page"].object_list
    assert card.member_total == 3


def test_mine_keeps_only_my_communities(client, member, wound_care, python_guild):
    MembershipFactory(community=wound_care, user=member)
    client.force_login(member)

    response = client.get(URL, {"mine": "on"})

    assert sorted(listed(response)) == [
        "Incident Reviews",
        "Kubernetes Practitioners",
        "Wound Care",
    ]


def test_mine_leaves_out_communities_i_left(client, member, community):
    community.memberships.filter(user=member).update(is_active=False)
    client.force_login(member)

    response = client.get(URL, {"mine": "on"})

    assert listed(response) == ["Incident Reviews"]


def test_mine_shows_nothing_to_anonymous(client, community, wound_care):
    response = client.get(URL, {"mine": "on"})

    assert listed(response) == []
    assert b'name="mine"' not in response.content


def test_my_role_shows_on_my_community_cards(client, moderator):
    client.force_login(moderator)

    response = client.get(URL)

    assert b"badge-moderator" in response.content


def test_archived_communities_are_hidden_unless_asked_for(client, community, wound_care):
    wound_care.is_archived = True
    wound_care.save()

    assert listed(client.get(URL)) == ["Kubernetes Practitioners"]
    with_archived = client.get(URL, {"archived": "on"})
    assert sorted(listed(with_archived)) == ["Kubernetes Practitioners", "Wound Care"]
    assert b"badge-archived" in with_archived.content


@pytest.fixture
def three_communities(db):
    """Alpha is the biggest, Charlie the most recently active, Bravo neither."""
    now = timezone.now()
    alpha = CommunityFactory(name="Alpha", last_activity_at=now - timedelta(days=3))
    bravo = CommunityFactory(name="Bravo", last_activity_at=now - timedelta(days=2))
    charlie = CommunityFactory(name="Charlie", last_activity_at=now - timedelta(days=1))
    for community, size in ((alpha, 3), (bravo, 2), (charlie, 1)):
        for _ in range(size):
            MembershipFactory(community=community)
    return alpha, bravo, charlie


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["Charlie", "Bravo", "Alpha"]),
        ("activity", ["Charlie", "Bravo", "Alpha"]),
        ("size", ["Alpha", "Bravo", "Charlie"]),
        ("name", ["Alpha", "Bravo", "Charlie"]),
    ],
)
def test_sort_orders_the_results(client, three_communities, sort, expected):
    response = client.get(URL, {"sort": sort} if sort else {})

    assert listed(response) == expected


def test_unknown_sort_falls_back_to_activity(client, three_communities):
    response = client.get(URL, {"sort": "evil; DROP TABLE"})

    assert response.status_code == 200
    assert listed(response) == ["Charlie", "Bravo", "Alpha"]


def test_size_counts_only_active_members(client, three_communities):
    alpha, bravo, _ = three_communities
    alpha.memberships.update(is_active=False)

    response = client.get(URL, {"sort": "size"})

    assert listed(response) == ["Bravo", "Charlie", "Alpha"]


def test_cards_show_members_and_units(client, db):
    guild = CommunityFactory(name="Guild")
    MembershipFactory(community=guild, user=UserFactory(unit__slug="u-a", unit__name="A"))
    MembershipFactory(community=guild, user=UserFactory(unit__slug="u-a", unit__name="A"))
    MembershipFactory(
        community=guild, user=UserFactory(unit__slug="u-b", unit__name="B"), role=Role.CORE
    )

    response = client.get(URL)

    (card,) = response.context["page"].object_list
    assert (card.member_total, card.unit_total) == (3, 2)
    assert b"<strong>3</strong> members" in response.content
    assert b"<strong>2</strong> units represented" in response.content


def test_results_are_paged_by_24(client, db):
    CommunityFactory.create_batch(25)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(listed(first)) == 24
    assert len(listed(second)) == 1
    assert b'rel="next"' in first.content


def test_htmx_request_for_the_results_gets_only_the_partial(client, community, python_guild):
    response = client.get(
        URL, {"q": "python"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="community-results"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="community-results"')
    assert "Python Guild" in body
    assert "Kubernetes Practitioners" not in body
    assert "<html" not in body
    assert "Communities of practice" not in body


def test_htmx_request_for_another_target_gets_the_whole_page(client, community):
    response = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")

    assert b"<html" in response.content


def test_htmx_partial_hides_private_communities_too(client, outsider):
    """A client can ask for the partial directly: it must be filtered like the page."""
    client.force_login(outsider)

    response = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="community-results")

    assert b"Incident Reviews" not in response.content
    assert b"Kubernetes Practitioners" in response.content


def test_propose_link_is_for_signed_in_people(client, outsider):
    assert b"Propose a community" not in client.get(URL).content
    client.force_login(outsider)
    assert b"Propose a community" in client.get(URL).content
