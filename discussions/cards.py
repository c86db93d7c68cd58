"""What discussions adds to the community page (registered from `DiscussionsConfig.ready`):
the latest help requests' card, and the open flags counted in the moderators' menu."""

from django.template.loader import render_to_string

from communities.cards import Card, community_through, register
from communities.nav import ModeratorCount, register_moderator_count

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


def register_cards() -> None:
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
