"""PostgreSQL refuses a NUL character in a query parameter; no list page may turn one into a 500."""

import pytest
from django.urls import reverse

from tests.discussions.factories import HelpRequestFactory

NUL = "\x00"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("discussions:list", {"tag": NUL, "status": NUL, "page": NUL}),
        ("discussions:community_help_wanted", {"expertise": NUL, "page": NUL}),
        ("discussions:help_wanted", {"expertise": NUL, "page": NUL}),
        ("discussions:search", {"q": f"a{NUL}b", "tag": NUL, "status": NUL, "community": NUL}),
        ("discussions:similar", {"title": f"roll{NUL}back"}),
        ("charter:stories", {"horizon": NUL, "beneficiary": NUL, "objective": NUL, "page": NUL}),
    ],
)
def test_a_nul_character_in_the_query_string_is_not_a_server_error(client, community, member, name, params):
    HelpRequestFactory(community=community, author=member, title="Rollback of a deployment", tags=["kubernetes"])
    client.force_login(member)
    kwargs = {} if name in ("discussions:help_wanted", "discussions:search") else {"slug": community.slug}

    response = client.get(reverse(name, kwargs=kwargs), params)

    assert response.status_code in (200, 400, 404)
