"""What the charter adds to the community pages (registered from `CharterConfig.ready`):
its card on the community page and the Charter tab."""

from django.template.loader import render_to_string

from communities.cards import Card, community_through, register
from communities.nav import Tab, register_tab

from .models import Charter, CharterVersion
from .selectors.drafts import charter_for

TEMPLATE = "charter/includes/_community_card.html"


def _build(community) -> dict:
    charter = charter_for(community)
    approved = charter.approved_version if charter else None
    html = ""
    if approved:
        html = render_to_string(TEMPLATE + "#approved", {"community": community, "approved": approved})
    # The charter's state too: the draft card for core members and sponsors reads it.
    return {"html": html, "exists": charter is not None, "state": charter.state if charter else ""}


# The value stories have their own place, under the nav's "More".
STORY_PAGES = {"stories", "story", "story_new"}


def register_community_page() -> None:
    register(
        Card(
            name="charter",
            order=10,
            template=TEMPLATE,
            build=_build,
            # Everyone who may see the community page: the draft card is for core members and sponsors (template).
            visible=lambda access: True,
            watches={
                Charter: lambda charter: charter.community_id,
                CharterVersion: community_through("charter"),
            },
        )
    )
    register_tab(
        Tab(
            label="Charter",
            order=50,
            url_name="charter:detail",
            current=lambda match: match.namespace == "charter" and match.url_name not in STORY_PAGES,
        )
    )
