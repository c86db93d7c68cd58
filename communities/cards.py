"""The community page's cards that read the same for everyone who may see them, cached.

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

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils import timezone


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


def _charter(community) -> dict:
    from charter.selectors.drafts import charter_for

    charter = charter_for(community)
    approved = charter.approved_version if charter else None
    html = ""
    if approved:
        html = render_to_string(
            "communities/detail.html#charter_card", {"community": community, "approved": approved}
        )
    # The charter's state too: the draft card for core members and sponsors reads it.
    return {"html": html, "exists": charter is not None, "state": charter.state if charter else ""}


def _requests(community) -> str:
    from discussions.selectors import latest_requests

    return render_to_string(
        "communities/detail.html#request_list",
        {"community": community, "help_requests": latest_requests(community)},
    )


def _meeting(community) -> str:
    from meetings.selectors import next_meeting

    return render_to_string(
        "meetings/includes/_next_meeting.html",
        {"community": community, "next_meeting": next_meeting(community)},
    )


CARDS = {"charter": _charter, "requests": _requests, "meeting": _meeting}
# Cards that show a time: one copy per time zone.
ZONED = {"meeting"}


def community_cards(community, *, wanted) -> dict:
    """The `wanted` cards of the community (HTML; the charter's with its state), cached.

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
        + (f":{zone}" if name in ZONED else "")
        for name in wanted
    }
    found = cache.get_many(list(keys.values()))
    cards, missing = {}, {}
    for name, key in keys.items():
        if key in found:
            cards[name] = found[key]
        else:
            cards[name] = missing[key] = CARDS[name](community)
    if missing:
        cache.set_many(missing, timeout=settings.COMMUNITY_CARDS_SECONDS)
    return cards


# What the cards show, and how to find the community from a saved row of it.
def _community_through(attribute: str):
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


def _watched():
    from charter.models import Charter, CharterVersion
    from communities.models import Community
    from discussions.models import HelpRequest, Reply
    from meetings.models import MeetingSeries, Occurrence, Rsvp

    return {
        Community: lambda community: community.pk,
        Charter: lambda charter: charter.community_id,
        CharterVersion: _community_through("charter"),
        HelpRequest: lambda help_request: help_request.community_id,
        Reply: _community_through("help_request"),
        MeetingSeries: lambda series: series.community_id,
        Occurrence: lambda occurrence: occurrence.community_id,
        Rsvp: _community_through("occurrence"),
    }


def _on_write(sender, instance, **kwargs) -> None:
    bump(_watched()[sender](instance))


def connect() -> None:
    """Called once from `CommunitiesConfig.ready`."""
    for model in _watched():
        uid = f"community-cards-{model._meta.label_lower}"
        post_save.connect(_on_write, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=uid + "-delete")
