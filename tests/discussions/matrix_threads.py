"""Permission matrix rows for help requests, threads and replies; merged into tests/test_permission_matrix.py.

Every request and reply here belongs to the community's steward (a moderator who is not a persona),
so "author" rules are checked in tests/discussions/test_views_threads.py, not here.
"""

from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.matrix_common import LISTED, LOGIN, OK, PRIVATE, PUBLIC, REDIRECT, Row, World

# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.


def readers(outcome):
    """Signed-in people who may read: anyone on a public community, members (and site admins) otherwise."""
    return {
        PUBLIC: (LOGIN, outcome, outcome, outcome, outcome, outcome, outcome),
        LISTED: (LOGIN, 403, outcome, outcome, outcome, outcome, outcome),
        PRIVATE: (LOGIN, 404, outcome, outcome, outcome, outcome, outcome),
    }


def participants(outcome):
    """Active members post; a site admin who is not a member reads but does not post."""
    return {
        PUBLIC: (LOGIN, 403, outcome, outcome, outcome, outcome, 403),
        LISTED: (LOGIN, 403, outcome, outcome, outcome, outcome, 403),
        PRIVATE: (LOGIN, 404, outcome, outcome, outcome, outcome, 403),
    }


def stewards(outcome):
    """The post's author (the steward) or a moderator: here the moderator persona and the site admin."""
    return {
        PUBLIC: (LOGIN, 403, 403, 403, outcome, 403, outcome),
        LISTED: (LOGIN, 403, 403, 403, outcome, 403, outcome),
        PRIVATE: (LOGIN, 404, 403, 403, outcome, 403, outcome),
    }


def help_request(w: World):
    return w.memo(
        "help_request",
        lambda: HelpRequestFactory(community=w.community, author=w.steward, tags=["matrix"]),
    )


def steward_reply(w: World):
    def build():
        reply = ReplyFactory(
            help_request=help_request(w), author=w.steward, body="The steward's answer"
        )
        ReplyFactory(parent=reply, author=w.steward, body="A nested follow-up")
        return reply

    return w.memo("steward_reply", build)


def accepted_request(w: World):
    def build():
        request = help_request(w)
        request.accepted_reply = steward_reply(w)
        request.status = "solved"
        request.save()
        return request

    return w.memo("accepted_request", build)


def thread(w: World) -> dict:
    return {"slug": w.community.slug, "pk": help_request(w).pk}


def thread_with_reply(w: World) -> dict:
    return {**thread(w), "reply_pk": steward_reply(w).pk}


def slug(w: World) -> dict:
    return {"slug": w.community.slug}


ROWS: dict[str, Row] = {
    "discussions:list": Row(get=readers(OK), kwargs=slug),
    "discussions:ask": Row(
        get=participants(OK),
        post=participants(REDIRECT),
        kwargs=slug,
        data=lambda w: {
            "title": "How do we rotate secrets?",
            "body": "Step by step, please.",
            "tags": "security",
        },
    ),
    "discussions:thread": Row(get=readers(OK), kwargs=lambda w: (steward_reply(w), thread(w))[1]),
    "discussions:reply_permalink": Row(get=readers(REDIRECT), kwargs=thread_with_reply),
    # "N more replies": the reply's further children, a page without JavaScript.
    "discussions:reply_branch": Row(get=readers(OK), kwargs=thread_with_reply),
    "discussions:reply": Row(
        get=participants(OK),
        post=participants(REDIRECT),
        kwargs=thread,
        data=lambda w: {
            "body": "Have you tried turning it off and on again?",
            "parent": steward_reply(w).pk,
        },
    ),
    "discussions:edit_request": Row(
        get=stewards(OK),
        post=stewards(REDIRECT),
        kwargs=thread,
        data=lambda w: {"title": "A clearer title", "body": "A clearer body", "tags": "matrix"},
    ),
    "discussions:edit_reply": Row(
        get=stewards(OK),
        post=stewards(REDIRECT),
        kwargs=thread_with_reply,
        data=lambda w: {"body": "A corrected answer"},
    ),
    "discussions:request_revisions": Row(get=stewards(OK), kwargs=thread),
    "discussions:reply_revisions": Row(get=stewards(OK), kwargs=thread_with_reply),
    "discussions:accept": Row(post=stewards(REDIRECT), kwargs=thread_with_reply),
    "discussions:unaccept": Row(
        post=stewards(REDIRECT),
        kwargs=lambda w: {"slug": w.community.slug, "pk": accepted_request(w).pk},
    ),
    "discussions:vote": Row(post=participants(REDIRECT), kwargs=thread_with_reply),
    "discussions:follow": Row(post=readers(REDIRECT), kwargs=thread),
    "discussions:preview": Row(
        post=readers(OK), kwargs=slug, data=lambda w: {"body": "**Bold** move"}
    ),
    "discussions:mention_suggestions": Row(get=readers(OK), kwargs=slug),
}
POST_ONLY: set = {
    "discussions:accept",
    "discussions:unaccept",
    "discussions:vote",
    "discussions:follow",
    "discussions:preview",
}
