"""Model rules the database enforces, and the small properties pages rely on."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from communities.models import (
    Community,
    CommunityStatus,
    Invitation,
    InvitationStatus,
    JoinPolicy,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
    Visibility,
)
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    UserFactory,
)

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("join_policy", [JoinPolicy.OPEN, JoinPolicy.REQUEST])
def test_the_database_refuses_a_private_community_that_is_not_invitation_only(join_policy):
    with pytest.raises(IntegrityError), transaction.atomic():
        Community.objects.create(
            name="Secret", slug="secret", visibility=Visibility.PRIVATE, join_policy=join_policy
        )


@pytest.mark.django_db
def test_the_database_accepts_a_private_invitation_only_community():
    Community.objects.create(
        name="Secret",
        slug="secret",
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.INVITATION,
    )


@pytest.mark.django_db
def test_the_database_refuses_a_second_membership_row_for_the_same_person(community, member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(community=community, user=member)


@pytest.mark.django_db
def test_the_database_refuses_two_pending_requests_from_one_person(outsider):
    join_request = JoinRequestFactory(user=outsider)

    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(community=join_request.community, user=outsider)


@pytest.mark.django_db
def test_answered_requests_do_not_block_a_new_one(outsider):
    first = JoinRequestFactory(user=outsider, status=RequestStatus.DECLINED)

    JoinRequestFactory(community=first.community, user=outsider, status=RequestStatus.WITHDRAWN)
    JoinRequestFactory(community=first.community, user=outsider)

    assert JoinRequest.objects.filter(user=outsider).count() == 3


@pytest.mark.django_db
def test_the_database_refuses_two_pending_invitations_for_one_address(private_community):
    InvitationFactory(community=private_community, email="new@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(community=private_community, email="new@example.org")


@pytest.mark.django_db
def test_invitation_tokens_are_unique_and_unguessable(private_community):
    tokens = {InvitationFactory(community=private_community).token for _ in range(5)}

    assert len(tokens) == 5
    assert all(len(token) >= 40 for token in tokens)


@pytest.mark.django_db
def test_an_invitation_is_open_while_pending_and_unexpired(private_community):
    with time_machine.travel(NOW, tick=False):
        live = InvitationFactory(community=private_community, expires_at=NOW + timedelta(seconds=1))
        expired = InvitationFactory(community=private_community, expires_at=NOW)
        answered = InvitationFactory(
            community=private_community,
            status=InvitationStatus.ACCEPTED,
            expires_at=NOW + timedelta(days=1),
        )

        assert (live.is_open, live.is_expired) == (True, False)
        assert (expired.is_open, expired.is_expired) == (False, True)
        assert (answered.is_open, answered.is_expired) == (False, False)
        assert list(Invitation.objects.open()) == [live]


@pytest.mark.django_db
def test_a_community_accepts_members_only_when_live_and_not_archived():
    assert CommunityFactory().accepts_members
    assert not CommunityFactory(is_archived=True).accepts_members
    proposed = CommunityFactory(status=CommunityStatus.PROPOSED)
    assert not proposed.is_live
    assert not proposed.accepts_members
    assert not CommunityFactory(status=CommunityStatus.DECLINED).accepts_members


@pytest.mark.django_db
def test_only_an_active_moderator_is_a_moderator(community):
    assert MembershipFactory(community=community, role=Role.MODERATOR).is_moderator
    assert not MembershipFactory(
        community=community, role=Role.MODERATOR, is_active=False
    ).is_moderator
    assert not MembershipFactory(community=community, role=Role.CORE).is_moderator


@pytest.mark.django_db
def test_membership_queryset_finds_active_moderators(community, moderator, member):
    MembershipFactory(community=community, role=Role.MODERATOR, is_active=False)

    assert [m.user for m in Membership.objects.filter(community=community).moderators()] == [
        moderator
    ]
    assert Membership.objects.filter(community=community).active().count() == 2


@pytest.mark.django_db
def test_models_read_well_as_text(community, private_community):
    person = UserFactory(display_name="Mia Member")
    membership = MembershipFactory(community=community, user=person, role=Role.CORE)
    invitation = InvitationFactory(community=private_community, email="new@example.org")

    assert str(community) == "Kubernetes Practitioners"
    assert str(membership) == "Mia Member in Kubernetes Practitioners (Core group)"
    assert str(invitation) == "new@example.org → Incident Reviews (pending)"
    assert community.get_absolute_url() == "/c/kubernetes/"
    assert invitation.get_absolute_url() == f"/invitations/{invitation.token}/"
