"""The sponsor's review page and the charters awaiting their review."""

import pytest
from django.urls import reverse

from charter.models import CharterState, VersionStatus
from charter.services import drafts as services
from tests.charter.drafts_support import approved, changes_requested, edit, in_review
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def review_url(community, number=1):
    return reverse("charter:review", args=[community.slug, number])


def test_the_review_page_shows_each_section_side_by_side_with_the_last_approved(
    client, community, moderator, sponsor
):
    charter, _ = approved(
        community, editor=moderator, sponsor=sponsor, strategy="Monthly show-and-tell."
    )
    edit(charter, moderator, strategy="Weekly show-and-tell.")
    services.charter_submit(charter=charter, by=moderator, note="More often")
    client.force_login(sponsor)

    response = client.get(review_url(community, 2))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Compared with version 1" in content
    assert "Version 1, last approved" in content and "This version" in content
    assert "[removed: </span>Monthly" in content
    assert "[added: </span>Weekly" in content
    assert "More often" in content
    changed = [d.key for d in response.context["diffs"] if d.changed]
    assert changed == ["strategy"]


def test_before_any_approval_the_review_compares_with_the_version_sent_back(
    client, community, moderator, sponsor
):
    charter, _ = changes_requested(community, editor=moderator, sponsor=sponsor, pitch="Join us.")
    edit(charter, moderator, pitch="Join us: fifty people have been there.")
    services.charter_submit(charter=charter, by=moderator)
    client.force_login(sponsor)

    response = client.get(review_url(community, 2))

    content = response.content.decode()
    assert "where changes were requested" in content
    assert [d.key for d in response.context["diffs"] if d.changed] == ["pitch"]


def test_the_first_review_explains_there_is_nothing_approved_to_compare_with(
    client, community, moderator, sponsor
):
    in_review(community, by=moderator)
    client.force_login(sponsor)

    content = client.get(review_url(community)).content.decode()

    assert "No version has been approved yet" in content


def test_sponsor_approves_from_the_review_page(client, community, moderator, sponsor):
    charter, _ = in_review(community, by=moderator)
    client.force_login(sponsor)

    response = client.post(
        review_url(community), {"decision": "approve", "comment": ""}, follow=True
    )

    assert "You approved version 1" in response.content.decode()
    charter.refresh_from_db()
    assert charter.state == CharterState.APPROVED


def test_sponsor_requests_changes_from_the_review_page(client, community, moderator, sponsor):
    charter, version = in_review(community, by=moderator)
    client.force_login(sponsor)

    response = client.post(
        review_url(community),
        {"decision": "request_changes", "comment": "Add target dates"},
        follow=True,
    )

    assert "You asked for changes to version 1" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.CHANGES_REQUESTED
    assert version.review_comment == "Add target dates"


def test_requesting_changes_without_a_comment_comes_back_with_the_form(
    client, community, moderator, sponsor
):
    charter, _ = in_review(community, by=moderator)
    client.force_login(sponsor)

    response = client.post(review_url(community), {"decision": "request_changes", "comment": "  "})

    assert response.status_code == 400
    assert "Say what should change" in response.content.decode()
    charter.refresh_from_db()
    assert charter.state == CharterState.IN_REVIEW


def test_a_decision_without_a_choice_comes_back_with_the_typed_comment(
    client, community, moderator, sponsor
):
    in_review(community, by=moderator)
    client.force_login(sponsor)

    response = client.post(review_url(community), {"comment": "Half-typed thoughts"})

    assert response.status_code == 400
    assert "Half-typed thoughts" in response.content.decode()


def test_deciding_an_already_decided_version_is_refused_with_a_message(
    client, community, moderator, sponsor
):
    approved(community, editor=moderator, sponsor=sponsor)
    client.force_login(sponsor)

    response = client.post(
        review_url(community), {"decision": "request_changes", "comment": "Too late"}, follow=True
    )

    assert "already decided" in response.content.decode()
    assert "Your decision" not in response.content.decode(), "no form for a decided version"


@pytest.mark.parametrize("persona", ["core", "moderator", "site_admin", "member"])
def test_only_the_sponsor_may_open_the_review_page(
    request, client, community, moderator, sponsor, persona
):
    in_review(community, by=moderator)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(review_url(community)).status_code == 403
    assert client.post(review_url(community), {"decision": "approve"}).status_code == 403


def test_a_sponsor_of_another_community_cannot_review_this_one(
    client, community, moderator, sponsor
):
    in_review(community, by=moderator)
    stranger = MembershipFactory(community=CommunityFactory(), role="sponsor").user
    client.force_login(stranger)

    assert client.get(review_url(community)).status_code == 403


# Awaiting review ------------------------------------------------------------------


def test_a_sponsor_sees_the_charters_waiting_for_them_across_communities(
    client, community, private_community, moderator, sponsor
):
    in_review(community, by=moderator, purpose="Public")
    in_review(private_community, by=moderator, purpose="Private")
    done = CommunityFactory(name="Done already")
    MembershipFactory(community=done, user=moderator, role="moderator")
    MembershipFactory(community=done, user=sponsor, role="sponsor")
    approved(done, editor=moderator, sponsor=sponsor)
    client.force_login(sponsor)

    response = client.get(reverse("charter:awaiting_review"))

    content = response.content.decode()
    assert [c.community for c in response.context["charters"]] == [community, private_community]
    assert review_url(community) in content
    assert review_url(private_community) in content
    assert "Done already" not in content


def test_the_awaiting_page_has_an_empty_state(client, member):
    client.force_login(member)

    content = client.get(reverse("charter:awaiting_review")).content.decode()

    assert "No charter is waiting for your review." in content


def test_charters_of_communities_one_no_longer_sponsors_do_not_wait_for_them(
    client, community, moderator, sponsor
):
    in_review(community, by=moderator)
    sponsor.memberships.filter(community=community).update(is_active=False)
    client.force_login(sponsor)

    assert client.get(reverse("charter:awaiting_review")).context["charters"] == []


def test_the_account_menu_asks_for_the_review_link_and_count(client, community, moderator, sponsor):
    in_review(community, by=moderator)
    client.force_login(sponsor)

    response = client.get(
        reverse("charter:awaiting_review"),
        headers={"HX-Request": "true", "HX-Target": "review-menu-link"},
    )

    content = response.content.decode()
    assert "Charters to review" in content
    assert '<span class="count-pill" aria-label="1 waiting">1</span>' in content
    assert "<html" not in content


def test_the_account_menu_shows_no_review_link_to_people_who_sponsor_nothing(client, member):
    client.force_login(member)

    response = client.get(
        reverse("charter:awaiting_review"),
        headers={"HX-Request": "true", "HX-Target": "review-menu-link"},
    )

    assert response.content.decode().strip() == ""


def test_pages_carry_the_lazy_review_link_in_the_account_menu(client, member):
    client.force_login(member)

    content = client.get(reverse("home")).content.decode()

    assert 'id="review-menu-link"' in content
