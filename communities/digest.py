"""What the digest reads from communities: who hears about which community, join requests
waiting for moderators, and who joined a sponsor's communities.

The join requests section is registered from `CommunitiesConfig.ready()`.
"""

import datetime as dt
from collections import defaultdict

from notifications.digest_sections import (
    SECTION_CAP,
    Audience,
    DigestRun,
    DigestSection,
    Item,
    Reader,
    Section,
    more_links,
    person_name,
    register,
)

from .models import CommunityStatus, JoinRequest, Membership
from .models import RequestStatus as JoinRequestStatus


def digest_memberships(user_ids) -> tuple[dict[int, dict[int, str]], dict[int, object]]:
    """(user -> community -> role, community id -> community) for the communities each person
    hears about: active memberships (so the community is readable by them), not muted, live.
    One query."""
    roles: dict[int, dict[int, str]] = defaultdict(dict)
    communities = {}
    for m in (
        Membership.objects.filter(
            user_id__in=user_ids,
            is_active=True,
            digest_muted=False,
            community__status=CommunityStatus.ACTIVE,
            community__is_archived=False,
        )
        .select_related("community")
        .only("user_id", "role", "community__id", "community__name", "community__slug")
    ):
        roles[m.user_id][m.community_id] = m.role
        communities[m.community_id] = m.community
    return roles, communities


def _joined(run: DigestRun) -> dict[int, list[dt.datetime]]:
    joined = defaultdict(list)
    for cid, joined_at in Membership.objects.filter(
        community_id__in=run.community_ids(Audience.SPONSORS),
        is_active=True,
        joined_at__gte=run.lo,
        joined_at__lt=run.hi,
    ).values_list("community_id", "joined_at"):
        joined[cid].append(joined_at)
    return joined


def joined(run: DigestRun) -> dict[int, list[dt.datetime]]:
    """community -> when each member joined within the run's widest window, for the
    communities someone in the run sponsors (one query per run)."""
    return run.shared("communities.joined", _joined)


def _prepare_join_requests(run: DigestRun) -> dict[int, list]:
    pending = defaultdict(list)
    for cid, name, email, created in (
        JoinRequest.objects.filter(
            community_id__in=run.community_ids(Audience.MODERATORS),
            status=JoinRequestStatus.PENDING,
        )
        .order_by("created_at", "pk")
        .values_list("community_id", "user__display_name", "user__email", "created_at")
    ):
        pending[cid].append((person_name(name, email), created))
    return pending


def _build_join_requests(pending: dict, reader: Reader, run: DigestRun) -> Section | None:
    communities = run.communities
    join_requests = sorted(
        (
            (created, name, cid)
            for cid in reader.communities(Audience.MODERATORS)
            for name, created in pending[cid]
        ),
        key=lambda r: r[0],
    )
    if not join_requests:
        return None
    items = [
        Item(
            title=f"{name} asks to join",
            url=run.url("communities:join_requests", communities[cid].slug),
            community=communities[cid].name,
            when=created,
        )
        for created, name, cid in join_requests[:SECTION_CAP]
    ]
    more = sorted({cid for _, _, cid in join_requests[SECTION_CAP:]})
    return Section(
        "join_requests",
        "Join requests waiting for a decision",
        items,
        len(join_requests),
        more_links(run, more, "communities:join_requests"),
    )


def register_sections() -> None:
    """Called from `CommunitiesConfig.ready()`."""
    register(
        DigestSection(
            key="join_requests",
            title="Join requests waiting for a decision",
            order=50,
            audience=Audience.MODERATORS,
            prepare=_prepare_join_requests,
            build=_build_join_requests,
        )
    )
