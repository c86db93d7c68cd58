"""What discussions adds to the community pages (registered from `DiscussionsConfig.ready`):
the latest help requests' card, the Help requests tab and the open flags counted in the
moderators' menu."""

from django.template.loader import render_to_string

from communities.cards import Card, community_through, register
from communities.nav import ModeratorCount, Tab, register_moderator_count, register_tab

from .models import FlagStatus, HelpRequest, Reply
from .permissions import can_read
from .selectors import latest_requests

TEMPLATE = "discussions/includes/_community_card.html"


def _build(community) -> str:
    return render_to_string(
        TEMPLATE + "#request_list",
        {"community": community, "help_requests": latest_requests(community)},
    )


def _open_flags(community) -> int:
    return community.flags.filter(status=FlagStatus.OPEN).count()


# Pages of discussions that other entries of the nav stand for ("More", "Manage"), or none.
NOT_THE_TAB = {"moderation_queue", "community_help_wanted", "similar"}


def register_community_page() -> None:
    register(
        Card(
            name="requests",
            order=20,
            template=TEMPLATE,
            build=_build,
            visible=can_read,
            watches={
                HelpRequest: lambda help_request: help_request.community_id,
                Reply: community_through("help_request"),
            },
        )
    )
    register_moderator_count(ModeratorCount(name="open_flags", count=_open_flags))
    register_tab(
        Tab(
            label="Help requests",
            order=20,
            url_name="discussions:list",
            visible=can_read,
            current=lambda match: match.namespace == "discussions" and match.url_name not in NOT_THE_TAB,
        )
    )
