"""Query budgets of the API's lists: the same count over 5 items as over 200, then pinned.

A token call costs one query for the token with its user (the last-used time is written
at most once a minute, and the first call of each test makes that write before counting).
Community endpoints add the community with my membership and pending request
(`community_access_or_404`: three queries), as on the pages.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.support import Api
from tests.charter.factories import CharterFactory, CharterVersionFactory, ValueStoryFactory
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import MembershipFactory, NotificationFactory, UnitFactory, UserFactory
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory

FEW, MANY = 5, 200


def _count(api, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


def grow_communities(n, *, member, **_):
    for _ in range(n):
        c = MembershipFactory(user=member).community
        c.tags.add("matrix")


def grow_members(n, *, community, **_):
    for _ in range(n):
        MembershipFactory(community=community, user=UserFactory(unit=UnitFactory()))


def grow_requests(n, *, community, **_):
    for _ in range(n):
        HelpRequestFactory(community=community, tags=["helm", "k8s"], title="Draining a node")


def grow_meetings(n, *, community, **_):
    series = MeetingSeriesFactory(community=community)
    start = timezone.now() + dt.timedelta(days=1)
    for i in range(n):
        at = start + dt.timedelta(hours=2 * i + 2 * grow_meetings.offset)
        OccurrenceFactory(series=series, starts_at=at, original_start=at)
    grow_meetings.offset += n


grow_meetings.offset = 0


def grow_versions(n, *, community, **_):
    charter = (
        CharterFactory(community=community)
        if not hasattr(community, "charter")
        else community.charter
    )
    first = charter.versions.count() + 1
    for number in range(first, first + n):
        CharterVersionFactory(charter=charter, number=number, author=UserFactory())


def grow_stories(n, *, community, **_):
    for _ in range(n):
        ValueStoryFactory(community=community, author=UserFactory())


def grow_notifications(n, *, member, **_):
    for _ in range(n):
        NotificationFactory(recipient=member, actor=UserFactory())


def grow_replies(n, *, thread, **_):
    for _ in range(n):
        ReplyFactory(help_request=thread, author=UserFactory())


LISTS = {
    # name: (url, params, grow, budget)
    "communities": (
        "/api/v1/communities",
        {},
        grow_communities,
        5,
    ),  # token; page count, page, tags, my roles
    "members": (
        "/api/v1/communities/{slug}/members",
        {},
        grow_members,
        7,
    ),  # token, community 3; count, page, expertise
    "units": ("/api/v1/communities/{slug}/units", {}, grow_members, 5),  # token, community 3; units
    "requests": (
        "/api/v1/communities/{slug}/requests",
        {},
        grow_requests,
        7,
    ),  # token, community 3; count, page, tags
    "search": (
        "/api/v1/search",
        {"q": "draining"},
        grow_requests,
        5,
    ),  # token; count, page, tags, my roles
    "meetings": (
        "/api/v1/communities/{slug}/meetings",
        {},
        grow_meetings,
        6,
    ),  # token, community 3; count, page
    "charter versions": (
        "/api/v1/communities/{slug}/charter/versions",
        {},
        grow_versions,
        6,
    ),  # token, community 3; charter, versions
    "stories": (
        "/api/v1/communities/{slug}/stories",
        {},
        grow_stories,
        6,
    ),  # token, community 3; count, page
    "notifications": ("/api/v1/notifications", {}, grow_notifications, 3),  # token; count, page
    # One thread: token, community 3, the request and its tags, then `selectors.thread_page`'s reads
    # (roots' count and page, their descendants in one windowed query, my votes) and following.
    "thread": ("/api/v1/communities/{slug}/requests/{pk}", {}, grow_replies, 10),
}


@pytest.mark.parametrize("name", LISTS)
def test_list_costs_the_same_at_5_and_200(
    client, moderator, member, community, name, django_assert_max_num_queries
):
    url, params, grow, budget = LISTS[name]
    thread = HelpRequestFactory(community=community)
    url = url.format(slug=community.slug, pk=thread.pk)
    who = moderator if name == "charter versions" else member
    api = Api(client, who)
    context = {"community": community, "member": who, "thread": thread}

    grow(FEW, **context)
    api.get(url, params)  # records the token's use
    few = _count(api, url, params)
    grow(MANY - FEW, **context)
    many = _count(api, url, params)

    assert few == many, f"{name}: {few} queries over {FEW} items, {many} over {MANY}"
    with django_assert_max_num_queries(budget):
        api.get(url, params)
