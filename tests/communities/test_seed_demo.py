from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Max, Min

from accounts.models import OrganisationalUnit, User
from communities.kinds import AuditAction
from communities.models import (
    AuditEvent,
    Community,
    Invitation,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from notifications.models import Notification

PASSWORD = "practica-demo"
DEMO_LOGINS = ["admin", "sponsor", "moderator", "member", "newcomer"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        OrganisationalUnit, User, EmailAddress, Community, Membership, JoinRequest, Invitation,
        AuditEvent, Notification,
    ]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def active_roles(user) -> dict[str, str]:
    return dict(
        Membership.objects.filter(user=user, is_active=True).values_list("community__slug", "role")
    )


@pytest.fixture
def seeded(db):
    seed()


def test_it_builds_the_organisation(seeded):
    assert OrganisationalUnit.objects.count() == 6
    assert User.objects.count() == 40
    assert Community.objects.count() == 5
    assert not User.objects.filter(unit__isnull=True).exists()
    assert not User.objects.filter(display_name="").exists()
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 40


def test_running_it_twice_changes_nothing(seeded):
    before = counts()

    output = seed()

    assert counts() == before
    assert "nothing to create" in output


def test_it_prints_the_url_and_the_demo_logins(db):
    output = seed()

    assert "http://127.0.0.1:8000/" in output
    for login in DEMO_LOGINS:
        assert f"{login}@practica.demo" in output
    assert PASSWORD in output


def test_every_community_has_moderators_a_sponsor_and_people_from_several_units(seeded):
    for community in Community.objects.all():
        members = Membership.objects.filter(community=community, is_active=True)
        assert members.filter(role=Role.MODERATOR).exists(), community
        assert members.filter(role=Role.SPONSOR).exists(), community
        assert members.filter(role=Role.CORE).exists(), community
        assert members.values("user__unit").distinct().count() >= 3, community
        assert community.tags.exists(), community
        assert community.tagline and community.description, community
        assert community.meeting_room or community.meeting_url, community


def test_it_covers_every_visibility_and_join_policy(seeded):
    policies = set(Community.objects.values_list("visibility", "join_policy"))

    assert (Visibility.PUBLIC, JoinPolicy.OPEN) in policies
    assert (Visibility.PUBLIC, JoinPolicy.REQUEST) in policies
    assert (Visibility.LISTED, JoinPolicy.REQUEST) in policies
    assert (Visibility.PRIVATE, JoinPolicy.INVITATION) in policies


def test_the_private_community_is_invitation_only(seeded):
    private = Community.objects.get(visibility=Visibility.PRIVATE)

    assert private.join_policy == JoinPolicy.INVITATION


def test_the_audit_log_tells_the_story_through_the_services(seeded):
    actions = set(AuditEvent.objects.values_list("action", flat=True))

    assert {
        AuditAction.CREATED,
        AuditAction.JOINED,
        AuditAction.LEFT,
        AuditAction.REQUESTED,
        AuditAction.REQUEST_APPROVED,
        AuditAction.INVITED,
        AuditAction.INVITATION_ACCEPTED,
        AuditAction.ROLE_CHANGED,
    } <= actions


@pytest.mark.parametrize("login", DEMO_LOGINS)
def test_demo_logins_can_sign_in(seeded, login):
    email = f"{login}@practica.demo"

    assert authenticate(username=email, password=PASSWORD) == User.objects.get(email=email)


def test_admin_is_a_site_admin(seeded):
    admin = User.objects.get(email="admin@practica.demo")

    assert admin.is_superuser and admin.is_staff


def test_sponsor_sponsors_at_least_two_communities(seeded):
    sponsor = User.objects.get(email="sponsor@practica.demo")

    assert list(active_roles(sponsor).values()).count(Role.SPONSOR) >= 2


def test_moderator_has_join_requests_to_handle(seeded):
    moderator = User.objects.get(email="moderator@practica.demo")
    moderated = Community.objects.filter(
        memberships__user=moderator, memberships__is_active=True, memberships__role=Role.MODERATOR
    )

    assert moderated.filter(join_policy=JoinPolicy.REQUEST).exists()
    assert (
        JoinRequest.objects.filter(community__in=moderated, status=RequestStatus.PENDING).count()
        >= 2
    )
    assert Notification.objects.for_user(moderator).unread().exists()


def test_member_belongs_to_some_communities_and_is_invited_to_the_private_one(seeded):
    member = User.objects.get(email="member@practica.demo")
    private = Community.objects.get(visibility=Visibility.PRIVATE)

    assert len(active_roles(member)) >= 2
    assert private.slug not in active_roles(member)
    assert private.invitations.open().filter(email=member.email).exists()


def test_newcomer_has_no_communities_yet(seeded):
    newcomer = User.objects.get(email="newcomer@practica.demo")

    assert active_roles(newcomer) == {}
    assert newcomer.expertise.exists()


def test_history_is_spread_over_past_months(seeded):
    community = Community.objects.get(slug="python-practitioners")
    span = community.audit_events.aggregate(first=Min("created_at"), last=Max("created_at"))

    assert (span["last"] - span["first"]).days > 60
    assert community.created_at <= span["first"]
