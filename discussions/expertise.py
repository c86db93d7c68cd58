"""Who knows what: the one rule for matching a person's expertise to a request's tags.

A tag matches by slug, or by name ignoring case: tag names are case-sensitive, and a later
"Kubernetes" gets the slug "kubernetes_1", so by slug alone that expert would never be told.
`discussions.services.posting.experts_for` asks the database by this rule; `Expertise` applies
it to rows already read in bulk (the digest's and the escalation's batches).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.text import slugify


@dataclass
class Expertise:
    """One person's expertise tags, as slugs and lowered names."""

    slugs: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add(self, name: str, slug: str) -> None:
        self.slugs.add(slug)
        self.names.add(name.lower())

    def matches(self, tag_names: Iterable[str]) -> bool:
        return any(slugify(name) in self.slugs or name.lower() in self.names for name in tag_names)

    def __bool__(self) -> bool:
        return bool(self.slugs)
