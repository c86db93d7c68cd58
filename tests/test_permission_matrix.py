"""Who gets what from every page and endpoint of the platform.

`MATRIX` has one row per URL name (accounts, communities, notifications, and the
project's own `home` and `healthz`). A row gives, for each HTTP method it is
checked with, the outcome for each persona, in the column order of `PERSONAS`:

    anonymous, outsider, member, core, moderator, sponsor, site_admin

Community rows give those columns once per kind of community: `public` (public,
open), `listed` (listed, by request) and `private` (private, by invitation). Each
persona holds its role in all three; the outsider and the site admin hold none.

Outcomes: a status code, `LOGIN` for a redirect to the sign-in page, or `302`
for any other redirect (the refusals of services come back as a message and a
redirect). `test_every_url_has_a_row` fails when a URL is added without a row.

Anonymous visitors are sent to sign in by every login-required view before the
community is looked up, whatever the slug, so the redirect reveals nothing about
a private community; the tests at the end pin that down.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.services import token_create
from communities.models import Role
from tests.api import matrix_api
from tests.charter import matrix_drafts, matrix_vision
from tests.discussions import matrix_finding, matrix_moderation, matrix_threads
from tests.factories import CommunityFactory, MembershipFactory, NotificationFactory, UserFactory
from tests.health import matrix_health
from tests.matrix_common import (
    EVERYONE,
    KINDS,
    LISTED,
    LOGIN,
    MODERATOR_ACTION,
    MODERATOR_PAGE,
    OK,
    PERSONAS,
    PRIVATE,
    PUBLIC,
    REDIRECT,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_WRITE,
    Row,
    World,
    everywhere,
    hidden_when_private,
    slug,
)
from tests.meetings import matrix_calendars, matrix_meetings
from tests.notifications import matrix_email
from tests.webhooks import matrix_webhooks

APP_PARTS = (
    matrix_drafts,
    matrix_vision,
    matrix_threads,
    matrix_finding,
    matrix_moderation,
    matrix_meetings,
    matrix_calendars,
    matrix_email,
    matrix_health,
    matrix_api,
    matrix_webhooks,
)


def settings_data(w: World) -> dict:
    c = w.community
    return {
        "action": "save",
        "name": c.name,
        "tagline": "Updated by the matrix",
        "description": c.description,
        "tags": "matrix",
        "visibility": c.visibility,
        "join_policy": c.join_policy,
    }


MATRIX: dict[str, Row] = {
    # The project's own pages.
    "home": Row(get=EVERYONE),
    "healthz": Row(get=EVERYONE),
    # Communities: pages outside any one community.
    "communities:directory": Row(get=EVERYONE),
    "communities:create": Row(
        get=SIGNED_IN,
        post=SIGNED_IN_WRITE,
        data=lambda w: {"name": "Matrix Guild", "visibility": "public", "join_policy": "open"},
    ),
    # The token is the capability: whoever holds it sees the invitation, even to a private community.
    "communities:invitation": Row(
        get=everywhere(*EVERYONE),
        post=everywhere(*SIGNED_IN_WRITE),
        kwargs=lambda w: {"token": w.invitation.token},
        data=lambda w: {"decision": "accept"},
    ),
    # One community's pages.
    "communities:detail": Row(
        get={PUBLIC: EVERYONE, LISTED: EVERYONE, PRIVATE: (404, 404, OK, OK, OK, OK, OK)},
        kwargs=slug,
    ),
    "communities:members": Row(
        get={
            PUBLIC: SIGNED_IN,
            LISTED: (LOGIN, 403, OK, OK, OK, OK, OK),
            PRIVATE: (LOGIN, 404, OK, OK, OK, OK, OK),
        },
        kwargs=slug,
    ),
    "communities:join": Row(post=hidden_when_private(*SIGNED_IN_WRITE), kwargs=slug),
    "communities:leave": Row(
        # Someone who is not a member is sent back to the community page.
        get=hidden_when_private(LOGIN, REDIRECT, OK, OK, OK, OK, REDIRECT),
        post=hidden_when_private(*SIGNED_IN_WRITE),
        kwargs=slug,
    ),
    "communities:request_to_join": Row(
        # Members are told they already are one; the form is for everyone else.
        get=hidden_when_private(LOGIN, OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK),
        post={
            # An open community takes no requests: the form comes back with the refusal.
            PUBLIC: (LOGIN, OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK),
            LISTED: SIGNED_IN_WRITE,
            PRIVATE: (LOGIN, 404, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK),
        },
        kwargs=slug,
        data=lambda w: {"message": "I would like to learn."},
    ),
    "communities:withdraw_request": Row(
        post=hidden_when_private(*SIGNED_IN_WRITE),
        kwargs=lambda w: {"slug": w.community.slug, "pk": w.own_request.pk},
    ),
    "communities:join_requests": Row(get=MODERATOR_PAGE, kwargs=slug),
    "communities:decide_request": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {"slug": w.community.slug, "pk": w.join_request.pk},
        data=lambda w: {"decision": "approve"},
    ),
    "communities:invitations": Row(
        get=MODERATOR_PAGE,
        post=MODERATOR_ACTION,
        kwargs=slug,
        data=lambda w: {"email": "newcomer@example.org", "message": "Come along"},
    ),
    "communities:revoke_invitation": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {"slug": w.community.slug, "pk": w.invitation.pk},
    ),
    "communities:change_role": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {"slug": w.community.slug, "pk": w.target.pk},
        data=lambda w: {"role": Role.CORE},
    ),
    "communities:settings": Row(
        get=MODERATOR_PAGE, post=MODERATOR_ACTION, kwargs=slug, data=settings_data
    ),
    "communities:audit_log": Row(get=MODERATOR_PAGE, kwargs=slug),
    # Accounts.
    "accounts:people": Row(get=SIGNED_IN),
    "accounts:profile": Row(get=SIGNED_IN, kwargs=lambda w: {"pk": w.steward.pk}),
    "accounts:profile_edit": Row(
        get=SIGNED_IN,
        post=SIGNED_IN_WRITE,
        data=lambda w: {
            "display_name": "Renamed Person",
            "timezone": "Europe/Paris",
            "expertise": "python",
        },
    ),
    "accounts:expertise_suggestions": Row(get=SIGNED_IN),
    # Notifications.
    "notifications:list": Row(get=SIGNED_IN),
    "notifications:mark_read": Row(
        post=SIGNED_IN_WRITE, kwargs=lambda w: {"pk": w.own_notification.pk}
    ),
    "notifications:mark_all_read": Row(post=SIGNED_IN_WRITE),
}
for part in APP_PARTS:
    assert not set(part.ROWS) & set(MATRIX), f"{part.__name__} repeats a row"
    MATRIX.update(part.ROWS)

POST_ONLY = {
    "communities:join",
    "communities:decide_request",
    "communities:change_role",
    "communities:revoke_invitation",
    "communities:withdraw_request",
    "notifications:mark_read",
    "notifications:mark_all_read",
}.union(*(part.POST_ONLY for part in APP_PARTS))


def _cases():
    for name, row in MATRIX.items():
        for method in ("get", "post"):
            expected = getattr(row, method)
            if expected is None:
                continue
            per_kind = expected if isinstance(expected, dict) else {None: expected}
            for kind, outcomes in per_kind.items():
                assert len(outcomes) == len(PERSONAS), (
                    f"{name} {method} {kind}: one outcome per persona"
                )
                for persona, outcome in zip(PERSONAS, outcomes, strict=True):
                    case_id = "-".join(part for part in (name, method, kind, persona) if part)
                    yield pytest.param(name, method, kind, persona, outcome, id=case_id)


@pytest.fixture
def world(request, community, private_community):
    """Build the world for one persona and kind of community."""

    def build(persona: str, kind: str | None) -> World:
        user = None if persona == "anonymous" else request.getfixturevalue(persona)
        if kind == LISTED:
            target = CommunityFactory(name="Wound Care", slug="wound-care", listed=True)
            if persona in ROLES:
                MembershipFactory(community=target, user=user, role=ROLES[persona])
        else:
            target = private_community if kind == PRIVATE else community
        return World(community=target, user=user)

    return build


def assert_outcome(response, expected) -> None:
    login = reverse("account_login")
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(login)
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert not response.url.startswith(login), "expected a redirect, not a request to sign in"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("name", "method", "kind", "persona", "expected"), list(_cases()))
def test_access(client, world, name, method, kind, persona, expected):
    w = world(persona, kind)
    row = MATRIX[name]
    if w.user is not None:
        client.force_login(w.user)
    url = reverse(name, kwargs=row.kwargs(w))
    response = client.get(url) if method == "get" else client.post(url, row.data(w))
    assert_outcome(response, expected)


def _project_route_names() -> set[str]:
    """Named routes of our apps and of the project's own urls.py (not allauth's, not the admin's)."""
    ours = {
        "accounts", "communities", "notifications", "charter", "discussions", "meetings", "health", "tokens", "webhooks", "feeds",
    }
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ours:
                    walk(p.url_patterns, p.namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace in ours:
                walk(p.url_patterns, p.namespace)
        elif p.name:
            names.add(p.name)
    return names


def test_every_url_has_a_row():
    assert _project_route_names() == set(MATRIX)


def test_post_only_endpoints_are_exactly_the_rows_without_a_get():
    assert {name for name, row in MATRIX.items() if row.get is None} == POST_ONLY


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS[1:])
@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_endpoint_refuses_get(client, world, name, persona, kind):
    w = world(persona, kind if MATRIX[name].per_community else None)
    client.force_login(w.user)

    response = client.get(reverse(name, kwargs=MATRIX[name].kwargs(w)))

    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_post_only_endpoint_sends_anonymous_get_to_sign_in(client, world, name):
    w = world("anonymous", PUBLIC if MATRIX[name].per_community else None)

    response = client.get(reverse(name, kwargs=MATRIX[name].kwargs(w)))

    assert_outcome(response, LOGIN)


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_nobody_can_mark_someone_elses_notification_read(client, request, persona):
    user = request.getfixturevalue(persona)
    theirs = NotificationFactory(recipient=UserFactory())
    client.force_login(user)

    response = client.post(reverse("notifications:mark_read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("persona", ["outsider", "member", "moderator", "site_admin"])
def test_nobody_can_withdraw_someone_elses_request(client, world, persona):
    w = world(persona, LISTED)
    client.force_login(w.user)

    response = client.post(
        reverse("communities:withdraw_request", args=[w.community.slug, w.join_request.pk])
    )

    assert response.status_code == 404
    w.join_request.refresh_from_db()
    assert w.join_request.status == "pending"


@pytest.mark.parametrize(
    ("name", "thing"),
    [
        ("communities:change_role", "target"),
        ("communities:decide_request", "join_request"),
        ("communities:revoke_invitation", "invitation"),
    ],
)
def test_moderator_cannot_reach_another_communitys_objects_through_their_own(
    client, world, moderator, name, thing
):
    """The pk in the URL must belong to the slug's community, or a moderator of one could act on any."""
    mine = world("moderator", PUBLIC)
    elsewhere = World(community=CommunityFactory(listed=True), user=None)
    client.force_login(moderator)

    response = client.post(
        reverse(name, args=[mine.community.slug, getattr(elsewhere, thing).pk]),
        {"role": Role.MODERATOR, "decision": "approve"},
    )

    assert response.status_code == 404


PRIVATE_SCOPED = [
    (name, method)
    for name, row in MATRIX.items()
    if row.per_community and name != "communities:invitation"
    for method in ("get", "post")
    if getattr(row, method) is not None
]


@pytest.mark.parametrize(("name", "method"), PRIVATE_SCOPED)
def test_outsider_cannot_tell_a_private_community_from_a_missing_one(client, world, name, method):
    w = world("outsider", PRIVATE)
    client.force_login(w.user)
    kwargs = MATRIX[name].kwargs(w)
    send = client.get if method == "get" else client.post

    private = send(reverse(name, kwargs=kwargs), MATRIX[name].data(w))
    missing = send(
        reverse(name, kwargs={**kwargs, "slug": "no-such-community"}), MATRIX[name].data(w)
    )

    # 405 for a GET on a POST-only endpoint comes before any lookup, for both alike.
    assert private.status_code == missing.status_code
    assert private.status_code in (404, 405)
    assert [t.name for t in private.templates] == [t.name for t in missing.templates]


@pytest.mark.parametrize(("name", "method"), PRIVATE_SCOPED)
def test_anonymous_gets_the_same_answer_for_a_private_community_and_a_missing_one(
    client, world, name, method
):
    w = world("anonymous", PRIVATE)
    kwargs = MATRIX[name].kwargs(w)
    send = client.get if method == "get" else client.post

    private = send(reverse(name, kwargs=kwargs), MATRIX[name].data(w))
    missing = send(
        reverse(name, kwargs={**kwargs, "slug": "no-such-community"}), MATRIX[name].data(w)
    )

    assert private.status_code == missing.status_code
    assert private.status_code in (302, 404)
    if private.status_code == 302:
        assert private.url.startswith(reverse("account_login"))


# The REST API: every endpoint x persona x kind of community, by token and by session.


def _api_cases(rows, *, auths=("token", "session")):
    for (method, template), row in rows.items():
        for kind, outcomes in row.expected.items():
            for persona, outcome in zip(PERSONAS, outcomes, strict=True):
                for auth in auths if persona != "anonymous" else ("none",):
                    case_id = f"{method}-{template}-{kind}-{persona}-{auth}"
                    yield pytest.param(method, template, kind, persona, auth, outcome, id=case_id)


def _api_call(client, w: World, method: str, template: str, *, token: str = ""):
    row = matrix_api.API_ROWS[(method, template)]
    url = template.format(**row.kwargs(w))
    if row.query:
        url = f"{url}?{row.query}"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(url, **headers)
    body = row.body(w) if row.body else {}
    return getattr(client, method)(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("method", "template", "kind", "persona", "auth", "expected"), list(_api_cases(matrix_api.API_ROWS))
)
def test_api_access(client, world, method, template, kind, persona, auth, expected):
    w = world(persona, kind)
    token = ""
    if auth == "token":
        token = token_create(user=w.user, name="matrix", scope="write")[1]
    elif auth == "session":
        client.force_login(w.user)

    response = _api_call(client, w, method, template, token=token)

    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert response.json()["error"]["status"] == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS[1:])
@pytest.mark.parametrize(("method", "template"), sorted(matrix_api.WRITES))
def test_api_read_only_token_cannot_write(client, world, method, template, kind, persona):
    w = world(persona, kind)
    token = token_create(user=w.user, name="reader", scope="read")[1]

    response = _api_call(client, w, method, template, token=token)

    assert response.status_code == 403
    assert "read only" in response.json()["error"]["message"]


def test_api_matrix_covers_every_endpoint_in_the_schema():
    from api.api import api

    schema = api.get_openapi_schema()
    endpoints = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert endpoints == set(matrix_api.API_ROWS)


# Allauth's pages and the admin are theirs, not in the matrix; check they are wired up.


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_render_for_anonymous(client, db, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["anonymous", "member", "moderator"])
def test_admin_sends_non_staff_to_its_login(client, request, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_opens_for_site_admin(client, site_admin):
    client.force_login(site_admin)

    assert client.get("/admin/").status_code == 200
