"""Property: every list a person sees is exactly what the per-object permission allows.

Over seeded random worlds (communities public, listed or private, some archived or
still proposed; people who are members, who left, who never joined; a site admin;
requests in every status, some removed; replies, some removed), for every person:

    list shown to them == [x for x in the unrestricted list if access_for(person, x.community).can_read]

for search (several queries and filters), similar questions, both help-wanted
lists, the @mention suggestions and the notifications the posting services send.
The unrestricted lists use the same matching code over every request, so only the
permission scope can make them differ; `access_for` is the policy object the pages
use, independent of the `readable_by` query every list goes through.
"""

import random

import pytest
from django.urls import reverse

from communities.models import CommunityStatus, Role
from communities.policy import access_for
from discussions import mentions
from discussions.models import HelpRequest, Reply, RequestStatus
from discussions.search import (
    HELP_WANTED_STATUSES,
    SearchFilters,
    help_wanted_everywhere,
    help_wanted_in,
    refresh_search_vectors,
    search_in,
    search_requests,
    similar_in,
    similar_requests,
)
from notifications.models import Notification
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

SEEDS = range(15)
WORDS = ["helm", "kafka", "terraform", "grafana", "postgres", "nginx", "ansible", "vault"]
TAGS = ["helm", "kafka", "observability", "databases", "security"]
NAMES = ["Aisha", "Bruno", "Chen", "Dana", "Emeka", "Fatima"]


class WorldData:
    def __init__(self, seed: int):
        rng = random.Random(seed)
        self.rng = rng
        self._can_read: dict[tuple[int, int], bool] = {}
        self.communities = []
        for n in range(5):
            kind = rng.choice(["public", "public", "listed", "private"])
            traits = {"listed": {"listed": True}, "private": {"private": True}}.get(kind, {})
            status = CommunityStatus.PROPOSED if rng.random() < 0.15 else CommunityStatus.ACTIVE
            self.communities.append(
                CommunityFactory(
                    name=f"World {seed} community {n}",
                    slug=f"w{seed}-c{n}",
                    status=status,
                    is_archived=rng.random() < 0.2,
                    **traits,
                )
            )
        self.people = []
        for name in NAMES:
            person = UserFactory(
                display_name=f"{name} Seed{seed}", expertise=rng.sample(TAGS, rng.randint(0, 2))
            )
            for community in rng.sample(self.communities, rng.randint(0, 3)):
                MembershipFactory(
                    community=community,
                    user=person,
                    role=rng.choice(list(Role)),
                    is_active=rng.random() < 0.75,
                )
            self.people.append(person)
        self.people.append(
            UserFactory(display_name=f"Ada Admin{seed}", is_staff=True, is_superuser=True)
        )

        for n in range(24):
            words = rng.sample(WORDS, 2)
            request = HelpRequestFactory(
                community=rng.choice(self.communities),
                author=rng.choice(self.people),
                title=f"Trouble with {words[0]} number {n}",
                body=f"We run {words[1]} in production.",
                tags=rng.sample(TAGS, rng.randint(0, 2)),
                status=rng.choice(list(RequestStatus)),
                is_removed=rng.random() < 0.15,
            )
            count = 0
            for _ in range(rng.randint(0, 3)):
                removed = rng.random() < 0.25
                ReplyFactory(
                    help_request=request,
                    author=rng.choice(self.people),
                    body=f"Have you tried {rng.choice(WORDS)}?",
                    is_removed=removed,
                )
                count += not removed
            accepted = None
            if count and rng.random() < 0.3:
                accepted = Reply.objects.filter(help_request=request, is_removed=False).first()
            HelpRequest.objects.filter(pk=request.pk).update(
                reply_count=count, accepted_reply=accepted
            )
        refresh_search_vectors(HelpRequest.objects.all())
        self.requests = list(
            HelpRequest.objects.select_related("community").prefetch_related("tags")
        )

    def can_read(self, person, community) -> bool:
        # Memoised: the policy asks the database for the membership each time.
        key = (person.pk, community.pk)
        if key not in self._can_read:
            self._can_read[key] = access_for(person, community).can_read
        return self._can_read[key]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_list_is_exactly_what_the_person_may_read(seed, db, client):
    # One world per seed, every list checked in it: building the world is the slow part.
    world = WorldData(seed)
    check_search(world)
    check_search_within_one_community(world)
    check_similar(world)
    check_help_wanted_everywhere(world)
    check_community_help_wanted_pages(world, client)
    check_overall_help_wanted_page(world, client)
    check_mention_suggestions(world, client)
    check_notifications_from_posting(world)


def ids(objects) -> set[int]:
    return {o.pk for o in objects}


def permitted(world, person, objects) -> set[int]:
    return {o.pk for o in objects if world.can_read(person, o.community)}


