"""The community pages' tabs: communities' own and the features' (communities/nav.py)."""

import re

import pytest
from django.urls import reverse

from communities import nav
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def tabs(client, url) -> list[tuple[str, bool]]:
    response = client.get(url)
    assert response.status_code == 200
    subnav = response.content.decode().split('<nav class="subnav"', 1)[1].split("<details", 1)[0]
    return [(label, bool(current)) for current, label in re.findall(r'<a href="[^"]*" (aria-current="page")?>([^<]+)</a>', subnav)]


def test_a_member_sees_every_tab_in_order_with_the_page_shown_current(client, member, community):
    client.force_login(member)

    assert tabs(client, reverse("meetings:list", args=[community.slug])) == [
        ("About", False),
        ("Help requests", False),
        ("Meetings", True),
        ("Members", False),
        ("Charter", False),
    ]
    assert tabs(client, reverse("communities:detail", args=[community.slug]))[0] == ("About", True)


def test_an_outsider_of_a_listed_community_sees_only_the_tabs_for_everyone(client, outsider):
    listed = CommunityFactory(slug="listed", visibility="listed")
    client.force_login(outsider)

    assert tabs(client, reverse("communities:detail", args=[listed.slug])) == [("About", True), ("Charter", False)]


def test_the_value_stories_are_not_the_charter_tab(client, member, community):
    client.force_login(member)

    assert ("Charter", False) in tabs(client, reverse("charter:stories", args=[community.slug]))


def test_a_feature_adds_a_tab_from_its_own_folder(client, member, community):
    nav.register_tab(
        nav.Tab(
            label="Join requests",  # any community page will do as the tab's target
            order=35,
            url_name="communities:join_requests",
            visible=lambda access: access.is_member,
            current=lambda match: match.url_name == "join_requests",
        )
    )
    try:
        client.force_login(member)
        shown = tabs(client, reverse("communities:detail", args=[community.slug]))
    finally:
        nav.TABS.pop("communities:join_requests")

    assert [label for label, _ in shown] == ["About", "Help requests", "Meetings", "Join requests", "Members", "Charter"]
