"""Search across everything a person may read: titles, bodies and replies, ranked and highlighted.

Runs on SQLite (substring fallback) and PostgreSQL (stored tsvector + trigram);
tests marked `postgresql_only` exercise what only the full-text engine can do.
"""

import pytest
from django.db import connection
from django.urls import reverse

from discussions.models import HelpRequest, RequestStatus
from discussions.search import (
    SearchFilters,
    decorate_results,
    highlight,
    marked,
    query_words,
    search_requests,
    update_search_vectors,
)
from tests.discussions.factories import ReplyFactory
from tests.discussions.finding_helpers import ask
from tests.factories import CommunityFactory, MembershipFactory

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs PostgreSQL full-text search"
)


def found(user, **filters) -> list[HelpRequest]:
    return list(search_requests(user=user, filters=SearchFilters(**filters)))


# The search itself ----------------------------------------------------------------------


def test_it_finds_requests_by_title_body_and_reply_text(community, member):
    by_title = ask(community, "Helm chart upgrade hangs")
    by_body = ask(community, "Deploys stuck", "Our helm release never finishes.")
    by_reply = ask(community, "Pods restart", replies=["Pin the helm version in CI."])
    ask(community, "Unrelated question about coffee")

    assert set(found(member, q="helm")) == {by_title, by_body, by_reply}


def test_title_matches_rank_above_body_and_reply_matches(community, member):
    by_reply = ask(community, "Pods restart", replies=["Rollback with helm history."])
    by_body = ask(community, "Deploys stuck", "A helm release never finishes.")
    by_title = ask(community, "Helm chart upgrade hangs")

    assert found(member, q="helm") == [by_title, by_body, by_reply]


def test_every_word_must_match_somewhere(community, member):
    both = ask(community, "Helm rollback fails", "The rollback hook times out.")
    ask(community, "Helm chart upgrade hangs")

    assert found(member, q="helm rollback") == [both]


def test_removed_requests_and_removed_replies_are_not_searched(community, member):
    removed = ask(community, "Helm secrets leak")
    HelpRequest.objects.filter(pk=removed.pk).update(is_removed=True)
    thread = ask(community, "Pods restart")
    reply = ReplyFactory(help_request=thread, body="Zanzibar is the answer.")
    type(reply).objects.filter(pk=reply.pk).update(is_removed=True)
    update_search_vectors(help_request=thread)

    assert found(member, q="helm") == []
    assert found(member, q="zanzibar") == []


def test_an_outsider_never_finds_requests_of_a_private_community(
    community, private_community, outsider, member
):
    public = ask(community, "Helm in the open")
    secret = ask(private_community, "Helm in the incident")

    assert found(outsider, q="helm") == [public]
    assert set(found(member, q="helm")) == {public, secret}


def test_a_listed_community_is_searched_by_members_only(member, outsider):
    listed = CommunityFactory(listed=True)
    MembershipFactory(community=listed, user=member)
    request = ask(listed, "Helm behind the proxy")

    assert found(member, q="helm") == [request]
    assert found(outsider, q="helm") == []


def test_people_who_left_no_longer_find_the_private_requests(private_community, member):
    ask(private_community, "Helm in the incident")
    member.memberships.filter(community=private_community).update(is_active=False)

    assert found(member, q="helm") == []


def test_a_site_admin_finds_everything(community, private_community, site_admin):
    requests = {ask(community, "Helm one"), ask(private_community, "Helm two")}

    assert set(found(site_admin, q="helm")) == requests


# Filters ------------------------------------------------------------------------------------


def test_it_filters_by_community(community, private_community, member):
    here = ask(community, "Helm here")
    ask(private_community, "Helm there")

    assert found(member, q="helm", community=community) == [here]


def test_it_filters_by_tag(community, member):
    tagged = ask(community, "Helm tagged", tags=["helm"])
    ask(community, "Helm untagged")

    assert found(member, q="helm", tag="Helm") == [tagged]


def test_it_filters_by_status(community, member):
    solved = ask(community, "Helm solved", status=RequestStatus.SOLVED)
    ask(community, "Helm open")

    assert found(member, q="helm", status=RequestStatus.SOLVED) == [solved]


def test_unanswered_means_no_replies_yet_and_not_closed(community, member):
    waiting = ask(community, "Helm waiting")
    ask(community, "Helm answered", replies=["Try --atomic."])
    ask(community, "Helm closed", status=RequestStatus.CLOSED)

    assert found(member, q="helm", unanswered=True) == [waiting]


def test_filters_work_without_words_newest_activity_first(community, member):
    older = ask(community, "First question")
    newer = ask(community, "Second question")

    assert found(member, unanswered=True) == [newer, older]


# Highlighting -------------------------------------------------------------------------------


def test_matched_words_are_marked_and_user_text_is_escaped(community, member):
    ask(community, "<script>alert(1)</script> breaks the helm chart", "We use <b>helm</b> 3.")

    results = found(member, q="helm")
    decorate_results(results, "helm")

    (result,) = results
    assert "<mark>helm</mark>" in result.title_html
    assert "&lt;script&gt;" in result.title_html
    assert "<script" not in result.title_html + result.snippet_html
    assert "<b>" not in result.snippet_html


