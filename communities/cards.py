"""The community page's cards that read the same for everyone who may see them, cached.

Each feature registers its own cards (`register(Card(...))` from its `cards.py`, imported in
its `AppConfig.ready`): charter/cards.py, discussions/cards.py, meetings/cards.py. This module
and the community page know no feature; they render the registered cards in their order.

The charter, latest-help-requests and next-meeting cards cost most of the community
page (the charter with its approved version and reviewer, two Markdown renders, the
requests, the meeting: four queries and the templates), and none of them depends on
who looks. What does differ per viewer stays outside, decided on every request in the
view and the page template: whether the viewer may see the requests and meetings at
all, the "Ask for help" button, the draft-charter card for core members and sponsors.
Only the viewer's time zone shows inside a card (the meeting's time): it is in the key.
Nothing about the viewer (their RSVP, their membership) is ever rendered into a card.

Invalidation: a version per community in the key, bumped by signals on every model a
card shows (`bump`), so no service has to remember it. The bump runs at once and again
on commit: at once so the writer's next page is fresh, on commit so a reader who cached
the old rows between the two has them replaced. Writes through `QuerySet.update()`
send no signal; those that change a card (reply counts, RSVP counts, last activity)
come with a saved row that does (the reply, the RSVP). `settings.COMMUNITY_CARDS_SECONDS`
bounds what is left: relative times ("2 hours ago", "Happening now"), a person's new display name on a
card (a profile edit does not know which cards show it) and any missed write.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import Community
from .policy import Access

CommunityId = Callable[[Any], int | None]


@dataclass(frozen=True)
class Card:
    """One card of the community page.

    `build(community)` makes the cached part, the same for every viewer who may see the card
    (HTML, or a dict holding HTML and what the placing template needs). `template` places it
    on the page, per viewer: it gets `built` (what `build` returned), `access` and `community`,
    and adds what differs by viewer (a button, a card for core members only). `visible(access)`
    says whether this viewer sees the card at all: if not, it is never built on their behalf.
    `watches` maps each model the card shows to how to find the community id from a saved or
    deleted row of it: those writes bump the community's cards (`bump`). `zoned`: the card shows
    a time, so one copy is cached per time zone.
    """

    name: str
    order: int
    template: str
    build: Callable[[Community], Any]
    visible: Callable[[Access], bool] = lambda access: True
    watches: Mapping[type[Model], CommunityId] = field(default_factory=dict)
    zoned: bool = False


# The registered cards by name; filled from the features' `AppConfig.ready`.
CARDS: dict[str, Card] = {}


def register(card: Card) -> Card:
    """Add (or, by the same name, replace) a card of the community page."""
    CARDS[card.name] = card
    return card


def unregister(name: str) -> None:
    CARDS.pop(name, None)


def visible_cards(access: Access) -> list[Card]:
    """The cards this viewer sees, in their order on the page."""
    return sorted((card for card in CARDS.values() if card.visible(access)), key=lambda card: (card.order, card.name))


def _version_key(community_id: int) -> str:
    return f"community-cards:version:{community_id}"


def _new_version() -> int:
    # Not 0: if a version key is evicted, its successor must not meet a bundle cached under an
    # earlier incarnation of the same number.
    return time.time_ns()


def _bump_now(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache (never set, expired or evicted)
        cache.set(key, _new_version(), timeout=None)


def bump(community_id: int | None) -> None:
    """Forget the community's cached cards: now, and again once the writer's transaction commits."""
    if community_id is None:
        return
    key = _version_key(community_id)
    _bump_now(key)
    transaction.on_commit(lambda: _bump_now(key))


def community_cards(community, *, wanted) -> dict:
    """The `wanted` cards of the community (what each card's `build` returned), cached.

    Only the cards the viewer may see are asked for, so a visitor who may not read the
    requests or meetings never has them read, rendered or cached on their behalf.
    """
    version_key = _version_key(community.pk)
    version = cache.get(version_key)
    if version is None:
        cache.add(version_key, _new_version(), timeout=None)
        version = cache.get(version_key)
    zone = timezone.get_current_timezone_name()
    keys = {
        name: f"community-cards:{community.pk}:{version}:{name}"
        + (f":{zone}" if CARDS[name].zoned else "")
        for name in wanted
    }
    found = cache.get_many(list(keys.values()))
    built, missing = {}, {}
    for name, key in keys.items():
        if key in found:
            built[name] = found[key]
        else:
            built[name] = missing[key] = CARDS[name].build(community)
    if missing:
        cache.set_many(missing, timeout=settings.COMMUNITY_CARDS_SECONDS)
    return built


def community_through(attribute: str) -> CommunityId:
    """For a card's `watches`: the community of a row found through its foreign key `attribute`."""

    def community_id(instance) -> int | None:
        field = type(instance)._meta.get_field(attribute)
        if field.is_cached(instance):  # the services pass the object: no query
            related = getattr(instance, attribute)
            return related.community_id if related is not None else None
        return (
            field.related_model.objects.filter(pk=getattr(instance, field.attname))
            .values_list("community_id", flat=True)
            .first()
        )

    return community_id


# Every card shows the community (its name, its links): its own writes bump them all.
_COMMUNITY_WATCH: dict[type[Model], CommunityId] = {Community: lambda community: community.pk}


def _on_write(sender, instance, **kwargs) -> None:
    watchers = [_COMMUNITY_WATCH.get(sender)] + [card.watches.get(sender) for card in CARDS.values()]
    for community_id in {watch(instance) for watch in watchers if watch is not None}:
        bump(community_id)


def connect() -> None:
    """Called once from `CommunitiesConfig.ready`.

    One receiver for every model: the cards that watch a model are those registered when the
    row is written, whichever app registered them and whenever.
    """
    post_save.connect(_on_write, dispatch_uid="community-cards-save")
    post_delete.connect(_on_write, dispatch_uid="community-cards-delete")
