"""Help wanted: open requests without an accepted answer, oldest first, per community and overall."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import CommunityStatus
from discussions.models import HelpRequest, RequestStatus
from discussions.search import help_wanted_everywhere, help_wanted_in
from tests.discussions.factories import ReplyFactory
from tests.discussions.finding_helpers import ask
from tests.factories import CommunityFactory, MembershipFactory


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def test_it_lists_open_and_answered_requests_oldest_first(community, member):
    newer = ask(community, "Newer", created_at=days_ago(1))
    older = ask(community, "Older", status=RequestStatus.ANSWERED, created_at=days_ago(5))

    assert list(help_wanted_in(community=community)) == [older, newer]


def test_solved_closed_and_removed_requests_are_not_wanted(community, member):
    ask(community, "Solved", status=RequestStatus.SOLVED)
    ask(community, "Closed", status=RequestStatus.CLOSED)
    removed = ask(community, "Removed")
    HelpRequest.objects.filter(pk=removed.pk).update(is_removed=True)

    assert list(help_wanted_in(community=community)) == []


def test_a_request_with_an_accepted_answer_is_not_wanted_whatever_its_status(community, member):
    request = ask(community, "Accepted")
    reply = ReplyFactory(help_request=request)
    HelpRequest.objects.filter(pk=request.pk).update(accepted_reply=reply, status=RequestStatus.ANSWERED)

    assert list(help_wanted_in(community=community)) == []


def test_matches_my_expertise_keeps_requests_tagged_with_it(community, member):
    member.expertise.set(["helm", "argo"])
    helm = ask(community, "Helm", tags=["helm", "ci"])
    argo = ask(community, "Argo", tags=["argo", "helm"])
    ask(community, "Coffee", tags=["coffee"])

    assert list(help_wanted_in(community=community, user=member, mine_only=True)) == [helm, argo]


def test_matches_my_expertise_is_empty_without_expertise(community, member):
    ask(community, "Helm", tags=["helm"])

    assert list(help_wanted_in(community=community, user=member, mine_only=True)) == []


def test_everywhere_means_every_community_the_person_is_an_active_member_of(
    community, private_community, member
):
    mine = ask(community, "Mine", created_at=days_ago(3))
    private = ask(private_community, "Private", created_at=days_ago(2))
    public_elsewhere = ask(CommunityFactory(), "Public but not mine")
    left = CommunityFactory()
    MembershipFactory(community=left, user=member, is_active=False)
    ask(left, "Left")

    wanted = list(help_wanted_everywhere(user=member))

    assert wanted == [mine, private]
    assert public_elsewhere not in wanted


def test_everywhere_leaves_out_archived_and_unapproved_communities(member):
    archived = CommunityFactory(is_archived=True)
    proposed = CommunityFactory(status=CommunityStatus.PROPOSED)
    for c in (archived, proposed):
        MembershipFactory(community=c, user=member)
        ask(c, "Cannot be answered")

    assert list(help_wanted_everywhere(user=member)) == []


def test_an_outsider_has_nothing_wanted_everywhere(community, outsider):
    ask(community, "Public")

    assert list(help_wanted_everywhere(user=outsider)) == []


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "member", "core", "moderator", "sponsor", "site_admin"])
def test_every_signed_in_person_has_a_help_wanted_page(client, request, community, persona):
    ask(community, "Helm release rollback fails")
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("discussions:help_wanted"))

    assert response.status_code == 200
    shown = b"Helm release rollback fails" in response.content
    assert shown == (persona not in ("outsider", "site_admin"))


def test_the_page_shows_community_reply_count_and_age(client, community, member):
    ask(community, "Helm release", replies=["Try this"], created_at=days_ago(3))
    client.force_login(member)

    content = client.get(reverse("discussions:help_wanted")).content.decode()

    assert "Kubernetes Practitioners" in content
    assert "1 reply" in content
    assert "3\xa0days ago" in content


def test_the_expertise_filter_on_the_page(client, community, member):
    member.expertise.set(["helm"])
    ask(community, "Helm question", tags=["helm"])
    ask(community, "Coffee question", tags=["coffee"])
    client.force_login(member)

    content = client.get(reverse("discussions:help_wanted"), {"mine": "1"}).content.decode()

    assert "Helm question" in content
    assert "Coffee question" not in content
    assert 'name="mine" id="id_mine" value="1" checked' in content


def test_the_page_is_paged_and_survives_bad_page_numbers(client, community, member):
    for n in range(27):
        ask(community, f"Question {n}")
    client.force_login(member)

    assert len(client.get(reverse("discussions:help_wanted")).context["page"].object_list) == 25
    assert client.get(reverse("discussions:help_wanted"), {"page": "x"}).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, community):
    for url in (
        reverse("discussions:help_wanted"),
        reverse("discussions:community_help_wanted", args=[community.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("persona", ["outsider", "member", "core", "moderator", "sponsor", "site_admin"])
def test_readers_of_a_public_community_see_its_help_wanted_page(client, request, community, persona):
    ask(community, "Helm release rollback fails")
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("discussions:community_help_wanted", args=[community.slug]))

    assert response.status_code == 200
    assert b"Helm release rollback fails" in response.content


@pytest.mark.parametrize("persona", ["member", "core", "moderator", "sponsor", "site_admin"])
def test_members_see_the_private_help_wanted_page(client, request, private_community, persona):
    ask(private_community, "Secret incident")
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("discussions:community_help_wanted", args=[private_community.slug]))

    assert response.status_code == 200
    assert b"Secret incident" in response.content


def test_an_outsider_does_not_find_a_private_communitys_page(client, private_community, outsider):
    client.force_login(outsider)

    response = client.get(reverse("discussions:community_help_wanted", args=[private_community.slug]))

    assert response.status_code == 404


def test_an_outsider_is_refused_a_listed_communitys_page(client, outsider):
    listed = CommunityFactory(listed=True)
    client.force_login(outsider)

    response = client.get(reverse("discussions:community_help_wanted", args=[listed.slug]))

    assert response.status_code == 403


def test_a_person_who_left_a_private_community_no_longer_sees_its_page(client, private_community, member):
    member.memberships.filter(community=private_community).update(is_active=False)
    client.force_login(member)

    response = client.get(reverse("discussions:community_help_wanted", args=[private_community.slug]))

    assert response.status_code == 404
