"""Reads for community pages, each a fixed number of queries whatever the data size."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q

from .models import Community, Membership, Role

User = get_user_model()


def directory(*, user, q: str = "", tag: str = "", mine: bool = False, archived: bool = False, sort: str = "activity"):
    communities = Community.objects.visible_to(user).with_counts().prefetch_related("tags")
    if not archived:
        communities = communities.not_archived()
    # Filters on many-valued relations go through subqueries so they cannot skew the counts.
    if q:
        tagged = Community.objects.filter(tags__name__iexact=q).values("pk")
        communities = communities.filter(
            Q(name__icontains=q) | Q(tagline__icontains=q) | Q(description__icontains=q) | Q(pk__in=tagged)
        )
    if tag:
        communities = communities.filter(pk__in=Community.objects.filter(tags__slug=tag).values("pk"))
    if mine and not user.is_authenticated:
        return communities.none()
    if user.is_authenticated:
        communities = communities.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(user=user, is_active=True), to_attr="my_memberships")
        )
        if mine:
            communities = communities.filter(pk__in=my_community_ids(user))
    order = {"size": ["-member_total", "name"], "name": ["name"]}.get(sort, ["-last_activity_at", "name"])
    return communities.order_by(*order)


def my_community_ids(user):
    return Membership.objects.filter(user=user, is_active=True).values("community_id")


def my_communities(user):
    return (
        Community.objects.filter(pk__in=my_community_ids(user))
        .with_counts()
        .prefetch_related(
            "tags",
            Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="my_memberships"),
        )
        .order_by("-last_activity_at")
    )


def community_counts(community: Community) -> dict:
    """Active members and the organisational units they come from (one query)."""
    return Membership.objects.filter(community=community, is_active=True).aggregate(
        members=Count("pk"), units=Count("user__unit", distinct=True)
    )


def units_represented(community: Community):
    """Each organisational unit among active members, with how many members it has."""
    return (
        Membership.objects.filter(community=community, is_active=True, user__unit__isnull=False)
        .values("user__unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "user__unit__name")
    )


def members(community: Community, *, role: str = ""):
    memberships = (
        Membership.objects.filter(community=community, is_active=True)
        .select_related("user", "user__unit")
        .prefetch_related("user__expertise")
    )
    if role in Role.values:
        memberships = memberships.filter(role=role)
    return memberships.order_by("user__display_name", "user__email")


def stewards(community: Community):
    """Moderators and sponsors, shown on the community page."""
    return (
        Membership.objects.filter(community=community, is_active=True, role__in=[Role.MODERATOR, Role.SPONSOR])
        .select_related("user", "user__unit")
        .order_by("role", "user__display_name")
    )