SEARCHES = [
    {"q": "helm"},
    {"q": "kafka production"},
    {"q": "tried vault"},
    {"q": "trouble"},
    {"unanswered": True},
    {"status": RequestStatus.SOLVED},
    {"tag": "security"},
    {"q": "grafana", "tag": "helm"},
]


def check_search(world):
    everything = HelpRequest.objects.visible()
    for spec in SEARCHES:
        filters = SearchFilters(**spec)
        unrestricted = list(search_in(everything, filters))
        for person in world.people:
            shown = ids(search_requests(user=person, filters=filters))
            assert shown == permitted(world, person, unrestricted), (spec, person)


def check_search_within_one_community(world):
    for person in world.people:
        for community in world.communities:
            filters = SearchFilters(q="trouble", community=community)
            shown = ids(search_requests(user=person, filters=filters))
            if not world.can_read(person, community):
                assert shown == set()
            else:
                assert shown == {
                    r.pk
                    for r in world.requests
                    if r.community_id == community.pk and not r.is_removed
                }


def check_similar(world):
    everything = HelpRequest.objects.visible()
    for title in ("Trouble with helm", "kafka number trouble", "postgres in production"):
        for community in world.communities[:2]:
            unrestricted = list(similar_in(everything, title=title, community=community))
            for person in world.people:
                expected = [r.pk for r in unrestricted if world.can_read(person, r.community)][:5]
                shown = [
                    r.pk for r in similar_requests(user=person, title=title, community=community)
                ]
                assert shown == expected, (title, person)


def _wanted(request) -> bool:
    return (
        not request.is_removed
        and request.status in HELP_WANTED_STATUSES
        and request.accepted_reply_id is None
    )


def check_help_wanted_everywhere(world):
    for person in world.people:
        mine = {
            m.community_id
            for m in person.memberships.filter(is_active=True).select_related("community")
            if m.community.accepts_members
        }
        expertise = set(person.expertise.names())
        expected = {r.pk for r in world.requests if _wanted(r) and r.community_id in mine}
        shown = ids(help_wanted_everywhere(user=person))
        assert shown == expected
        # A subset of what they may read, whatever the membership rows say.
        assert shown <= permitted(world, person, world.requests)
        matching = {
            r.pk for r in world.requests if r.pk in expected and expertise & set(r.tags.names())
        }
        assert ids(help_wanted_everywhere(user=person, mine_only=True)) == matching


def check_community_help_wanted_pages(world, client):
    for person in world.people[::3]:
        client.force_login(person)
        for community in world.communities:
            response = client.get(
                reverse("discussions:community_help_wanted", args=[community.slug])
            )
            if world.can_read(person, community):
                assert response.status_code == 200
                expected = {
                    r.pk for r in world.requests if r.community_id == community.pk and _wanted(r)
                }
                assert ids(help_wanted_in(community=community)) == expected
                assert ids(response.context["page"].object_list) <= expected
            else:
                assert response.status_code in (403, 404)


def check_overall_help_wanted_page(world, client):
    for person in world.people:
        client.force_login(person)
        response = client.get(reverse("discussions:help_wanted"))
        assert ids(response.context["page"].object_list) <= permitted(world, person, world.requests)


def check_mention_suggestions(world, client):
    for community in world.communities:
        for query in ("seed", "a", "ada"):
            readers = [p for p in world.people if world.can_read(p, community) and p.is_active]
            matching = [
                p
                for p in readers
                if query in p.display_name.lower() or query in (p.handle or "").lower()
            ]
            expected = sorted(matching, key=lambda p: (p.display_name, p.handle))[:8]
            assert [p.pk for p in mentions.suggestions(community, query)] == [
                p.pk for p in expected
            ]
    # And the endpoint itself opens only to readers.
    for person in world.people[::2]:
        client.force_login(person)
        for community in world.communities:
            response = client.get(
                reverse("discussions:mention_suggestions", args=[community.slug]), {"q": "seed"}
            )
            assert (response.status_code == 200) == world.can_read(person, community)


def check_notifications_from_posting(world):
    from discussions.services import posting

    rng = world.rng
    handles = " ".join(f"@{p.handle}" for p in world.people)
    for community in world.communities:
        authors = [
            m.user for m in community.memberships.filter(is_active=True).select_related("user")
        ]
        if not authors or not community.accepts_members:
            continue
        author = rng.choice(authors)
        request = posting.help_request_create(
            community=community,
            by=author,
            title="Who knows helm here?",
            body=f"Asking {handles}",
            tags=rng.sample(TAGS, 2),
        )
        replier = rng.choice(authors)
        posting.reply_create(help_request=request, by=replier, body=f"Cc {handles}")
    notes = Notification.objects.select_related("recipient", "community").exclude(community=None)
    assert notes.exists() or not any(c.accepts_members for c in world.communities)
    for note in notes:
        assert world.can_read(note.recipient, note.community), (
            note.kind,
            note.recipient,
            note.community,
        )