def test_highlight_escapes_between_the_marks():
    assert highlight("a <b> & helm", ["helm"]) == "a &lt;b&gt; &amp; <mark>helm</mark>"


def test_highlight_does_not_mark_inside_entities():
    assert highlight("Tom & Jerry", ["amp"]) == "Tom &amp; Jerry"


def test_headline_markers_become_marks_only_when_balanced():
    assert marked("a \ue000helm\ue001 <i>") == "a <mark>helm</mark> &lt;i&gt;"
    assert marked("a \ue000helm <i>") == "a helm &lt;i&gt;"


def test_query_words_drop_stop_words_and_repeats():
    assert query_words("How do I roll back a Helm helm release?") == ["roll", "back", "helm", "release"]


# PostgreSQL full-text -----------------------------------------------------------------------


@postgresql_only
def test_english_stemming_finds_other_forms_of_a_word(community, member):
    request = ask(community, "Rolling back deployments", "It keeps failing.")

    assert found(member, q="deployment failed") == [request]


@postgresql_only
def test_a_typo_still_finds_the_title(community, member):
    request = ask(community, "Kubernetes ingress certificates expire")

    assert found(member, q="kubernets") == [request]


@postgresql_only
def test_websearch_syntax_excludes_words(community, member):
    keep = ask(community, "Helm rollback")
    ask(community, "Helm upgrade")

    assert found(member, q="helm -upgrade") == [keep]


@postgresql_only
def test_the_search_vector_and_title_have_gin_indexes(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'discussions_helprequest' "
            "AND indexname IN ('discussions_helprequest_search_gin', 'discussions_helprequest_title_trgm')"
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "discussions_helprequest_search_gin",
            "discussions_helprequest_title_trgm",
        }


# The page ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("discussions:search"), {"q": "helm"})

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("persona", ["outsider", "member", "core", "moderator", "sponsor", "site_admin"])
def test_every_signed_in_person_can_search(client, request, community, persona):
    ask(community, "Helm chart upgrade hangs", tags=["helm"])
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("discussions:search"), {"q": "helm"})

    assert response.status_code == 200
    assert b"<mark>Helm</mark> chart upgrade hangs" in response.content
    assert b"Kubernetes Practitioners" in response.content


def test_the_page_shows_status_tags_and_reply_count(client, community, member):
    ask(community, "Helm solved", tags=["helm"], replies=["Yes", "No"], status=RequestStatus.SOLVED)
    client.force_login(member)

    content = client.get(reverse("discussions:search"), {"q": "helm"}).content.decode()

    assert "Solved" in content
    assert '<span class="tag">helm</span>' in content
    assert "2 replies" in content


def test_the_page_without_a_query_invites_one(client, member):
    client.force_login(member)

    response = client.get(reverse("discussions:search"))

    assert response.status_code == 200
    assert b"Type a few words" in response.content


def test_choosing_a_community_the_person_cannot_read_is_refused_not_revealed(
    client, community, private_community, outsider
):
    ask(private_community, "Helm in the incident")
    client.force_login(outsider)

    response = client.get(reverse("discussions:search"), {"q": "helm", "community": private_community.slug})

    assert response.status_code == 200
    assert b"Helm in the incident" not in response.content
    assert b"Incident Reviews" not in response.content
    assert b"Select a valid choice" in response.content


def test_the_community_filter_lists_only_readable_communities(client, community, private_community, outsider):
    client.force_login(outsider)

    content = client.get(reverse("discussions:search")).content.decode()

    assert f'value="{community.slug}"' in content
    assert f'value="{private_community.slug}"' not in content


def test_htmx_gets_only_the_results(client, community, member):
    ask(community, "Helm chart upgrade hangs")
    client.force_login(member)

    response = client.get(
        reverse("discussions:search"), {"q": "helm"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="search-results"')


def test_results_are_paged(client, community, member):
    for n in range(23):
        ask(community, f"Helm question {n}")
    client.force_login(member)

    first = client.get(reverse("discussions:search"), {"q": "helm"})
    second = client.get(reverse("discussions:search"), {"q": "helm", "page": 2})

    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 3


def test_a_bad_page_number_shows_the_last_page_not_an_error(client, community, member):
    ask(community, "Helm question")
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "helm", "page": "999"})

    assert response.status_code == 200


def test_an_overlong_query_is_an_error_not_a_crash(client, member):
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "x" * 500})

    assert response.status_code == 200
    assert b"Please check the search" in response.content


def test_post_is_not_allowed(client, member):
    client.force_login(member)

    assert client.post(reverse("discussions:search")).status_code == 405


def test_a_snippet_that_starts_inside_the_text_begins_at_a_whole_word():
    from discussions.search import snippet

    text = "The ingestion API has five test files and each one defines the same fixture " * 3 + "pytest"

    result = snippet(text, ["pytest"], length=72)  # the window would open inside "defines"

    assert result.startswith("… ")
    first_word = result[2:].split(" ")[0]
    assert first_word in text.split(" ")
