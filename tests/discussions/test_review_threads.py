"""Second-read fixes in threads and finding: bad `parent` ids, expertise matched whatever its case."""

import pytest
from django.urls import reverse

from discussions.kinds import Kind
from discussions.search import help_wanted_everywhere, help_wanted_in
from discussions.services import posting
from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def ask(community, by, tags):
    return posting.help_request_create(
        community=community, by=by, title="Pods stuck in Pending", body="Nodes have room.", tags=tags
    )


def test_a_reply_form_whose_parent_is_a_non_ascii_digit_is_not_found(client, community, member):
    request = ask(community, member, tags=[])
    client.force_login(member)
    reply_url = reverse("discussions:reply", args=[community.slug, request.pk])

    assert client.get(reply_url, {"parent": "²"}).status_code == 404
    assert client.post(reply_url, {"parent": "²", "body": "Try this"}).status_code == 404


def test_an_expert_whose_expertise_is_capitalised_is_told_of_a_request_with_that_tag(
    community, member
):
    # The community's own "kubernetes" tag exists first, so "Kubernetes" gets the slug "kubernetes_1".
    expert = UserFactory()
    MembershipFactory(community=community, user=expert)
    expert.expertise.set(["Kubernetes"])

    ask(community, member, tags=["kubernetes"])

    kinds = list(Notification.objects.filter(recipient=expert).values_list("kind", flat=True))
    assert kinds == [Kind.HELP_WANTED]


def test_matches_my_expertise_ignores_the_case_of_the_expertise(community, member):
    expert = UserFactory()
    MembershipFactory(community=community, user=expert)
    expert.expertise.set(["Kubernetes"])
    request = ask(community, member, tags=["kubernetes"])
    ask(community, member, tags=["coffee"])

    assert list(help_wanted_in(community=community, user=expert, mine_only=True)) == [request]
    assert list(help_wanted_everywhere(user=expert, mine_only=True)) == [request]


def test_similar_questions_never_pass_a_nul_character_to_the_database(
    client, community, member, monkeypatch
):
    # PostgreSQL refuses NUL in a parameter (a 500); SQLite accepts it, so look at what is queried.
    seen = []
    monkeypatch.setattr(
        "discussions.views.finding.similar_requests", lambda **kwargs: seen.append(kwargs) or []
    )
    client.force_login(member)

    response = client.get(reverse("discussions:similar", args=[community.slug]), {"title": "helm\x00 pin"})

    assert response.status_code == 200
    assert seen[0]["title"] == "helm pin"


def test_mention_suggestions_never_pass_a_nul_character_to_the_database(
    client, community, member, monkeypatch
):
    seen = []
    monkeypatch.setattr(
        "discussions.views.threads.mentions.suggestions", lambda community, query: seen.append(query) or []
    )
    client.force_login(member)

    response = client.get(
        reverse("discussions:mention_suggestions", args=[community.slug]), {"q": "mi\x00a"}
    )

    assert response.status_code == 200
    assert seen == ["mia"]
