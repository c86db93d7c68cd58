"""What the features add to the community pages' tabs and to the moderators' "Manage" menu.

A feature registers, from its `AppConfig.ready`, a `Tab` (discussions: Help requests; meetings:
Meetings; charter: Charter) and a `ModeratorCount` (discussions: `open_flags`). The tabs are
drawn by `includes/_community_nav.html` through the `community_tabs` tag, in their order, for
the viewer's `access`. The counts are asked only for someone who may moderate, and reach the
templates under their `name`, which the nav's "Manage" menu reads.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import ResolverMatch

from .models import Community
from .policy import Access


@dataclass(frozen=True)
class Tab:
    """A tab of the community pages. `url_name` is reversed with the community's slug;
    `visible(access)` says who sees it (everyone if None: no viewer's `Access` is needed);
    `current(match)` whether the page shown (its `request.resolver_match`) is the tab's."""

    label: str
    order: int
    url_name: str
    current: Callable[[ResolverMatch], bool]
    visible: Callable[[Access], bool] | None = None


TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> Tab:
    """Add (or, by the same url_name, replace) a tab."""
    TABS[tab.url_name] = tab
    return tab


def tabs_for(access: Access | None) -> list[Tab]:
    """The tabs a viewer sees, in order. Without an `Access`, only the tabs for everyone."""
    shown = (
        tab
        for tab in TABS.values()
        if tab.visible is None or (access is not None and tab.visible(access))
    )
    return sorted(shown, key=lambda tab: (tab.order, tab.label))


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


def _can_read(access: Access) -> bool:
    return access.can_read


def register_own_tabs() -> None:
    """Communities' own tabs: About first, Members after the features' reading tabs."""
    register_tab(
        Tab(
            label="About",
            order=0,
            url_name="communities:detail",
            current=lambda match: match.url_name == "detail" and match.namespace == "communities",
        )
    )
    register_tab(
        Tab(
            label="Members",
            order=40,
            url_name="communities:members",
            visible=_can_read,
            current=lambda match: match.url_name == "members",
        )
    )
