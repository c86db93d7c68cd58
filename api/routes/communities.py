"""Communities: the directory, one community, its members and units; join, leave, request to join."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status

from communities import selectors, services
from communities.policy import community_access_or_404

from ..auth import require_write
from ..errors import ERRORS
from ..paging import Paged, paged
from .common import Done, Person, person

router = Router(tags=["communities"])

DIRECTORY_PER_PAGE = 24
MEMBERS_PER_PAGE = 50


class CommunityOut(Schema):
    slug: str
    name: str
    tagline: str
    visibility: str
    join_policy: str
    status: str
    is_archived: bool
    member_count: int
    unit_count: int
    tags: list[str]
    url: str
    my_role: str | None


class CommunityDetail(CommunityOut):
    description: str
    can_read: bool
    can_join: bool
    can_request_to_join: bool
    can_leave: bool


class MemberOut(Schema):
    person: Person
    unit: str | None
    role: str
    joined_at: dt.datetime


class UnitOut(Schema):
    unit: str
    members: int


class JoinRequestIn(Schema):
    message: str = ""


def _community(c, *, role=None, members=None, units=None) -> dict:
    return {
        "slug": c.slug,
        "name": c.name,
        "tagline": c.tagline,
        "visibility": c.visibility,
        "join_policy": c.join_policy,
        "status": c.status,
        "is_archived": c.is_archived,
        "member_count": c.member_total if members is None else members,
        "unit_count": c.unit_total if units is None else units,
        "tags": sorted(t.name for t in c.tags.all()),
        "url": c.get_absolute_url(),
        "my_role": role,
    }


@router.get("/communities", response={200: Paged[CommunityOut], **ERRORS})
def directory(
    request, q: str = "", tag: str = "", mine: bool = False, sort: str = "activity", page: int = 1
):
    """The communities the caller may see, as the directory lists them."""
    communities = selectors.directory(
        user=request.user, q=q[:200], tag=tag[:100], mine=mine, sort=sort
    )
    # The directory's orderings end in the name, which is unique: a stable order.

    def item(c):
        mine_rows = getattr(c, "my_memberships", [])
        return _community(c, role=mine_rows[0].role if mine_rows else None)

    return paged(communities, page=page, per_page=DIRECTORY_PER_PAGE, item=item)


@router.get("/communities/{slug}", response={200: CommunityDetail, **ERRORS})
def community(request, slug: str):
    access = community_access_or_404(request, slug)
    counts = selectors.community_counts(access.community)
    c = access.community
    return {
        **_community(c, role=access.role, members=counts["members"], units=counts["units"]),
        "description": c.description,
        "can_read": access.can_read,
        "can_join": access.can_join,
        "can_request_to_join": access.can_request_to_join,
        "can_leave": access.can_leave,
    }


def _readable(request, slug: str):
    access = community_access_or_404(request, slug)
    access.require(access.can_read)
    return access


@router.get("/communities/{slug}/members", response={200: Paged[MemberOut], **ERRORS})
def members(request, slug: str, role: str = "", page: int = 1):
    access = _readable(request, slug)

    def item(m):
        return {
            "person": person(m.user),
            "unit": m.user.unit.name if m.user.unit else None,
            "role": m.role,
            "joined_at": m.joined_at,
        }

    queryset = selectors.members(access.community, role=role).order_by(
        "user__display_name", "user__email", "pk"
    )
    return paged(queryset, page=page, per_page=MEMBERS_PER_PAGE, item=item)


@router.get("/communities/{slug}/units", response={200: list[UnitOut], **ERRORS})
def units(request, slug: str):
    """The organisational units among active members, biggest first."""
    access = _readable(request, slug)
    return [
        {"unit": row["user__unit__name"], "members": row["n"]}
        for row in selectors.units_represented(access.community)
    ]


@router.post("/communities/{slug}/join", response={200: Done, **ERRORS})
def join(request, slug: str):
    require_write(request)
    access = community_access_or_404(request, slug)
    services.membership_join(community=access.community, user=request.user)
    return {"message": f"Welcome to {access.community.name}!"}


@router.post("/communities/{slug}/leave", response={200: Done, **ERRORS})
def leave(request, slug: str):
    require_write(request)
    access = community_access_or_404(request, slug)
    services.membership_leave(community=access.community, user=request.user)
    return {"message": f"You have left {access.community.name}. You can rejoin any time."}


@router.post("/communities/{slug}/join-requests", response={201: Done, **ERRORS})
def request_to_join(request, slug: str, payload: JoinRequestIn):
    require_write(request)
    access = community_access_or_404(request, slug)
    if access.is_member:
        raise ValidationError("You are already a member.", code="already_member")
    services.join_request_create(
        community=access.community, user=request.user, message=payload.message
    )
    return Status(
        201, {"message": "Your request is on its way to the moderators. You will be notified."}
    )
