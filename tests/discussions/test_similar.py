"""Similar questions while typing a title: up to five readable requests, same community first."""

import pytest
from django.urls import reverse

from discussions.models import HelpRequest
from discussions.search import similar_requests
from tests.discussions.finding_helpers import ask
from tests.factories import CommunityFactory, MembershipFactory


def similar(user, title, community=None):
    return similar_requests(user=user, title=title, community=community)


def test_it_finds_requests_with_similar_titles(community, member):
    match = ask(community, "How do I roll back a Helm release?")
    ask(community, "Which coffee machine is best?")

    assert similar(member, "roll back helm release", community) == [match]


def test_it_offers_at_most_five(community, member):
    for n in range(8):
        ask(community, f"Helm release rollback fails on cluster {n}")

    assert len(similar(member, "Helm release rollback fails", community)) == 5


def test_the_same_community_comes_first(community, member):
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere, user=member)
    there = ask(elsewhere, "Helm release rollback fails")
    here = ask(community, "Helm release rollback fails")

    assert similar(member, "Helm release rollback fails", community) == [here, there]


def test_readable_requests_from_other_communities_are_offered(community, private_community, member):
    there = ask(private_community, "Helm release rollback fails")

    assert similar(member, "Helm release rollback fails", community) == [there]


def test_requests_the_person_cannot_read_are_never_offered(community, private_community, outsider):
    ask(private_community, "Helm release rollback fails")
    listed = CommunityFactory(listed=True)
    ask(listed, "Helm release rollback fails")

    assert similar(outsider, "Helm release rollback fails", community) == []


def test_removed_requests_are_not_offered(community, member):
    removed = ask(community, "Helm release rollback fails")
    HelpRequest.objects.filter(pk=removed.pk).update(is_removed=True)

    assert similar(member, "Helm release rollback fails", community) == []


@pytest.mark.parametrize("title", ["", "  ", "hel", "a b"])
def test_short_titles_offer_nothing(community, member, title):
    ask(community, "hel")

    assert similar(member, title, community) == []


# The fragment ---------------------------------------------------------------------------------


def url(community, title="Helm release rollback fails"):
    return reverse("discussions:similar", args=[community.slug]) + f"?title={title}"


def test_the_fragment_lists_similar_requests_with_links(client, community, member):
    request = ask(community, "Helm release rollback fails")
    client.force_login(member)

    response = client.get(url(community))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Similar questions" in content
    assert request.get_absolute_url() in content
    assert "<html" not in content


def test_the_fragment_is_empty_when_nothing_is_similar(client, community, member):
    client.force_login(member)

    response = client.get(url(community, "abc"))

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_fragment_escapes_titles(client, community, member):
    ask(community, "Helm <script>alert(1)</script> release rollback")
    client.force_login(member)

    content = client.get(url(community, "Helm release rollback")).content.decode()

    assert "&lt;script&gt;" in content
    assert "<script>" not in content


def test_anonymous_visitors_are_sent_to_sign_in(client, community):
    response = client.get(url(community))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_outsider_may_use_it_on_a_public_community(client, community, outsider):
    client.force_login(outsider)

    assert client.get(url(community)).status_code == 200


def test_a_private_community_is_not_found_for_an_outsider(client, private_community, outsider):
    client.force_login(outsider)

    assert client.get(url(private_community)).status_code == 404


def test_a_listed_community_refuses_an_outsider(client, outsider):
    listed = CommunityFactory(listed=True)
    client.force_login(outsider)

    assert client.get(url(listed)).status_code == 403


def test_an_unknown_community_is_not_found(client, member):
    client.force_login(member)

    assert client.get(reverse("discussions:similar", args=["nope"])).status_code == 404
