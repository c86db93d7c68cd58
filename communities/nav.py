"""What the features count for the moderators' "Manage" menu of the community pages.

A feature registers a `ModeratorCount` from its `AppConfig.ready` (discussions: `open_flags`).
The community page asks them only for someone who may moderate, and passes each count to the
templates under its `name`, which `includes/_community_nav.html` reads.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Community


@dataclass(frozen=True)
class ModeratorCount:
    name: str
    count: Callable[[Community], int]


MODERATOR_COUNTS: dict[str, ModeratorCount] = {}


def register_moderator_count(count: ModeratorCount) -> ModeratorCount:
    MODERATOR_COUNTS[count.name] = count
    return count


def moderator_counts(community: Community) -> dict[str, int]:
    """Each registered count for the community, by name (one query each)."""
    return {name: entry.count(community) for name, entry in MODERATOR_COUNTS.items()}
