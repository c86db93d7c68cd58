"""Permission matrix of the REST API and of the API tokens pages; wired into
tests/test_permission_matrix.py.

`ROWS`/`POST_ONLY` are the HTML token pages, as in the other parts. `API_ROWS` are the
API's endpoints: for each (method, path) the outcome per persona (columns as in
`PERSONAS`) per kind of community, when the persona calls with a read-and-write token.
The anonymous column is a call without any credentials: 401. The same call with a
read-only token is refused with 403 on every write (tests/test_permission_matrix.py
checks that too), and service refusals are 400 with the service's words.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.discussions.matrix_threads import help_request, steward_reply
from tests.matrix_common import LISTED, LOGIN, OK, PRIVATE, PUBLIC, REDIRECT, SIGNED_IN, Row, World
from tests.meetings.factories import OccurrenceFactory

# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.
NO = 401
CREATED = 201

ROWS = {
    "tokens:list": Row(
        get=SIGNED_IN, post=SIGNED_IN, data=lambda w: {"name": "Matrix bot", "scope": "read"}
    ),
    "tokens:revoke": Row(
        post=(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        kwargs=lambda w: {"pk": own_token(w).pk},
    ),
}
POST_ONLY = {"tokens:revoke"}


def own_token(w: World):
    from api.services import token_create
    from tests.factories import UserFactory

    return w.memo(
        "own_token",
        lambda: token_create(user=w.user or UserFactory(), name="Mine", scope="read")[0],
    )


def everyone(outcome):
    return dict.fromkeys((PUBLIC, LISTED, PRIVATE), (NO, *((outcome,) * 6)))


def seers(outcome):
    """Whoever may know the community exists (`Access.can_see`)."""
    row = (NO, *(outcome,) * 6)
    return {PUBLIC: row, LISTED: row, PRIVATE: (NO, 404, *(outcome,) * 5)}


def readers(outcome):
    """`Access.can_read`: anyone signed in on a public community, members and site admins otherwise."""
    return {
        PUBLIC: (NO, outcome, outcome, outcome, outcome, outcome, outcome),
        LISTED: (NO, 403, outcome, outcome, outcome, outcome, outcome),
        PRIVATE: (NO, 404, outcome, outcome, outcome, outcome, outcome),
    }


def participants(outcome):
    """`Access.can_participate`: active members; a site admin who is not one reads but does not post."""
    return {
        PUBLIC: (NO, 403, outcome, outcome, outcome, outcome, 403),
        LISTED: (NO, 403, outcome, outcome, outcome, outcome, 403),
        PRIVATE: (NO, 404, outcome, outcome, outcome, outcome, 403),
    }


def hidden_when_private(*outcomes):
    return {PUBLIC: (NO, *outcomes), LISTED: (NO, *outcomes), PRIVATE: (NO, 404, *outcomes[1:])}


@dataclass(frozen=True)
class ApiRow:
    expected: dict
    kwargs: Callable[[World], dict] = field(default=lambda w: {})
    body: Callable[[World], dict] | None = None
    query: str = ""


def slug(w: World) -> dict:
    return {"slug": w.community.slug}


def thread(w: World) -> dict:
    return {"slug": w.community.slug, "pk": help_request(w).pk}


def on_reply(w: World) -> dict:
    return {**thread(w), "reply_pk": steward_reply(w).pk}


def occurrence(w: World):
    return w.memo("occurrence", lambda: OccurrenceFactory(series__community=w.community))


def meeting(w: World) -> dict:
    return {"slug": w.community.slug, "pk": occurrence(w).pk}


def notification(w: World) -> dict:
    return {"pk": w.own_notification.pk}


C = "/api/v1/communities/{slug}"
T = C + "/requests/{pk}"

API_ROWS: dict[tuple[str, str], ApiRow] = {
    # Communities.
    ("get", "/api/v1/communities"): ApiRow(everyone(OK)),
    ("get", C): ApiRow(seers(OK), slug),
    ("get", C + "/members"): ApiRow(readers(OK), slug),
    ("get", C + "/units"): ApiRow(readers(OK), slug),
    ("post", C + "/join"): ApiRow(
        {
            # Open: whoever is not a member joins; by request or invitation, the service refuses.
            PUBLIC: (NO, OK, 400, 400, 400, 400, OK),
            LISTED: (NO, 400, 400, 400, 400, 400, 400),
            PRIVATE: (NO, 404, 400, 400, 400, 400, 400),
        },
        slug,
    ),
    ("post", C + "/leave"): ApiRow(hidden_when_private(400, OK, OK, OK, OK, 400), slug),
    ("post", C + "/join-requests"): ApiRow(
        {
            PUBLIC: (NO, 400, 400, 400, 400, 400, 400),
            LISTED: (NO, CREATED, 400, 400, 400, 400, CREATED),
            PRIVATE: (NO, 404, 400, 400, 400, 400, 400),
        },
        slug,
        body=lambda w: {"message": "I would like to learn."},
    ),
    # Help requests.
    ("get", C + "/requests"): ApiRow(readers(OK), slug),
    ("post", C + "/requests"): ApiRow(
        participants(CREATED),
        slug,
        body=lambda w: {
            "title": "How do I drain a node?",
            "body": "Pods keep coming back.",
            "tags": ["k8s"],
        },
    ),
    ("get", T): ApiRow(readers(OK), thread),
    ("get", T + "/replies/{reply_pk}/branch"): ApiRow(readers(OK), on_reply),
    ("post", T + "/replies"): ApiRow(
        participants(CREATED), thread, body=lambda w: {"body": "Try cordon first."}
    ),
    ("post", T + "/accept"): ApiRow(
        # The asker (the steward) or a moderator.
        hidden_when_private(403, 403, 403, OK, 403, OK),
        thread,
        body=lambda w: {"reply": steward_reply(w).pk},
    ),
    ("post", T + "/replies/{reply_pk}/vote"): ApiRow(participants(OK), on_reply),
    ("post", T + "/follow"): ApiRow(readers(OK), thread),
    ("get", "/api/v1/search"): ApiRow(everyone(OK), query="q=drain"),
    # Meetings.
    ("get", C + "/meetings"): ApiRow(readers(OK), slug),
    ("get", C + "/meetings/{pk}"): ApiRow(readers(OK), meeting),
    ("put", C + "/meetings/{pk}/rsvp"): ApiRow(
        participants(OK), meeting, body=lambda w: {"response": "going"}
    ),
    # Charter and value stories.
    ("get", C + "/charter"): ApiRow(seers(204), slug),
    ("get", C + "/charter/versions"): ApiRow(hidden_when_private(403, 403, OK, OK, OK, OK), slug),
    ("get", C + "/stories"): ApiRow(seers(OK), slug),
    ("post", C + "/stories"): ApiRow(
        participants(CREATED),
        slug,
        body=lambda w: {
            "title": "Saved a release",
            "what_happened": "A member spotted the bad config.",
            "who_benefited": "The payments team",
            "horizon": "short",
            "beneficiary": "organisation",
            "minutes_saved": 120,
        },
    ),
    # Health.
    ("get", C + "/health"): ApiRow(hidden_when_private(403, 403, 403, OK, OK, OK), slug),
    # Notifications.
    ("get", "/api/v1/notifications"): ApiRow(everyone(OK)),
    ("post", "/api/v1/notifications/{pk}/read"): ApiRow(everyone(OK), notification),
    ("post", "/api/v1/notifications/read"): ApiRow(everyone(OK)),
}

WRITES = {key for key in API_ROWS if key[0] != "get"}
