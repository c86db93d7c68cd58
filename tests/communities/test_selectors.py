"""Reads: which communities people see, and the counts shown beside them."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from communities import selectors
from communities.models import Community, CommunityStatus, Membership, Role
from tests.factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory


def names(queryset) -> list[str]:
    return [c.name for c in queryset]


@pytest.fixture
def proposed(member):
    community = CommunityFactory(name="Proposed CoP", status=CommunityStatus.PROPOSED)
    MembershipFactory(community=community, user=member, role=Role.MODERATOR)
    return community


@pytest.fixture
def listed(db):
    return CommunityFactory(name="Listed CoP", listed=True)


# Community.objects.visible_to ------------------------------------------------


def test_anonymous_visitors_see_live_public_and_listed_communities(
    community, private_community, listed, proposed
):
    assert sorted(names(Community.objects.visible_to(AnonymousUser()))) == [
        "Kubernetes Practitioners",
        "Listed CoP",
    ]
    assert sorted(names(Community.objects.visible_to(None))) == [
        "Kubernetes Practitioners",
        "Listed CoP",
    ]


def test_outsiders_do_not_see_private_or_proposed_communities(outsider, listed, proposed):
    assert sorted(names(Community.objects.visible_to(outsider))) == [
        "Kubernetes Practitioners",
        "Listed CoP",
    ]


def test_members_see_their_private_and_proposed_communities(member, listed, proposed):
    assert sorted(names(Community.objects.visible_to(member))) == [
        "Incident Reviews",
        "Kubernetes Practitioners",
        "Listed CoP",
        "Proposed CoP",
    ]


def test_a_former_member_no_longer_sees_a_private_community(private_community, member):
    Membership.objects.filter(community=private_community, user=member).update(is_active=False)

    assert "Incident Reviews" not in names(Community.objects.visible_to(member))


def test_a_declined_community_is_hidden_from_others(outsider):
    CommunityFactory(name="Declined CoP", status=CommunityStatus.DECLINED)

    assert "Declined CoP" not in names(Community.objects.visible_to(outsider))


def test_site_admins_see_every_community(site_admin, community, private_community, proposed):
    assert Community.objects.visible_to(site_admin).count() == Community.objects.count() == 3


def test_a_community_i_belong_to_is_listed_once(member, community):
    MembershipFactory(community=community)  # more members must not repeat rows

    visible = names(Community.objects.visible_to(member))

    assert visible.count("Kubernetes Practitioners") == 1


# with_counts -----------------------------------------------------------------


def test_counts_are_of_active_members_and_distinct_units(db):
    community = CommunityFactory()
    ops, dev = UnitFactory(slug="ops"), UnitFactory(slug="dev")
    for unit in (ops, ops, dev):
        MembershipFactory(community=community, user=UserFactory(unit=unit))
    MembershipFactory(community=community, user=UserFactory(unit=None))
    MembershipFactory(
        community=community, user=UserFactory(unit=UnitFactory(slug="gone")), is_active=False
    )

    counted = Community.objects.with_counts().get(pk=community.pk)

    assert counted.member_total == 4
    assert counted.unit_total == 2


def test_a_member_who_left_is_not_counted(community, member, core):
    counted = Community.objects.with_counts().get(pk=community.pk)
    assert counted.member_total == 2

    Membership.objects.filter(community=community, user=member).update(is_active=False)

    assert Community.objects.with_counts().get(pk=community.pk).member_total == 1


def test_a_community_without_members_counts_zero(db):
    community = CommunityFactory()

    counted = Community.objects.with_counts().get(pk=community.pk)

    assert (counted.member_total, counted.unit_total) == (0, 0)


def test_community_counts_match_the_annotation(community, member, core, moderator):
    MembershipFactory(community=community, is_active=False)
    annotated = Community.objects.with_counts().get(pk=community.pk)

    counts = selectors.community_counts(community)

    assert counts == {"members": annotated.member_total, "units": annotated.unit_total}
    assert counts["members"] == 3


# directory -------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    """Three live communities of different sizes and ages, plus an archived one."""
    big = CommunityFactory(
        name="Analytics Guild",
        tagline="Dashboards and numbers",
        description="All things metrics.",
        last_activity_at=datetime(2026, 1, 1, tzinfo=UTC),
        tags=["data", "sql"],
    )
    middle = CommunityFactory(
        name="Cloud Native",
        tagline="Containers at work",
        description="We run **Kubernetes** in production.",
        last_activity_at=datetime(2026, 3, 1, tzinfo=UTC),
        tags=["kubernetes", "cloud"],
    )
    small = CommunityFactory(
        name="Bread Bakers",
        tagline="Sourdough at lunch",
        description="Flour, water, salt.",
        last_activity_at=datetime(2026, 2, 1, tzinfo=UTC),
        tags=["food"],
    )
    archived = CommunityFactory(name="Fax Machines", is_archived=True, tags=["data"])
    for community, size in ((big, 3), (middle, 2), (small, 1), (archived, 5)):
        MembershipFactory.create_batch(size, community=community)
    return {"big": big, "middle": middle, "small": small, "archived": archived}


@pytest.fixture
def reader(db):
    return UserFactory(display_name="Rita Reader")


def test_the_directory_hides_archived_communities_unless_asked(catalogue, reader):
    assert "Fax Machines" not in names(selectors.directory(user=reader))
    assert "Fax Machines" in names(selectors.directory(user=reader, archived=True))


def test_the_directory_sorts_by_latest_activity_by_default(catalogue, reader):
    assert names(selectors.directory(user=reader)) == [
        "Cloud Native",
        "Bread Bakers",
        "Analytics Guild",
    ]


def test_the_directory_sorts_by_size(catalogue, reader):
    assert names(selectors.directory(user=reader, sort="size")) == [
        "Analytics Guild",
        "Cloud Native",
        "Bread Bakers",
    ]


def test_the_directory_sorts_by_name(catalogue, reader):
    assert names(selectors.directory(user=reader, sort="name")) == [
        "Analytics Guild",
        "Bread Bakers",
        "Cloud Native",
    ]


def test_an_unknown_sort_falls_back_to_activity(catalogue, reader):
    assert names(selectors.directory(user=reader, sort="-pk; drop")) == names(
        selectors.directory(user=reader)
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("guild", ["Analytics Guild"]),  # name
        ("CONTAINERS", ["Cloud Native"]),  # tagline, any case
        ("kubernetes", ["Cloud Native"]),  # description and tag
        ("sql", ["Analytics Guild"]),  # tag name only
        ("salt", ["Bread Bakers"]),  # description only
        ("nothing like it", []),
    ],
)
def test_the_directory_search_looks_in_name_tagline_description_and_tags(
    catalogue, reader, q, expected
):
    assert names(selectors.directory(user=reader, q=q)) == expected


def test_the_directory_filters_by_tag_slug(catalogue, reader):
    assert names(selectors.directory(user=reader, tag="data")) == ["Analytics Guild"]
    assert names(selectors.directory(user=reader, tag="data", archived=True, sort="name")) == [
        "Analytics Guild",
        "Fax Machines",
    ]


def test_filtering_by_tag_does_not_skew_member_counts(catalogue, reader):
    (result,) = selectors.directory(user=reader, tag="sql")
    (search_result,) = selectors.directory(user=reader, q="sql")

    assert result.member_total == 3
    assert search_result.member_total == 3


def test_mine_shows_only_my_active_communities(catalogue, reader):
    MembershipFactory(community=catalogue["big"], user=reader)
    MembershipFactory(community=catalogue["small"], user=reader, is_active=False)

    assert names(selectors.directory(user=reader, mine=True)) == ["Analytics Guild"]


def test_mine_shows_nothing_to_anonymous_visitors(catalogue):
    assert names(selectors.directory(user=AnonymousUser(), mine=True)) == []


def test_filtering_by_mine_does_not_skew_member_counts(catalogue, reader):
    MembershipFactory(community=catalogue["big"], user=reader)

    (result,) = selectors.directory(user=reader, mine=True)

    assert result.member_total == 4


def test_the_directory_marks_my_memberships(catalogue, reader):
    MembershipFactory(community=catalogue["middle"], user=reader, role=Role.CORE)

    marked = {c.name: [m.role for m in c.my_memberships] for c in selectors.directory(user=reader)}

    assert marked == {"Cloud Native": [Role.CORE], "Bread Bakers": [], "Analytics Guild": []}


def test_the_directory_hides_private_communities_from_outsiders(
    community, private_community, outsider, member
):
    assert "Incident Reviews" not in names(selectors.directory(user=outsider))
    assert "Incident Reviews" in names(selectors.directory(user=member))
    assert "Incident Reviews" not in names(selectors.directory(user=AnonymousUser()))


def test_the_directory_works_for_anonymous_visitors(catalogue):
    assert names(selectors.directory(user=AnonymousUser(), sort="name")) == [
        "Analytics Guild",
        "Bread Bakers",
        "Cloud Native",
    ]


# Community pages -------------------------------------------------------------


def test_my_communities_lists_active_memberships_newest_activity_first(catalogue, reader):
    MembershipFactory(community=catalogue["big"], user=reader)
    MembershipFactory(community=catalogue["middle"], user=reader)
    MembershipFactory(community=catalogue["small"], user=reader, is_active=False)

    mine = list(selectors.my_communities(reader))

    assert names(mine) == ["Cloud Native", "Analytics Guild"]
    assert [c.member_total for c in mine] == [3, 4]


def test_units_represented_counts_active_members_per_unit(db):
    community = CommunityFactory()
    ops, dev = UnitFactory(name="Ops", slug="ops"), UnitFactory(name="Dev", slug="dev")
    for unit in (ops, ops, dev):
        MembershipFactory(community=community, user=UserFactory(unit=unit))
    MembershipFactory(community=community, user=UserFactory(unit=dev), is_active=False)
    MembershipFactory(community=community, user=UserFactory(unit=None))

    assert list(selectors.units_represented(community)) == [
        {"user__unit__name": "Ops", "n": 2},
        {"user__unit__name": "Dev", "n": 1},
    ]


def test_members_lists_active_members_optionally_by_role(
    community, member, core, moderator, sponsor
):
    MembershipFactory(community=community, is_active=False)

    everyone = selectors.members(community)
    moderators = selectors.members(community, role=Role.MODERATOR)
    unknown_role = selectors.members(community, role="owner")

    assert [m.user.name for m in everyone] == [
        "Cora Core",
        "Max Moderator",
        "Mia Member",
        "Sam Sponsor",
    ]
    assert [m.user for m in moderators] == [moderator]
    assert unknown_role.count() == 4


def test_stewards_are_the_active_moderators_and_sponsors(
    community, member, core, moderator, sponsor
):
    MembershipFactory(community=community, role=Role.MODERATOR, is_active=False)

    assert [(m.user, m.role) for m in selectors.stewards(community)] == [
        (moderator, Role.MODERATOR),
        (sponsor, Role.SPONSOR),
    ]
