"""A community's own pages: the about page, joining and leaving, proposing one, and its settings."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.kinds import AuditAction
from communities.models import (
    AuditEvent,
    Community,
    CommunityStatus,
    JoinPolicy,
    Membership,
    Role,
    Visibility,
)
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def detail_url(community) -> str:
    return reverse("communities:detail", args=[community.slug])


# The about page -------------------------------------------------------------


def test_open_community_offers_outsider_a_join_button(client, outsider, community):
    client.force_login(outsider)

    response = client.get(detail_url(community))

    assert b"Join community" in response.content
    assert reverse("communities:join", args=[community.slug]).encode() in response.content


def test_by_request_community_offers_outsider_to_ask(client, outsider):
    listed = CommunityFactory(name="Wound Care", slug="wound-care", listed=True)
    client.force_login(outsider)

    response = client.get(detail_url(listed))

    assert b"Ask to join" in response.content
    assert b"Join community" not in response.content


def test_invitation_only_community_offers_no_way_in(client, outsider):
    by_invitation = CommunityFactory(name="Red Team", join_policy=JoinPolicy.INVITATION)
    client.force_login(outsider)

    response = client.get(detail_url(by_invitation))

    assert b"Membership is by invitation" in response.content
    assert b"Join community" not in response.content
    assert b"Ask to join" not in response.content


def test_anonymous_visitor_is_asked_to_sign_in_to_join(client, community):
    response = client.get(detail_url(community))

    assert b"Sign in to join" in response.content
    assert f"?next=/c/{community.slug}/".encode() in response.content.replace(b"%2F", b"/")


def test_member_sees_their_role_and_a_leave_link(client, core, community):
    client.force_login(core)

    response = client.get(detail_url(community))

    assert b"You are in the core group of this community" in response.content
    assert b"Leave community" in response.content
    assert b"Join community" not in response.content


def test_pending_requester_sees_their_request_instead_of_the_ask_button(client, outsider):
    listed = CommunityFactory(name="Wound Care", slug="wound-care", listed=True)
    listed.join_requests.create(user=outsider)
    client.force_login(outsider)

    response = client.get(detail_url(listed))

    assert b"Your request to join is waiting" in response.content
    assert b"Ask to join" not in response.content


def test_archived_community_takes_no_new_members(client, outsider, community):
    community.is_archived = True
    community.save()
    client.force_login(outsider)

    response = client.get(detail_url(community))

    assert b"archived and takes no new members" in response.content
    assert b"Join community" not in response.content


def test_page_shows_stewards_tags_and_counts(client, moderator, sponsor, member, community):
    response = client.get(detail_url(community))

    body = response.content.decode()
    assert "Max Moderator" in body
    assert "Sam Sponsor" in body
    assert "Mia Member" not in body  # only stewards are listed
    assert "?tag=kubernetes" in body
    assert response.context["counts"]["members"] == 3


def test_meeting_link_is_only_for_readers(client, community):
    community.meeting_url = "https://meet.example.org/k8s"
    community.save()

    assert b"shown to members" in client.get(detail_url(community)).content
    client.force_login(UserFactory())
    assert b"https://meet.example.org/k8s" in client.get(detail_url(community)).content


def test_moderator_sees_their_tasks_with_the_pending_count(client, moderator):
    listed = CommunityFactory(name="Wound Care", slug="wound-care", listed=True)
    MembershipFactory(community=listed, user=moderator, role=Role.MODERATOR)
    listed.join_requests.create(user=UserFactory())
    listed.join_requests.create(user=UserFactory())
    client.force_login(moderator)

    response = client.get(detail_url(listed))

    assert b"Moderator tasks" in response.content
    assert response.context["pending_requests"] == 2


def test_member_sees_no_moderator_tasks(client, member, community):
    client.force_login(member)

    assert b"Moderator tasks" not in client.get(detail_url(community)).content


# Joining --------------------------------------------------------------------


def test_joining_creates_a_membership_and_redirects(client, outsider, community):
    client.force_login(outsider)

    response = client.post(reverse("communities:join", args=[community.slug]))

    assert response.status_code == 302
    assert response.url == detail_url(community)
    membership = Membership.objects.get(community=community, user=outsider)
    assert membership.is_active
    assert membership.role == Role.MEMBER
    assert f"Welcome to {community.name}!" in messages_of(response)


def test_joining_with_htmx_returns_the_membership_box(client, outsider, community):
    client.force_login(outsider)

    response = client.post(reverse("communities:join", args=[community.slug]), **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card membership-actions"')
    # The counts card comes along out-of-band, so "At a glance" shows the new member.
    assert 'id="community-glance" hx-swap-oob="true"' in body
    assert "You are a member of this community." in body
    assert "Welcome to Kubernetes Practitioners!" in body
    assert "<html" not in body
    assert Membership.objects.filter(community=community, user=outsider, is_active=True).exists()


def test_joining_twice_says_already_a_member(client, member, community):
    client.force_login(member)

    response = client.post(reverse("communities:join", args=[community.slug]))

    assert response.status_code == 302
    assert "You are already a member of this community." in messages_of(response)


def test_joining_a_by_request_community_directly_is_refused(client, outsider):
    listed = CommunityFactory(listed=True)
    client.force_login(outsider)

    response = client.post(reverse("communities:join", args=[listed.slug]))

    assert response.status_code == 302
    assert not Membership.objects.filter(community=listed, user=outsider).exists()
    assert any("not open to join directly" in m for m in messages_of(response))


def test_rejoining_reactivates_the_old_membership(client, member, community):
    community.memberships.filter(user=member).update(is_active=False)
    client.force_login(member)

    client.post(reverse("communities:join", args=[community.slug]))

    assert Membership.objects.filter(community=community, user=member).count() == 1
    assert Membership.objects.get(community=community, user=member).is_active


# Leaving --------------------------------------------------------------------


def test_leave_page_asks_for_confirmation(client, member, community):
    client.force_login(member)

    response = client.get(reverse("communities:leave", args=[community.slug]))

    assert response.status_code == 200
    assert b"Leave Kubernetes Practitioners?" in response.content
    assert Membership.objects.get(community=community, user=member).is_active


def test_leave_page_sends_non_members_back(client, outsider, community):
    client.force_login(outsider)

    response = client.get(reverse("communities:leave", args=[community.slug]))

    assert response.url == detail_url(community)
    assert "You are not a member of this community." in messages_of(response)


def test_leaving_deactivates_the_membership(client, member, community):
    client.force_login(member)

    response = client.post(reverse("communities:leave", args=[community.slug]))

    assert response.url == detail_url(community)
    membership = Membership.objects.get(community=community, user=member)
    assert not membership.is_active
    assert membership.left_at is not None
    assert AuditEvent.objects.filter(
        community=community, action=AuditAction.LEFT, subject=member
    ).exists()


def test_leaving_with_htmx_returns_the_refreshed_box(client, member, community):
    client.force_login(member)

    response = client.post(reverse("communities:leave", args=[community.slug]), **HTMX)

    assert response.status_code == 200
    assert b"Join community" in response.content
    assert b"You have left Kubernetes Practitioners" in response.content


def test_leaving_a_private_community_goes_back_to_the_directory(client, member, private_community):
    """Once out, the private community's page would be a 404."""
    client.force_login(member)

    response = client.post(reverse("communities:leave", args=[private_community.slug]))

    assert response.url == reverse("communities:directory")
    assert client.get(detail_url(private_community)).status_code == 404


