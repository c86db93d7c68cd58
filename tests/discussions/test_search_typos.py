"""A typo on the default (SQLite) run: close words from the titles and tags people may read.

PostgreSQL forgives typos in titles by trigram similarity (tests/discussions/test_search.py);
the SQLite fallback, when the words as typed find nothing, tries each word no title or tag
contains with its close words, and the page says which words it used.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions.search import community_vocabulary, typo_correction
from discussions.services.posting import help_request_create
from tests.discussions.finding_helpers import ask
from tests.discussions.test_query_budgets_finding import SEARCH_BUDGET
from tests.queries import page_queries
from tests.test_query_budgets import FEW, MANY

pytestmark = pytest.mark.skipif(
    "connection.vendor == 'postgresql'", reason="the SQLite fallback's typo tolerance"
)


def search_page(client, **params) -> str:
    return client.get(reverse("discussions:search"), params).content.decode()


def test_a_typo_finds_the_title_and_the_page_says_what_it_searched_for(client, community, member):
    request = ask(community, "Pytest fixtures leak between tests")
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "fixtrues"})

    assert list(response.context["page"].object_list) == [request]
    content = response.content.decode()
    assert "Showing results for <strong>fixtures</strong>" in content
    assert "nothing matched “fixtrues” as typed" in content
    assert "<mark>fixtures</mark>" in content


def test_only_the_misspelt_word_is_corrected(client, community, member):
    request = ask(community, "Pytest fixtures leak between tests")
    ask(community, "Pytest markers are ignored")
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "pytest fixtrues"})

    assert list(response.context["page"].object_list) == [request]
    assert "Showing results for <strong>pytest fixtures</strong>" in response.content.decode()


def test_words_found_as_typed_are_not_corrected(client, community, member):
    ask(community, "Pytest fixtures leak between tests")
    client.force_login(member)

    content = search_page(client, q="fixtures")

    assert "Showing results for" not in content


def test_a_word_typed_correctly_in_a_reply_only_is_found_as_typed(client, community, member):
    request = ask(community, "Pods restart", replies=["The fixtrues cron job did it."])
    ask(community, "Pytest fixtures leak between tests")
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "fixtrues"})

    assert list(response.context["page"].object_list) == [request]
    assert "Showing results for" not in response.content.decode()


def test_tags_are_part_of_the_vocabulary(client, community, member):
    request = ask(community, "State drift every night", "Our terraform plan shows it.", tags=["terraform"])
    ask(community, "Unrelated question about coffee")
    client.force_login(member)

    response = client.get(reverse("discussions:search"), {"q": "terrafrom"})

    assert list(response.context["page"].object_list) == [request]


def test_a_correction_never_comes_from_a_community_the_person_cannot_read(
    client, community, private_community, outsider, member
):
    ask(private_community, "Kerberos keytab rotation")
    ask(community, "Kerberos in the open", replies=["Where is the keytab kept?"])

    client.force_login(outsider)
    # "keytab" is a title word only in the private community: no correction to it for outsiders.
    assert "Showing results for" not in search_page(client, q="keytba")
    client.force_login(member)
    assert "Showing results for <strong>keytab</strong>" in search_page(client, q="keytba")


def test_the_community_filter_narrows_the_vocabulary(client, community, private_community, member):
    ask(private_community, "Pytest fixtures leak between tests")
    ask(community, "Flaky tests", replies=["Shared fixtures, most likely."])
    client.force_login(member)

    narrowed = search_page(client, q="fixtrues", community=community.slug)
    everywhere = search_page(client, q="fixtrues")

    assert "Showing results for" not in narrowed
    assert "Nothing found" in narrowed
    assert "Showing results for <strong>fixtures</strong>" in everywhere


def test_a_correction_that_finds_nothing_either_is_not_offered(client, community, member):
    ask(community, "Pytest fixtures leak between tests")
    client.force_login(member)

    content = search_page(client, q="fixtrues", status="solved")

    assert "Showing results for" not in content
    assert "Nothing found for “fixtrues”" in content


def test_htmx_results_carry_the_correction(client, community, member):
    ask(community, "Pytest fixtures leak between tests")
    client.force_login(member)

    response = client.get(
        reverse("discussions:search"), {"q": "fixtrues"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )

    assert response.content.decode().lstrip().startswith('<div id="search-results"')
    assert "Showing results for <strong>fixtures</strong>" in response.content.decode()


# The correction itself ---------------------------------------------------------------------


def test_close_words_are_offered_for_words_no_title_or_tag_contains(community):
    ask(community, "Pytest fixtures leak between tests", tags=["pytest"])

    correction = typo_correction("fixtrues in pytset", community_ids=[community.pk])

    assert correction.text == "fixtures in pytest"
    assert correction.alternatives == {"fixtrues": ["fixtures"], "pytset": ["pytest"]}


def test_a_word_inside_a_known_word_short_words_and_operators_are_left_alone(community):
    ask(community, "Pytest fixtures leak between tests")

    assert typo_correction("fixture", community_ids=[community.pk]) is None
    assert typo_correction("tset", community_ids=[community.pk]) is None
    assert typo_correction('"fixtrues"', community_ids=[community.pk]) is None
    assert typo_correction("qwertyuiop", community_ids=[community.pk]) is None


def test_removed_requests_leave_the_vocabulary(community):
    request = ask(community, "Pytest fixtures leak between tests")
    type(request).objects.filter(pk=request.pk).update(is_removed=True)

    assert "fixtures" not in community_vocabulary([community.pk])


def test_the_vocabulary_is_cached_and_forgotten_when_a_request_is_written(
    community, member, django_capture_on_commit_callbacks
):
    ask(community, "Pytest fixtures leak between tests")
    assert "fixtures" in community_vocabulary([community.pk])

    with CaptureQueriesContext(connection) as warm:
        community_vocabulary([community.pk])
    with django_capture_on_commit_callbacks(execute=True):
        help_request_create(community=community, by=member, title="Flaky snapshot tests", body="Why?")

    assert len(warm.captured_queries) == 0
    assert "snapshot" in community_vocabulary([community.pk])


def test_a_cold_vocabulary_costs_two_queries_for_any_number_of_communities(
    community, private_community
):
    ask(community, "Pytest fixtures leak between tests", tags=["pytest"])
    ask(private_community, "Kerberos keytab rotation", tags=["security"])

    with CaptureQueriesContext(connection) as cold:
        words = community_vocabulary([community.pk, private_community.pk])

    assert len(cold.captured_queries) == 2
    assert {"fixtures", "pytest", "kerberos", "security"} <= words


# Query budget --------------------------------------------------------------------------------


def test_a_corrected_search_runs_one_count_more_than_a_search_and_does_not_grow(
    client, community, member, django_assert_max_num_queries
):
    """The search as typed (its count), then the corrected search; the vocabulary is cached."""
    made = []

    def grow(n):
        for _ in range(n):
            made.append(ask(community, f"Pytest fixtures leak {len(made)}", tags=["pytest"]))

    client.force_login(member)
    grow(FEW)
    client.get(reverse("discussions:search"), {"q": "fixtrues"})  # warm the vocabulary
    few = page_queries(client, reverse("discussions:search"), q="fixtrues")
    grow(MANY - FEW)
    client.get(reverse("discussions:search"), {"q": "fixtrues"})
    many = page_queries(client, reverse("discussions:search"), q="fixtrues")

    assert few == many
    with django_assert_max_num_queries(SEARCH_BUDGET + 1):
        client.get(reverse("discussions:search"), {"q": "fixtrues"})
