"""What meetings adds to the community pages (registered from `MeetingsConfig.ready`):
the next meeting's card on the community page and the Meetings tab."""

from django.template.loader import render_to_string

from communities.cards import Card, community_through, register
from communities.nav import Tab, register_tab

from .models import MeetingSeries, Occurrence, Rsvp
from .permissions import can_read_meetings
from .selectors import next_meeting


def _build(community) -> str:
    return render_to_string(
        "meetings/includes/_next_meeting.html",
        {"community": community, "next_meeting": next_meeting(community)},
    )


def register_community_page() -> None:
    register(
        Card(
            name="meeting",
            order=30,
            template="meetings/includes/_community_card.html",
            build=_build,
            visible=can_read_meetings,
            watches={
                MeetingSeries: lambda series: series.community_id,
                Occurrence: lambda occurrence: occurrence.community_id,
                Rsvp: community_through("occurrence"),
            },
            # The meeting's time shows in the viewer's zone: one copy per zone.
            zoned=True,
        )
    )
    register_tab(
        Tab(
            label="Meetings",
            order=30,
            url_name="meetings:list",
            visible=can_read_meetings,
            current=lambda match: match.namespace == "meetings",
        )
    )
