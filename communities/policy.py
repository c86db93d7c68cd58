"""Who may see and do what in a community: the one place these rules live.

Views fetch communities through `community_access_or_404`, which scopes the
lookup so that an outsider to a private community gets 404 (its existence is not
revealed), and ask the returned `Access` for everything else; a member lacking
a role gets 403. Templates only read `access.*` to decide what to show.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from .models import (
    Community,
    CommunityStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)


@dataclass(frozen=True)
class Access:
    user: object
    community: Community
    membership: Membership | None
    has_pending_request: bool = False

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @property
    def is_site_admin(self) -> bool:
        return bool(self.is_authenticated and self.user.is_superuser)

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.is_active

    @property
    def role(self) -> str | None:
        return self.membership.role if self.is_member else None

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    @property
    def is_sponsor(self) -> bool:
        return self.role == Role.SPONSOR

    @property
    def is_core(self) -> bool:
        return self.role in (Role.CORE, Role.MODERATOR)

    @cached_property
    def can_see(self) -> bool:
        """May know the community exists and read its about page."""
        c = self.community
        if self.is_site_admin or self.is_member:
            return True
        return c.status == CommunityStatus.ACTIVE and c.visibility != Visibility.PRIVATE

    @property
    def can_read(self) -> bool:
        """May read the community's content (members, and later threads, meetings...)."""
        if not (self.can_see and self.is_authenticated):
            return False
        return self.is_member or self.is_site_admin or self.community.visibility == Visibility.PUBLIC

    @property
    def can_moderate(self) -> bool:
        return self.is_moderator or self.is_site_admin

    @property
    def can_participate(self) -> bool:
        """May post and contribute: active members of a live, unarchived community."""
        return self.is_member and self.community.accepts_members

    @property
    def can_join(self) -> bool:
        return (
            self.is_authenticated
            and not self.is_member
            and self.community.accepts_members
            and self.community.join_policy == JoinPolicy.OPEN
        )

    @property
    def can_request_to_join(self) -> bool:
        return (
            self.is_authenticated
            and not self.is_member
            and not self.has_pending_request
            and self.community.accepts_members
            and self.community.join_policy == JoinPolicy.REQUEST
        )

    @property
    def can_leave(self) -> bool:
        return self.is_member

    @property
    def can_invite(self) -> bool:
        return self.can_moderate and self.community.accepts_members

    @property
    def can_view_audit_log(self) -> bool:
        return self.can_moderate

    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied


def access_for(user, community: Community) -> Access:
    membership = None
    pending = False
    if user is not None and user.is_authenticated:
        membership = Membership.objects.filter(community=community, user=user).first()
        if community.join_policy == JoinPolicy.REQUEST and not (membership and membership.is_active):
            pending = JoinRequest.objects.filter(
                community=community, user=user, status=RequestStatus.PENDING
            ).exists()
    return Access(user=user, community=community, membership=membership, has_pending_request=pending)


def community_access_or_404(request, slug: str) -> Access:
    """Fetch a community the requester may at least see; 404 if they may not know it exists."""
    user = request.user
    queryset = Community.objects.all()
    if user.is_authenticated:
        queryset = queryset.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="my_membership"),
            Prefetch(
                "join_requests",
                queryset=JoinRequest.objects.filter(user=user, status=RequestStatus.PENDING),
                to_attr="my_pending_requests",
            ),
        )
    community = queryset.filter(slug=slug).first()
    if community is None:
        raise Http404("No such community.")
    membership = None
    pending = False
    if user.is_authenticated:
        membership = community.my_membership[0] if community.my_membership else None
        pending = bool(community.my_pending_requests)
    access = Access(user=user, community=community, membership=membership, has_pending_request=pending)
    if not access.can_see:
        raise Http404("No such community.")
    return access


def can_propose_community(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_edit_profile(user, profile_user) -> bool:
    return bool(user.is_authenticated and user.pk == profile_user.pk)
