"""The sections of an email digest, contributed by the features that own what they list.

notifications knows no communities, requests or meetings: each feature registers its
sections here from its `AppConfig.ready()` (`communities/digest.py`, `discussions/digest.py`,
`meetings/digest.py`, `charter/digest.py`) and the `digests` app builds, orders and sends them.

A digest run builds the digests of a whole batch of people at once, with a fixed number of
queries however many people: a section's `prepare` reads what the whole run needs (once per
run, never per person) and its `build` makes one person's section from that, with no queries.
Sections that need the same rows share them through `DigestRun.shared`.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from .compose import absolute
from .models import DigestDelivery

# Items listed per section; the rest is "and N more".
SECTION_CAP = 5


class Audience:
    """Which of a person's digest communities a section looks at (membership role values)."""

    EVERYONE = ""
    MODERATORS = "moderator"
    SPONSORS = "sponsor"


@dataclass
class Item:
    title: str
    url: str
    community: str = ""
    when: dt.datetime | None = None
    until: dt.datetime | None = None
    note: str = ""


@dataclass
class Section:
    key: str
    heading: str
    items: list[Item]
    total: int
    # Where to see the rest: (label, absolute url), one per community where it helps.
    more: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more_count(self) -> int:
        return self.total - len(self.items)


@dataclass
class Reader:
    """One person's digest to build: their delivery and the communities they hear about."""

    delivery: DigestDelivery
    # community id -> the person's role there, for their active, unmuted, live memberships.
    roles: dict[int, str]

    @property
    def user_id(self) -> int:
        return self.delivery.user_id

    @property
    def frequency(self) -> str:
        return self.delivery.frequency

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return (self.delivery.covers_from, self.delivery.covers_to)

    def in_window(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.delivery.covers_from <= moment < self.delivery.covers_to

    def communities(self, audience: str = Audience.EVERYONE) -> list[int]:
        """The person's communities for `audience`, in membership order."""
        return [cid for cid, role in self.roles.items() if not audience or role == audience]


class DigestRun:
    """The deliveries of one batch, who hears about which community, and a cache per run."""

    def __init__(self, *, deliveries: list[DigestDelivery], now: dt.datetime, roles, communities):
        self.now = now
        self.deliveries = deliveries
        self.user_ids = {d.user_id for d in deliveries}
        # The batch's widest window.
        self.lo = min(d.covers_from for d in deliveries)
        self.hi = max(d.covers_to for d in deliveries)
        self.readers = [Reader(delivery=d, roles=roles.get(d.user_id, {})) for d in deliveries]
        # community id -> the community (`id`, `name`, `slug` loaded).
        self.communities = communities
        self._shared: dict[str, Any] = {}
        self._urls: dict[tuple, str] = {}

    def community_ids(self, audience: str = Audience.EVERYONE) -> set[int]:
        """Every community someone in the run hears about as `audience`."""
        return {cid for r in self.readers for cid in r.communities(audience)}

    def shared(self, key: str, load: Callable[["DigestRun"], Any]) -> Any:
        """`load(run)`, once per run, for every section that asks with the same key."""
        if key not in self._shared:
            self._shared[key] = load(self)
        return self._shared[key]

    def url(self, name: str, *args) -> str:
        """An absolute URL; remembered, as the same links recur in many digests of a batch."""
        key = (name, *args)
        if key not in self._urls:
            self._urls[key] = absolute(reverse(name, args=args))
        return self._urls[key]


@dataclass(frozen=True)
class DigestSection:
    """One section of the digest: `prepare(run)` once per run, then `build(prepared, reader, run)`
    per person, returning the person's section or None when they have nothing in it."""

    key: str
    title: str
    # Sections appear in the email by `order`, lowest first.
    order: int
    audience: str
    prepare: Callable[[DigestRun], Any]
    build: Callable[[Any, Reader, DigestRun], Section | None]


_sections: dict[str, DigestSection] = {}


def register(section: DigestSection) -> DigestSection:
    """Add a section (again under the same key replaces it: `ready()` may run twice in tests)."""
    _sections[section.key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def sections() -> list[DigestSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def person_name(display_name: str | None, email: str | None) -> str:
    return display_name or (email or "").split("@")[0] or "someone"


def more_links(run: DigestRun, community_ids: Iterable[int], url_name: str, query: str = ""):
    """("Community", url) links to where the rest of a section is, one per community."""
    return [
        (run.communities[cid].name, run.url(url_name, run.communities[cid].slug) + query)
        for cid in community_ids
    ]
