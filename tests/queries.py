"""Counting the SQL queries a page or a call costs, for the query-budget tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_response_queries(client, url: str, **params):
    """GET `url` (with `params` as the query string), check it answered 200; (queries, response)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def page_queries(client, url: str, **params) -> int:
    """How many queries one GET of `url` costs; the page must answer 200."""
    return page_response_queries(client, url, **params)[0]


def call_queries(fn) -> tuple[int, object]:
    """(how many queries `fn()` ran, what it returned)."""
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured.captured_queries), result
