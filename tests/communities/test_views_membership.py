"""Getting in and moving up: join requests, invitations and roles, through the pages people use."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import INVITATION_SESSION_KEY
from communities.kinds import AuditAction, Kind
from communities.models import (
    AuditEvent,
    Invitation,
    InvitationStatus,
    JoinRequest,
    Membership,
    RequestStatus,
    Role,
)
from notifications.models import Notification
from tests.factories import (
    CommunityFactory,
    InvitationFactory,
    JoinRequestFactory,
    MembershipFactory,
    UserFactory,
)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def wound_care(moderator):
    """A listed community that people join by request, moderated by the moderator persona."""
    community = CommunityFactory(name="Wound Care", slug="wound-care", listed=True)
    MembershipFactory(community=community, user=moderator, role=Role.MODERATOR)
    return community


@pytest.fixture
def pending(wound_care, outsider):
    return JoinRequestFactory(
        community=wound_care, user=outsider, message="I dress wounds all day."
    )


# Asking to join --------------------------------------------------------------


def ask_url(community) -> str:
    return reverse("communities:request_to_join", args=[community.slug])


def test_ask_to_join_form_renders(client, outsider, wound_care):
    client.force_login(outsider)

    response = client.get(ask_url(wound_care))

    assert response.status_code == 200
    assert b"Message to the moderators" in response.content


def test_asking_to_join_creates_a_pending_request_and_tells_the_moderators(
    client, outsider, wound_care, moderator
):
    client.force_login(outsider)

    response = client.post(ask_url(wound_care), {"message": "  I work in the burns unit.  "})

    assert response.status_code == 302
    assert response.url == wound_care.get_absolute_url()
    join_request = JoinRequest.objects.get(community=wound_care, user=outsider)
    assert join_request.status == RequestStatus.PENDING
    assert join_request.message == "I work in the burns unit."
    notification = Notification.objects.get(recipient=moderator, kind=Kind.JOIN_REQUEST_RECEIVED)
    assert notification.message == "Olive Outsider asked to join Wound Care."
    assert notification.url == reverse("communities:join_requests", args=[wound_care.slug])
    assert any("on its way to the moderators" in m for m in messages_of(response))


def test_pending_request_is_shown_instead_of_the_form(client, outsider, pending):
    client.force_login(outsider)

    response = client.get(ask_url(pending.community))

    assert b"Withdraw my request" in response.content
    assert b"I dress wounds all day." in response.content
    assert b"Send request" not in response.content


def test_asking_twice_says_a_request_is_already_waiting(client, outsider, pending):
    client.force_login(outsider)

    response = client.post(ask_url(pending.community), {"message": "Again"})

    assert response.status_code == 200
    assert b"You have already asked to join; the moderators will answer soon." in response.content
    assert JoinRequest.objects.filter(community=pending.community, user=outsider).count() == 1


def test_member_asking_to_join_is_sent_back(client, moderator, wound_care):
    client.force_login(moderator)

    response = client.get(ask_url(wound_care))

    assert response.url == wound_care.get_absolute_url()
    assert "You are already a member." in messages_of(response)


def test_open_community_does_not_take_requests(client, outsider, community):
    client.force_login(outsider)

    response = client.post(ask_url(community), {"message": "Hi"})

    assert response.status_code == 200
    assert b"This community does not take join requests." in response.content
    assert not JoinRequest.objects.exists()


def test_withdrawing_a_request(client, outsider, pending):
    client.force_login(outsider)

    response = client.post(
        reverse("communities:withdraw_request", args=[pending.community.slug, pending.pk])
    )

    assert response.url == pending.community.get_absolute_url()
    pending.refresh_from_db()
    assert pending.status == RequestStatus.WITHDRAWN
    assert "Your request is withdrawn." in messages_of(response)
    assert b"Ask to join" in client.get(pending.community.get_absolute_url()).content


def test_withdrawing_an_answered_request_is_refused(client, outsider, pending):
    JoinRequest.objects.filter(pk=pending.pk).update(status=RequestStatus.APPROVED)
    client.force_login(outsider)

    response = client.post(
        reverse("communities:withdraw_request", args=[pending.community.slug, pending.pk])
    )

    assert "This request has already been answered." in messages_of(response)
    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED


# Deciding on requests -----------------------------------------------------------


def decide_url(join_request) -> str:
    return reverse(
        "communities:decide_request", args=[join_request.community.slug, join_request.pk]
    )


def test_join_requests_page_lists_pending_requests(client, moderator, pending):
    client.force_login(moderator)

    response = client.get(reverse("communities:join_requests", args=[pending.community.slug]))

    assert response.status_code == 200
    assert b"Olive Outsider" in response.content
    assert b"I dress wounds all day." in response.content
    assert b"Waiting for an answer (1)" in response.content


def test_approved_requester_becomes_a_member_and_reads_the_content(
    client, moderator, outsider, pending
):
    members_url = reverse("communities:members", args=[pending.community.slug])
    client.force_login(outsider)
    assert client.get(members_url).status_code == 403

    client.force_login(moderator)
    response = client.post(decide_url(pending), {"decision": "approve"})

    assert response.url == reverse("communities:join_requests", args=[pending.community.slug])
    assert "Olive Outsider is now a member." in messages_of(response)
    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED
    assert pending.decided_by == moderator
    assert Membership.objects.get(community=pending.community, user=outsider).role == Role.MEMBER
    assert Notification.objects.filter(recipient=outsider, kind=Kind.JOIN_REQUEST_APPROVED).exists()
    client.force_login(outsider)
    assert client.get(members_url).status_code == 200


def test_declining_without_a_reason_shows_the_form_again(client, moderator, outsider, pending):
    client.force_login(moderator)

    response = client.post(decide_url(pending), {"decision": "decline", "reason": "   "})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert b"Decline Olive Outsider's request" in response.content
    pending.refresh_from_db()
    assert pending.status == RequestStatus.PENDING
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_declining_with_a_reason_tells_the_requester_why(client, moderator, outsider, pending):
    client.force_login(moderator)

    response = client.post(
        decide_url(pending),
        {"decision": "decline", "reason": "This group is for nurses; try Burns Care."},
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RequestStatus.DECLINED
    assert pending.reason == "This group is for nurses; try Burns Care."
    notification = Notification.objects.get(recipient=outsider, kind=Kind.JOIN_REQUEST_DECLINED)
    assert notification.message.endswith("declined: This group is for nurses; try Burns Care.")
    assert not Membership.objects.filter(community=pending.community, user=outsider).exists()


def test_deciding_without_a_decision_changes_nothing(client, moderator, pending):
    client.force_login(moderator)

    response = client.post(decide_url(pending), {"decision": "maybe"})

    assert "Choose to approve or decline." in messages_of(response)
    pending.refresh_from_db()
    assert pending.status == RequestStatus.PENDING


def test_deciding_twice_is_refused(client, moderator, pending):
    client.force_login(moderator)
    client.post(decide_url(pending), {"decision": "approve"})

    response = client.post(
        decide_url(pending), {"decision": "decline", "reason": "Changed my mind"}
    )

    assert "This request has already been answered." in messages_of(response)
    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED


def test_answered_requests_are_listed_as_recent(client, moderator, pending):
    client.force_login(moderator)
    client.post(decide_url(pending), {"decision": "decline", "reason": "Not a fit"})

    response = client.get(reverse("communities:join_requests", args=[pending.community.slug]))

    assert b"Recently answered" in response.content
    assert b"Not a fit" in response.content


# Invitations ------------------------------------------------------------------


def invitations_url(community) -> str:
    return reverse("communities:invitations", args=[community.slug])


def test_inviting_an_unknown_address_emails_them_a_link(
    client, moderator, private_community, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invitations_url(private_community),
            {"email": "New.Person@Example.org", "message": "Join us!"},
        )

    assert response.url == invitations_url(private_community)
    invitation = Invitation.objects.get(community=private_community)
    assert invitation.email == "new.person@example.org"
    assert invitation.invited_by == moderator
    assert len(mailoutbox) == 1
    (email,) = mailoutbox
    assert email.to == ["new.person@example.org"]
    assert "Max Moderator invited you to Incident Reviews" in email.subject
    assert invitation.get_absolute_url() in email.body
    assert '"Join us!"' in email.body
    page = client.get(invitations_url(private_community))
    assert b"new.person@example.org" in page.content
    assert b"Revoke" in page.content


def test_inviting_someone_with_an_account_notifies_them(
    client, moderator, outsider, private_community, django_capture_on_commit_callbacks
):
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(invitations_url(private_community), {"email": outsider.email})

    invitation = Invitation.objects.get(community=private_community)
    notification = Notification.objects.get(recipient=outsider, kind=Kind.INVITATION)
    assert notification.url == invitation.get_absolute_url()


def test_inviting_an_invalid_address_shows_the_error(client, moderator, private_community):
    client.force_login(moderator)

    response = client.post(
        invitations_url(private_community), {"email": "not-an-email", "message": "Typed"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert b'value="not-an-email"' in response.content
    assert b"Typed" in response.content
    assert not Invitation.objects.exists()


def test_inviting_a_member_is_refused_on_the_email_field(
    client, moderator, member, private_community
):
    client.force_login(moderator)

    response = client.post(invitations_url(private_community), {"email": member.email})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Mia Member is already a member."]
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_twice_is_refused(client, moderator, private_community):
    InvitationFactory(community=private_community, email="twice@example.org")
    client.force_login(moderator)

    response = client.post(invitations_url(private_community), {"email": "twice@example.org"})

    assert b"This address already has an open invitation." in response.content
    assert Invitation.objects.filter(community=private_community).count() == 1


def test_revoking_an_invitation(client, moderator, private_community):
    invitation = InvitationFactory(community=private_community)
    client.force_login(moderator)

    response = client.post(
        reverse("communities:revoke_invitation", args=[private_community.slug, invitation.pk])
    )

    assert response.url == invitations_url(private_community)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    assert f"The invitation to {invitation.email} is revoked." in messages_of(response)
    assert AuditEvent.objects.filter(
        community=private_community, action=AuditAction.INVITATION_REVOKED
    ).exists()


def test_revoking_twice_is_refused(client, moderator, private_community):
    invitation = InvitationFactory(community=private_community, status=InvitationStatus.REVOKED)
    client.force_login(moderator)

    response = client.post(
        reverse("communities:revoke_invitation", args=[private_community.slug, invitation.pk])
    )

    assert "Only a pending invitation can be revoked." in messages_of(response)


def test_invitation_page_for_anonymous_offers_to_create_an_account(client, private_community):
    invitation = InvitationFactory(community=private_community, email="newbie@example.org")

    response = client.get(invitation.get_absolute_url())

    assert response.status_code == 200
    assert b"This invitation is for <strong>newbie@example.org</strong>" in response.content
    signup = [
        a for a in response.content.decode().split('href="')[1:] if "Create your account" in a
    ][0]
    link = urlparse(signup.split('"')[0].replace("&amp;", "&"))
    assert link.path == reverse("account_signup")
    assert parse_qs(link.query) == {
        "email": ["newbie@example.org"],
        "next": [invitation.get_absolute_url()],
    }
    assert client.session[INVITATION_SESSION_KEY] == invitation.token


def test_anonymous_answer_is_sent_to_sign_in(client, private_community):
    invitation = InvitationFactory(community=private_community)

    response = client.post(invitation.get_absolute_url(), {"decision": "accept"})

    assert response.url == f"{reverse('account_login')}?next={invitation.get_absolute_url()}"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_addressee_accepts_and_becomes_a_member(client, outsider, private_community):
    invitation = InvitationFactory(community=private_community, email=outsider.email)
    client.force_login(outsider)
    page = client.get(invitation.get_absolute_url())
    assert b"Accept and join" in page.content

    response = client.post(invitation.get_absolute_url(), {"decision": "accept"})

    assert response.url == private_community.get_absolute_url()
    assert Membership.objects.get(community=private_community, user=outsider).is_active
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == outsider
    assert client.get(private_community.get_absolute_url()).status_code == 200


def test_addressee_declines(client, outsider, private_community):
    invitation = InvitationFactory(community=private_community, email=outsider.email)
    client.force_login(outsider)

    response = client.post(invitation.get_absolute_url(), {"decision": "decline"})

    assert response.url == reverse("home")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()


def test_someone_else_cannot_accept_an_invitation(client, outsider, private_community):
    invitation = InvitationFactory(community=private_community, email="intended@example.org")
    client.force_login(outsider)

    response = client.post(invitation.get_absolute_url(), {"decision": "accept"}, follow=True)

    assert (
        b"This invitation was sent to intended@example.org. Sign in with that address to answer it."
        in response.content
    )
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_expired_invitation_says_so(client, outsider, private_community):
    invitation = InvitationFactory(
        community=private_community,
        email=outsider.email,
        expires_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(outsider)

    page = client.get(invitation.get_absolute_url())
    answer = client.post(invitation.get_absolute_url(), {"decision": "accept"}, follow=True)

    assert b"This invitation expired on" in page.content
    assert b"Accept and join" not in page.content
    assert b"This invitation has expired." in answer.content
    assert not Membership.objects.filter(community=private_community, user=outsider).exists()


def test_expired_invitation_does_not_open_sign_up(client, private_community):
    invitation = InvitationFactory(
        community=private_community, expires_at=timezone.now() - timedelta(days=1)
    )

    response = client.get(invitation.get_absolute_url())

    assert b"This invitation expired on" in response.content
    assert b"Create your account" not in response.content
    assert INVITATION_SESSION_KEY not in client.session


def test_revoked_invitation_says_so(client, outsider, private_community):
    invitation = InvitationFactory(
        community=private_community, email=outsider.email, status=InvitationStatus.REVOKED
    )
    client.force_login(outsider)

    response = client.get(invitation.get_absolute_url())

    assert b"This invitation was withdrawn by the moderators." in response.content


def test_unknown_invitation_token_is_404(client, db):
    assert client.get(reverse("communities:invitation", args=["not-a-token"])).status_code == 404


# Roles --------------------------------------------------------------------------


def role_url(membership) -> str:
    return reverse("communities:change_role", args=[membership.community.slug, membership.pk])


def test_moderator_changes_a_role_and_the_person_is_told(client, moderator, member, community):
    membership = Membership.objects.get(community=community, user=member)
    client.force_login(moderator)

    response = client.post(role_url(membership), {"role": Role.CORE})

    assert response.url == reverse("communities:members", args=[community.slug])
    membership.refresh_from_db()
    assert membership.role == Role.CORE
    notification = Notification.objects.get(recipient=member, kind=Kind.ROLE_CHANGED)
    assert notification.message == "Max Moderator made you part of the core group of Kubernetes Practitioners."
    event = AuditEvent.objects.get(community=community, action=AuditAction.ROLE_CHANGED)
    assert event.detail == {"old": "member", "new": "core"}
    assert "Mia Member's role is updated." in messages_of(response)


def test_role_change_returns_to_the_filtered_members_page(client, moderator, member, community):
    membership = Membership.objects.get(community=community, user=member)
    client.force_login(moderator)
    back = reverse("communities:members", args=[community.slug]) + "?role=member"

    response = client.post(role_url(membership), {"role": Role.CORE, "next": back})

    assert response.url == back


def test_role_change_ignores_a_next_url_off_the_site(client, moderator, member, community):
    membership = Membership.objects.get(community=community, user=member)
    client.force_login(moderator)

    response = client.post(
        role_url(membership), {"role": Role.CORE, "next": "https://evil.example.com/"}
    )

    assert response.url == reverse("communities:members", args=[community.slug])


def test_demoting_the_last_moderator_is_refused(client, moderator, community):
    membership = Membership.objects.get(community=community, user=moderator)
    client.force_login(moderator)

    response = client.post(role_url(membership), {"role": Role.MEMBER}, follow=True)

    assert b"This is the last moderator, who cannot be given another role." in response.content
    membership.refresh_from_db()
    assert membership.role == Role.MODERATOR


def test_an_invalid_role_is_refused(client, moderator, member, community):
    membership = Membership.objects.get(community=community, user=member)
    client.force_login(moderator)

    response = client.post(role_url(membership), {"role": "overlord"})

    assert "Choose a valid role." in messages_of(response)
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_members_page_offers_role_forms_only_to_moderators(client, moderator, member, community):
    client.force_login(member)
    assert (
        b"Change role"
        not in client.get(reverse("communities:members", args=[community.slug])).content
    )

    client.force_login(moderator)
    response = client.get(reverse("communities:members", args=[community.slug]))
    assert b"Change role" in response.content
    assert (
        role_url(Membership.objects.get(community=community, user=member)).encode()
        in response.content
    )


def test_members_page_filters_by_role(client, moderator, member, core, community):
    client.force_login(member)

    response = client.get(reverse("communities:members", args=[community.slug]), {"role": "core"})

    assert [m.user for m in response.context["page"].object_list] == [core]


def test_members_page_shows_units_represented(client, member, community):
    for _ in range(2):
        MembershipFactory(
            community=community, user=UserFactory(unit__name="Wards", unit__slug="wards")
        )
    client.force_login(member)

    response = client.get(reverse("communities:members", args=[community.slug]))

    units = {u["user__unit__name"]: u["n"] for u in response.context["units"]}
    assert units["Wards"] == 2
