"""Helpers for the API tests: a token client and the registry of endpoints that have a test."""

import json

from api.services import token_create

# (method, path template) of every endpoint some test in tests/api calls, filled by `covers`.
COVERED: set[tuple[str, str]] = set()


def covers(method: str, path: str):
    """Mark a test as the test of an endpoint; tests/api/test_schema.py compares these to the schema."""
    COVERED.add((method, path))

    def mark(test):
        return test

    return mark


class Api:
    """Calls the API with a personal access token, as a script would."""

    def __init__(self, client, user, *, scope: str = "write"):
        self.client = client
        self.token, self.secret = token_create(user=user, name="tests", scope=scope)

    def _headers(self, extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}", **extra}

    def get(self, url, data=None, **extra):
        return self.client.get(url, data, **self._headers(extra))

    def send(self, method, url, body=None, **extra):
        return getattr(self.client, method)(
            url, json.dumps(body or {}), content_type="application/json", **self._headers(extra)
        )

    def post(self, url, body=None, **extra):
        return self.send("post", url, body, **extra)

    def put(self, url, body=None, **extra):
        return self.send("put", url, body, **extra)
