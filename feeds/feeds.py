"""Atom feeds: a public or listed community's news (requests, solved ones, meetings), and help wanted.

Feed readers cannot sign in, so a feed carries only titles and links of what a community
shows its about page to everyone: private (and not yet approved) communities give 404.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from communities.models import Community, CommunityStatus, Visibility
from discussions.models import HelpRequest, RequestStatus
from meetings.models import Occurrence

ITEMS = 30


def _open_communities():
    return Community.objects.filter(status=CommunityStatus.ACTIVE).exclude(
        visibility=Visibility.PRIVATE
    )


class CommunityFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> Community:
        community = _open_communities().filter(slug=slug).first()
        if community is None:
            raise Http404("No such community.")
        return community

    def title(self, obj: Community) -> str:
        return f"{obj.name} · {settings.SITE_NAME}"

    def link(self, obj: Community) -> str:
        return obj.get_absolute_url()

    def subtitle(self, obj: Community) -> str:
        return obj.tagline or f"New help requests, solved ones and meetings of {obj.name}"

    def items(self, obj: Community) -> list:
        requests = list(
            HelpRequest.objects.filter(community=obj, is_removed=False).order_by("-created_at")[
                :ITEMS
            ]
        )
        solved = list(
            HelpRequest.objects.filter(community=obj, is_removed=False, status=RequestStatus.SOLVED)
            .exclude(accepted_at__isnull=True)
            .order_by("-accepted_at")[:ITEMS]
        )
        meetings = list(
            Occurrence.objects.filter(community=obj)
            .select_related("series")
            .order_by("-created_at")[:ITEMS]
        )
        entries = [("new", r, r.created_at) for r in requests]
        entries += [("solved", r, r.accepted_at) for r in solved]
        entries += [("meeting", m, m.created_at) for m in meetings]
        entries.sort(key=lambda e: e[2], reverse=True)
        return entries[:ITEMS]

    def item_title(self, item) -> str:
        what, obj, _ = item
        if what == "meeting":
            return f"Meeting: {obj.series.title} ({obj.starts_at:%Y-%m-%d %H:%M} UTC)"
        return f"Solved: {obj.title}" if what == "solved" else f"Help wanted: {obj.title}"

    def item_description(self, item) -> str:
        return ""

    def item_link(self, item) -> str:
        return item[1].get_absolute_url()

    def item_guid(self, item) -> str:
        what, obj, _ = item
        return f"{settings.SITE_URL}{obj.get_absolute_url()}#{what}"

    def item_pubdate(self, item):
        return item[2]

    def item_updateddate(self, item):
        return item[2]


class HelpWantedFeed(Feed):
    feed_type = Atom1Feed
    title = f"Help wanted · {settings.SITE_NAME}"
    subtitle = "Open help requests in public communities"

    def link(self) -> str:
        return reverse("discussions:help_wanted")

    def items(self):
        # Only public communities: a listed community's threads are for its members.
        return (
            HelpRequest.objects.filter(
                community__status=CommunityStatus.ACTIVE,
                community__visibility=Visibility.PUBLIC,
                community__is_archived=False,
                is_removed=False,
                status=RequestStatus.OPEN,
            )
            .select_related("community")
            .order_by("-created_at")[:ITEMS]
        )

    def item_title(self, item: HelpRequest) -> str:
        return f"{item.title} ({item.community.name})"

    def item_description(self, item) -> str:
        return ""

    def item_pubdate(self, item: HelpRequest):
        return item.created_at
