"""What the permission matrix rows are made of, shared by the rows of every app.

See tests/test_permission_matrix.py for the conventions.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from communities.models import Community, Role
from tests.factories import (
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    NotificationFactory,
    UserFactory,
)

PERSONAS = ("anonymous", "outsider", "member", "core", "moderator", "sponsor", "site_admin")
ROLES = {
    "member": Role.MEMBER,
    "core": Role.CORE,
    "moderator": Role.MODERATOR,
    "sponsor": Role.SPONSOR,
}
PUBLIC, LISTED, PRIVATE = KINDS = ("public", "listed", "private")

LOGIN = "login"
REDIRECT = 302
OK = 200


def everywhere(*outcomes):
    """The same outcomes on all three kinds of community."""
    return dict.fromkeys(KINDS, outcomes)


def hidden_when_private(*outcomes):
    """Public and listed as given; on the private community the outsider gets 404."""
    private = (outcomes[0], 404, *outcomes[2:])
    return {PUBLIC: outcomes, LISTED: outcomes, PRIVATE: private}


# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.
EVERYONE = (OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK, OK)
SIGNED_IN_WRITE = (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
MODERATOR_PAGE = hidden_when_private(LOGIN, 403, 403, 403, OK, 403, OK)
MODERATOR_ACTION = hidden_when_private(LOGIN, 403, 403, 403, REDIRECT, 403, REDIRECT)


class World:
    """The objects one request needs, built on demand around one community."""

    def __init__(self, *, community: Community, user):
        self.community = community
        self.user = user
        # Every community has a moderator who is not a persona, as in real life.
        self.steward = UserFactory(display_name="Stella Steward")
        MembershipFactory(community=community, user=self.steward, role=Role.MODERATOR)

    def memo(self, name: str, build: Callable[[], object]):
        """Build an object once per world (kwargs and data of one row share it)."""
        if name not in self.__dict__:
            self.__dict__[name] = build()
        return self.__dict__[name]

    @cached_property
    def target(self):
        """A plain member whose role a moderator changes."""
        return MembershipFactory(
            community=self.community, user=UserFactory(display_name="Tom Target")
        )

    @cached_property
    def join_request(self):
        """Someone else's pending request."""
        return JoinRequestFactory(
            community=self.community, user=UserFactory(display_name="Rita Requester")
        )

    @cached_property
    def own_request(self):
        """The requester's own pending request (someone else's for an anonymous visitor)."""
        if self.user is None:
            return self.join_request
        return JoinRequestFactory(community=self.community, user=self.user)

    @cached_property
    def invitation(self):
        return InvitationFactory(
            community=self.community, email="invitee@example.org", invited_by=self.steward
        )

    @cached_property
    def own_notification(self):
        return NotificationFactory(recipient=self.user or self.steward)


@dataclass(frozen=True)
class Row:
    """Expected outcomes per method: a tuple per persona, or a dict of such tuples per community kind."""

    get: dict | tuple | None = None
    post: dict | tuple | None = None
    kwargs: Callable[[World], dict] = field(default=lambda w: {})
    data: Callable[[World], dict] = field(default=lambda w: {})

    @property
    def per_community(self) -> bool:
        return isinstance(self.get or self.post, dict)


def slug(w: World) -> dict:
    return {"slug": w.community.slug}