def test_leaving_a_private_community_with_htmx_redirects_the_page(
    client, member, private_community
):
    client.force_login(member)

    response = client.post(reverse("communities:leave", args=[private_community.slug]), **HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("communities:directory")


def test_last_moderator_cannot_leave(client, moderator, member, community):
    client.force_login(moderator)

    response = client.post(reverse("communities:leave", args=[community.slug]), follow=True)

    assert b"You are the last moderator, so you cannot leave." in response.content
    assert Membership.objects.get(community=community, user=moderator).is_active


def test_a_moderator_can_leave_when_another_remains(client, moderator, community):
    MembershipFactory(community=community, role=Role.MODERATOR)
    client.force_login(moderator)

    client.post(reverse("communities:leave", args=[community.slug]))

    assert not Membership.objects.get(community=community, user=moderator).is_active


# Proposing a community -------------------------------------------------------

CREATE = reverse("communities:create")


def valid_proposal(**overrides) -> dict:
    data = {
        "name": "Accessibility Champions",
        "tagline": "Making every page usable",
        "description": "WCAG, screen readers and plain language.",
        "tags": "a11y, wcag",
        "visibility": Visibility.PUBLIC,
        "join_policy": JoinPolicy.OPEN,
        "meeting_room": "B2.14",
        "meeting_url": "",
    }
    return {**data, **overrides}


def test_create_form_renders(client, outsider):
    client.force_login(outsider)

    response = client.get(CREATE)

    assert response.status_code == 200
    assert b"Propose a community" in response.content


def test_valid_proposal_goes_live_with_the_creator_as_moderator(client, outsider):
    client.force_login(outsider)

    response = client.post(CREATE, valid_proposal())

    community = Community.objects.get(name="Accessibility Champions")
    assert response.status_code == 302
    assert response.url == detail_url(community)
    assert community.status == CommunityStatus.ACTIVE
    assert sorted(community.tags.names()) == ["a11y", "wcag"]
    assert Membership.objects.get(community=community, user=outsider).role == Role.MODERATOR
    assert "Accessibility Champions is live. You are its first moderator." in messages_of(response)


def test_proposal_waits_for_a_site_admin_when_approval_is_required(client, outsider, settings):
    settings.COMMUNITY_CREATION_REQUIRES_APPROVAL = True
    client.force_login(outsider)

    response = client.post(CREATE, valid_proposal(), follow=True)

    community = Community.objects.get(name="Accessibility Champions")
    assert community.status == CommunityStatus.PROPOSED
    assert b"A site admin will review your proposal soon." in response.content
    assert b"Awaiting approval" in response.content


def test_proposal_without_a_name_is_shown_again_with_the_error(client, outsider):
    client.force_login(outsider)

    response = client.post(CREATE, valid_proposal(name=""))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert b"This field is required." in response.content
    assert b'value="Making every page usable"' in response.content
    assert b"B2.14" in response.content
    assert not Community.objects.filter(tagline="Making every page usable").exists()
    assert not Membership.objects.filter(user=outsider).exists()


def test_private_open_proposal_is_refused_with_the_reason(client, outsider):
    client.force_login(outsider)

    response = client.post(
        CREATE, valid_proposal(visibility=Visibility.PRIVATE, join_policy=JoinPolicy.OPEN)
    )

    assert response.status_code == 200
    assert (
        b"A private community is unlisted, so people can only join it by invitation."
        in response.content
    )
    assert b'value="Accessibility Champions"' in response.content
    assert b"WCAG, screen readers and plain language." in response.content
    assert not Community.objects.filter(name="Accessibility Champions").exists()


def test_proposal_with_a_taken_name_is_refused(client, outsider, community):
    client.force_login(outsider)

    response = client.post(CREATE, valid_proposal(name="kubernetes practitioners"))

    assert response.status_code == 200
    assert b"A community with this name already exists." in response.content
    assert Community.objects.filter(name__iexact="kubernetes practitioners").count() == 1


# Settings -------------------------------------------------------------------


def settings_url(community) -> str:
    return reverse("communities:settings", args=[community.slug])


def current_settings(community, **overrides) -> dict:
    data = {
        "action": "save",
        "name": community.name,
        "tagline": community.tagline,
        "description": community.description,
        "tags": ", ".join(community.tags.names()),
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "meeting_room": community.meeting_room,
        "meeting_url": community.meeting_url,
    }
    return {**data, **overrides}


def test_settings_form_shows_current_values(client, moderator, community):
    client.force_login(moderator)

    response = client.get(settings_url(community))

    assert response.status_code == 200
    assert b'value="Kubernetes Practitioners"' in response.content
    assert b"kubernetes" in response.content
    assert b"Archive community" in response.content


def test_moderator_saves_settings_and_it_is_audited(client, moderator, community):
    client.force_login(moderator)

    response = client.post(
        settings_url(community),
        current_settings(
            community, tagline="Containers, calmly", tags="kubernetes, helm", join_policy="request"
        ),
    )

    assert response.status_code == 302
    assert response.url == settings_url(community)
    community.refresh_from_db()
    assert community.tagline == "Containers, calmly"
    assert community.join_policy == JoinPolicy.REQUEST
    assert sorted(community.tags.names()) == ["helm", "kubernetes"]
    event = AuditEvent.objects.get(community=community, action=AuditAction.SETTINGS_CHANGED)
    assert event.actor == moderator
    assert sorted(event.detail["fields"]) == ["join_policy", "tagline", "tags"]
    assert "Settings saved." in messages_of(response)


def test_saving_unchanged_settings_records_nothing(client, moderator, community):
    client.force_login(moderator)

    client.post(settings_url(community), current_settings(community))

    assert not AuditEvent.objects.filter(
        community=community, action=AuditAction.SETTINGS_CHANGED
    ).exists()


def test_invalid_settings_are_shown_again_and_not_saved(client, moderator, community):
    client.force_login(moderator)

    response = client.post(
        settings_url(community),
        current_settings(community, tagline="Typed tagline", visibility="private"),
    )

    assert response.status_code == 200
    assert b"only join it by invitation" in response.content
    assert b'value="Typed tagline"' in response.content
    community.refresh_from_db()
    assert community.visibility == Visibility.PUBLIC
    assert community.tagline != "Typed tagline"


def test_member_cannot_change_settings(client, member, community):
    client.force_login(member)

    response = client.post(settings_url(community), current_settings(community, tagline="Hijacked"))

    assert response.status_code == 403
    community.refresh_from_db()
    assert community.tagline != "Hijacked"


def test_archive_and_restore(client, moderator, community):
    client.force_login(moderator)

    archived = client.post(settings_url(community), {"action": "archive"})

    assert archived.url == detail_url(community)
    community.refresh_from_db()
    assert community.is_archived
    page = client.get(settings_url(community))
    assert b"Restore community" in page.content
    assert b"Archive community" not in page.content

    restored = client.post(settings_url(community), {"action": "unarchive"})

    assert restored.url == detail_url(community)
    community.refresh_from_db()
    assert not community.is_archived
    actions = list(
        AuditEvent.objects.filter(community=community)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.ARCHIVED, AuditAction.UNARCHIVED]


def test_archiving_twice_is_refused_with_a_message(client, moderator, community):
    community.is_archived = True
    community.save()
    client.force_login(moderator)

    response = client.post(settings_url(community), {"action": "archive"})

    assert response.status_code == 200
    assert b"This community is already archived." in response.content


def test_archived_community_page_says_so(client, member, community):
    community.is_archived = True
    community.save()
    client.force_login(member)

    assert b"This community is archived." in client.get(detail_url(community)).content


@pytest.mark.parametrize("persona", ["member", "core", "sponsor"])
def test_only_moderators_can_archive(client, request, community, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(settings_url(community), {"action": "archive"})

    assert response.status_code == 403
    community.refresh_from_db()
    assert not community.is_archived


def test_last_moderator_of_a_private_community_stays_on_its_page(
    client, moderator, private_community
):
    """Refused, they are still a member: the community page, not the directory."""
    client.force_login(moderator)

    response = client.post(reverse("communities:leave", args=[private_community.slug]))
    htmx = client.post(reverse("communities:leave", args=[private_community.slug]), **HTMX)

    assert response.url == detail_url(private_community)
    assert htmx.status_code == 200
    assert b"You are the last moderator, so you cannot leave." in htmx.content
    assert Membership.objects.get(community=private_community, user=moderator).is_active


def test_an_invalid_settings_form_leaves_the_page_header_as_saved(client, moderator, community):
    client.force_login(moderator)

    response = client.post(
        reverse("communities:settings", args=[community.slug]),
        {"name": "Renamed but invalid", "visibility": "private", "join_policy": "open"},
    )

    assert response.status_code == 200
    assert response.context["community"].name == "Kubernetes Practitioners"
    assert response.context["community"].visibility == "public"
    assert response.context["form"]["name"].value() == "Renamed but invalid"
    community.refresh_from_db()
    assert community.name == "Kubernetes Practitioners"
