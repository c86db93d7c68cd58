"""The OpenAPI document is valid 3.1, served where the README says, and every endpoint in it has a test."""

import pytest
from openapi_spec_validator import validate

from api.api import api
from tests.api import test_endpoints  # noqa: F401 - fills COVERED
from tests.api.support import COVERED


def _endpoints(schema) -> set[tuple[str, str]]:
    return {(method, path) for path, operations in schema["paths"].items() for method in operations}


def test_schema_is_valid_openapi_3_1(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    assert schema["openapi"].startswith("3.1")
    validate(schema)


def test_every_endpoint_in_the_schema_has_a_test():
    missing = _endpoints(api.get_openapi_schema()) - COVERED
    assert not missing, (
        f"endpoints without a test in tests/api/test_endpoints.py: {sorted(missing)}"
    )


def test_no_test_claims_an_endpoint_that_is_gone():
    assert _endpoints(api.get_openapi_schema()) >= COVERED


@pytest.mark.parametrize("persona", [None, "member"])
def test_docs_page_loads_swagger_from_our_static_files(client, request, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))

    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # The page's only script tags are files of ours (and a JSON block, which CSP does not run).
    assert "<script>" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
