"""What communities tells the features built on it (communities/signals.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from communities.models import Membership
from communities.services import membership_leave
from communities.signals import membership_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, *, community, user, membership, **kwargs):
        membership.refresh_from_db()
        calls.append((sender, community.pk, user.pk, membership.is_active, connection.in_atomic_block))

    membership_left.connect(receiver, dispatch_uid="test-membership-left")
    yield calls
    membership_left.disconnect(dispatch_uid="test-membership-left")


def test_leaving_sends_membership_left_once_the_membership_has_ended(community, member, received):
    membership_leave(community=community, user=member)

    assert received == [(Membership, community.pk, member.pk, False, True)]


def test_a_refused_leave_sends_nothing(community, outsider, received):
    with pytest.raises(ValidationError):
        membership_leave(community=community, user=outsider)

    assert received == []


def test_a_receiver_that_fails_undoes_the_leave(community, member):
    def refuse(sender, **kwargs):
        raise RuntimeError("the feature could not follow")

    membership_left.connect(refuse, dispatch_uid="test-membership-left-refuses")
    try:
        with pytest.raises(RuntimeError):
            membership_leave(community=community, user=member)
    finally:
        membership_left.disconnect(dispatch_uid="test-membership-left-refuses")

    assert Membership.objects.get(community=community, user=member).is_active
