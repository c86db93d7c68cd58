"""Permission matrix rows for this part's URLs; merged into tests/test_permission_matrix.py.

Same conventions as the rows there: import the outcome constants from
tests.matrix_common; build objects lazily with `w.memo("name", lambda: ...)`.

Every post here is written by the world's steward (a moderator who is not a
persona), so no persona acts as an author: authors are covered in
tests/discussions/test_moderation_views.py.
"""

from communities.models import Role
from tests.discussions.factories import FlagFactory, HelpRequestFactory, ReplyFactory
from tests.factories import CommunityFactory, MembershipFactory
from tests.matrix_common import (
    LOGIN,
    MODERATOR_ACTION,
    MODERATOR_PAGE,
    OK,
    REDIRECT,
    Row,
    World,
    hidden_when_private,
)

# Participants (members of every role) flag; the site admin holds no membership, so moderates instead.
FLAG_PAGE = hidden_when_private(LOGIN, 403, OK, OK, OK, OK, 403)
FLAG_ACTION = hidden_when_private(LOGIN, 403, REDIRECT, REDIRECT, REDIRECT, REDIRECT, 403)


def _request(w: World):
    return w.memo(
        "mod_request", lambda: HelpRequestFactory(community=w.community, author=w.steward)
    )


def _reply(w: World):
    return w.memo("mod_reply", lambda: ReplyFactory(help_request=_request(w), author=w.steward))


def _removed_request(w: World):
    return w.memo(
        "mod_removed_request",
        lambda: HelpRequestFactory(
            community=w.community,
            author=w.steward,
            is_removed=True,
            removed_by=w.steward,
            removed_reason="Spam",
        ),
    )


def _removed_reply(w: World):
    return w.memo(
        "mod_removed_reply",
        lambda: ReplyFactory(
            help_request=_request(w), author=w.steward, is_removed=True, removed_by=w.steward
        ),
    )


def _flag(w: World):
    return w.memo(
        "mod_flag",
        lambda: FlagFactory(help_request=_request(w), reply=_reply(w), flagged_by=w.steward),
    )


def _move_target(w: World):
    def build():
        target = CommunityFactory(name="Matrix Destination")
        if w.user is not None:
            MembershipFactory(community=target, user=w.user, role=Role.MODERATOR)
        return target

    return w.memo("mod_move_target", build)


def request_kwargs(w: World) -> dict:
    return {"slug": w.community.slug, "pk": _request(w).pk}


def reply_kwargs(w: World) -> dict:
    return {"slug": w.community.slug, "pk": _request(w).pk, "reply_pk": _reply(w).pk}


ROWS: dict = {
    "discussions:moderation_queue": Row(
        get=MODERATOR_PAGE, kwargs=lambda w: {"slug": w.community.slug}
    ),
    "discussions:resolve_flag": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {"slug": w.community.slug, "pk": _flag(w).pk},
        data=lambda w: {"decision": "dismiss"},
    ),
    "discussions:flag": Row(
        get=FLAG_PAGE,
        post=FLAG_ACTION,
        kwargs=request_kwargs,
        data=lambda w: {"reason": "Looks like spam"},
    ),
    "discussions:flag_reply": Row(
        get=FLAG_PAGE,
        post=FLAG_ACTION,
        kwargs=reply_kwargs,
        data=lambda w: {"reason": "Shares a password"},
    ),
    "discussions:lock": Row(post=MODERATOR_ACTION, kwargs=request_kwargs),
    "discussions:pin": Row(post=MODERATOR_ACTION, kwargs=request_kwargs),
    "discussions:move": Row(
        get=MODERATOR_PAGE,
        post=MODERATOR_ACTION,
        kwargs=request_kwargs,
        data=lambda w: {"to_community": _move_target(w).pk},
    ),
    "discussions:remove_request": Row(
        get=MODERATOR_PAGE,
        post=MODERATOR_ACTION,
        kwargs=request_kwargs,
        data=lambda w: {"reason": "Off topic"},
    ),
    "discussions:remove_reply": Row(
        get=MODERATOR_PAGE,
        post=MODERATOR_ACTION,
        kwargs=reply_kwargs,
        data=lambda w: {"reason": "Rude"},
    ),
    "discussions:restore_request": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {"slug": w.community.slug, "pk": _removed_request(w).pk},
    ),
    "discussions:restore_reply": Row(
        post=MODERATOR_ACTION,
        kwargs=lambda w: {
            "slug": w.community.slug,
            "pk": _request(w).pk,
            "reply_pk": _removed_reply(w).pk,
        },
    ),
}
POST_ONLY: set = {
    "discussions:resolve_flag",
    "discussions:lock",
    "discussions:pin",
    "discussions:restore_request",
    "discussions:restore_reply",
}
