"""@mentions: who a text mentions, and who of them may be linked and notified.

Only people who may read the community are linked or told: mentioning someone
in a private community they do not belong to leaves the handle as plain text,
so a mention can never leak a thread (or the community's existence).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q

from communities.models import Community, CommunityStatus, Visibility

User = get_user_model()


def readers(community: Community):
    """Active people who may read `community`: the query form of `Access.can_read` for one community."""
    people = User.objects.filter(is_active=True)
    if community.status == CommunityStatus.ACTIVE and community.visibility == Visibility.PUBLIC:
        return people
    return people.filter(
        Q(is_superuser=True) | Q(memberships__community=community, memberships__is_active=True)
    ).distinct()


def extract_handles(text: str) -> set[str]:
    from core.markdown import extract_mentions

    return {handle.lower() for handle in extract_mentions(text or "")}


def mentionable(text: str, community: Community) -> list:
    """The people `text` mentions who may read `community` (one query; none if nobody is mentioned)."""
    handles = extract_handles(text)
    if not handles:
        return []
    return list(readers(community).filter(handle__in=handles).order_by("handle"))


def mention_urls(people: Iterable) -> dict[str, str]:
    return {person.handle: person.get_absolute_url() for person in people}


def suggestions(community: Community, query: str, *, limit: int = 8):
    """People who may read `community` whose name or handle contains `query`, for the @ autocomplete."""
    query = query.strip().lstrip("@")
    if not query:
        return User.objects.none()
    return (
        readers(community)
        .filter(Q(display_name__icontains=query) | Q(handle__icontains=query))
        .select_related("unit")
        .order_by("display_name", "handle")[:limit]
    )
