"""Who may see and do what: the policy tables, persona by persona and community by community."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from communities.models import CommunityStatus, Membership, Role
from communities.policy import (
    Access,
    access_for,
    can_edit_profile,
    can_propose_community,
    community_access_or_404,
)
from tests.factories import CommunityFactory, JoinRequestFactory, MembershipFactory, UserFactory

PERSONAS = ("anonymous", "outsider", "member", "core", "moderator", "sponsor", "site_admin")
KINDS = ("public", "listed", "private", "proposed", "archived")
ROLE_OF = {
    "member": Role.MEMBER,
    "core": Role.CORE,
    "moderator": Role.MODERATOR,
    "sponsor": Role.SPONSOR,
}

EVERYWHERE = set(KINDS)
NOWHERE: set[str] = set()
MEMBERS = ("member", "core", "moderator", "sponsor")


def _table(**allowed: set[str]) -> list[tuple[str, str, bool]]:
    """Expand {persona: kinds where allowed} into (persona, kind, expected) rows."""
    assert set(allowed) == set(PERSONAS)
    return [(persona, kind, kind in allowed[persona]) for persona in PERSONAS for kind in KINDS]


def _same_for_members(kinds: set[str]) -> dict[str, set[str]]:
    return dict.fromkeys(MEMBERS, kinds)


# Listed and archived communities exist for everyone; private and proposed ones
# only for their members (and site admins).
CAN_SEE = _table(
    anonymous={"public", "listed", "archived"},
    outsider={"public", "listed", "archived"},
    **_same_for_members(EVERYWHERE),
    site_admin=EVERYWHERE,
)
# Content is for signed-in people: anyone in a public community, members elsewhere.
CAN_READ = _table(
    anonymous=NOWHERE,
    outsider={"public", "archived"},
    **_same_for_members(EVERYWHERE),
    site_admin=EVERYWHERE,
)
# Only a live, unarchived, open community: the proposed and archived ones are open
# but take nobody yet or any more; listed is by request and private by invitation.
CAN_JOIN = _table(
    anonymous=NOWHERE,
    outsider={"public"},
    **_same_for_members(NOWHERE),
    site_admin={"public"},
)
CAN_REQUEST_TO_JOIN = _table(
    anonymous=NOWHERE,
    outsider={"listed"},
    **_same_for_members(NOWHERE),
    site_admin={"listed"},
)
CAN_MODERATE = _table(
    anonymous=NOWHERE,
    outsider=NOWHERE,
    member=NOWHERE,
    core=NOWHERE,
    moderator=EVERYWHERE,
    sponsor=NOWHERE,
    site_admin=EVERYWHERE,
)
# Moderators invite, but not into a community that takes no members.
CAN_INVITE = _table(
    anonymous=NOWHERE,
    outsider=NOWHERE,
    member=NOWHERE,
    core=NOWHERE,
    moderator={"public", "listed", "private"},
    sponsor=NOWHERE,
    site_admin={"public", "listed", "private"},
)
CAN_LEAVE = _table(
    anonymous=NOWHERE,
    outsider=NOWHERE,
    **_same_for_members(EVERYWHERE),
    site_admin=NOWHERE,
)
CAN_PARTICIPATE = _table(
    anonymous=NOWHERE,
    outsider=NOWHERE,
    **_same_for_members({"public", "listed", "private"}),
    site_admin=NOWHERE,
)


@pytest.fixture
def make_community(community, private_community):
    """The community of a kind, with the persona holding its role in it."""

    def make(kind: str, persona: str, user):
        if kind == "public":
            return community
        if kind == "private":
            return private_community
        built = {
            "listed": lambda: CommunityFactory(name="Listed CoP", slug="listed", listed=True),
            "proposed": lambda: CommunityFactory(
                name="Proposed CoP", slug="proposed", status=CommunityStatus.PROPOSED
            ),
            "archived": lambda: CommunityFactory(
                name="Archived CoP", slug="archived", is_archived=True, archived_at=timezone.now()
            ),
        }[kind]()
        if persona in ROLE_OF:
            MembershipFactory(community=built, user=user, role=ROLE_OF[persona])
        return built

    return make


@pytest.fixture
def who(request):
    """The user for a persona name: AnonymousUser, or the persona fixture."""

    def get(persona: str):
        if persona == "anonymous":
            return AnonymousUser()
        return request.getfixturevalue(persona)

    return get


@pytest.fixture
def access_of(who, make_community):
    def get(persona: str, kind: str) -> Access:
        user = who(persona)
        return access_for(user, make_community(kind, persona, user))

    return get


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_SEE)
def test_who_can_see_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_see is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_READ)
def test_who_can_read_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_read is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_JOIN)
def test_who_can_join_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_join is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_REQUEST_TO_JOIN)
def test_who_can_ask_to_join_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_request_to_join is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_MODERATE)
def test_who_can_moderate_a_community(access_of, persona, kind, expected):
    access = access_of(persona, kind)
    assert access.can_moderate is expected
    assert access.can_view_audit_log is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_INVITE)
def test_who_can_invite_to_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_invite is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_LEAVE)
def test_who_can_leave_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_leave is expected


@pytest.mark.parametrize(("persona", "kind", "expected"), CAN_PARTICIPATE)
def test_who_can_participate_in_a_community(access_of, persona, kind, expected):
    assert access_of(persona, kind).can_participate is expected


@pytest.mark.parametrize(
    ("persona", "role", "is_core"),
    [
        ("anonymous", None, False),
        ("outsider", None, False),
        ("member", Role.MEMBER, False),
        ("core", Role.CORE, True),
        ("moderator", Role.MODERATOR, True),
        ("sponsor", Role.SPONSOR, False),
        ("site_admin", None, False),
    ],
)
def test_access_reports_the_persons_role(who, community, persona, role, is_core):
    access = access_for(who(persona), community)

    assert access.role == role
    assert access.is_member is (role is not None)
    assert access.is_core is is_core
    assert access.is_moderator is (role == Role.MODERATOR)
    assert access.is_sponsor is (role == Role.SPONSOR)
    assert access.is_site_admin is (persona == "site_admin")


def test_a_former_member_is_an_outsider_again(private_community, member):
    Membership.objects.filter(user=member).update(is_active=False)

    access = access_for(member, private_community)

    assert access.membership is not None
    assert not access.is_member
    assert access.role is None
    assert not access.can_see
    assert not access.can_leave


def test_someone_with_a_pending_request_cannot_ask_again(outsider):
    community = CommunityFactory(by_request=True)
    JoinRequestFactory(community=community, user=outsider)

    access = access_for(outsider, community)

    assert access.has_pending_request
    assert not access.can_request_to_join


def test_an_answered_request_lets_the_person_ask_again(outsider):
    community = CommunityFactory(by_request=True)
    JoinRequestFactory(community=community, user=outsider, status="declined")

    assert access_for(outsider, community).can_request_to_join


def test_require_raises_permission_denied_when_not_allowed(community, member):
    access = access_for(member, community)

    access.require(access.can_leave)
    with pytest.raises(PermissionDenied):
        access.require(access.can_moderate)


def test_access_for_no_user_at_all_is_anonymous(community):
    access = access_for(None, community)

    assert not access.is_authenticated
    assert access.can_see
    assert not access.can_read


# community_access_or_404 -----------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_an_outsider_gets_404_for_a_private_community(private_community, outsider):
    with pytest.raises(Http404):
        community_access_or_404(_request(outsider), private_community.slug)


def test_an_anonymous_visitor_gets_404_for_a_private_community(private_community):
    with pytest.raises(Http404):
        community_access_or_404(_request(AnonymousUser()), private_community.slug)


def test_an_unknown_slug_is_404(db, site_admin):
    with pytest.raises(Http404):
        community_access_or_404(_request(site_admin), "no-such-community")


def test_a_member_of_a_private_community_gets_their_access(private_community, member):
    access = community_access_or_404(_request(member), private_community.slug)

    assert access.community == private_community
    assert access.membership == Membership.objects.get(community=private_community, user=member)
    assert access.can_read


def test_the_pending_request_is_known_to_the_scoped_fetch(outsider):
    community = CommunityFactory(slug="by-request", by_request=True)
    JoinRequestFactory(community=community, user=outsider)
    JoinRequestFactory(community=community)  # someone else's does not count

    access = community_access_or_404(_request(outsider), "by-request")

    assert access.has_pending_request
    assert not access.can_request_to_join


def test_someone_elses_membership_is_not_mistaken_for_mine(community, member, outsider):
    access = community_access_or_404(_request(outsider), community.slug)

    assert access.membership is None


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_scoped_fetch_agrees_with_the_policy(who, make_community, persona, kind):
    user = who(persona)
    community = make_community(kind, persona, user)
    expected = access_for(user, community)

    if not expected.can_see:
        with pytest.raises(Http404):
            community_access_or_404(_request(user), community.slug)
        return
    access = community_access_or_404(_request(user), community.slug)
    assert access.membership == expected.membership
    assert access.has_pending_request == expected.has_pending_request
    assert (access.can_read, access.can_join, access.can_moderate) == (
        expected.can_read,
        expected.can_join,
        expected.can_moderate,
    )


# Platform-wide rules ---------------------------------------------------------


def test_anyone_signed_in_may_propose_a_community(db):
    assert can_propose_community(UserFactory())
    assert not can_propose_community(AnonymousUser())
    assert not can_propose_community(UserFactory(is_active=False))


def test_only_the_person_may_edit_their_profile(db):
    mia, max_ = UserFactory(), UserFactory()

    assert can_edit_profile(mia, mia)
    assert not can_edit_profile(max_, mia)
    assert not can_edit_profile(AnonymousUser(), mia)
