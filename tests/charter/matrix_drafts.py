"""Permission matrix rows for the charter, its draft, versions and sponsor review.

Merged into tests/test_permission_matrix.py. The approved charter is for everyone who
can see the community; the draft, history and versions for its core group, moderators,
sponsors and site admins; the review for a sponsor of the community only.
"""

from charter.models import CharterState, VersionStatus
from tests.charter.factories import CharterFactory, CharterVersionFactory
from tests.matrix_common import (
    EVERYONE,
    LISTED,
    LOGIN,
    OK,
    PRIVATE,
    PUBLIC,
    REDIRECT,
    SIGNED_IN,
    Row,
    World,
    hidden_when_private,
)

READERS = {PUBLIC: EVERYONE, LISTED: EVERYONE, PRIVATE: (404, 404, OK, OK, OK, OK, OK)}
DRAFT_READERS = hidden_when_private(LOGIN, 403, 403, OK, OK, OK, OK)
EDITORS_PAGE = hidden_when_private(LOGIN, 403, 403, OK, OK, OK, 403)
EDITORS_ACTION = hidden_when_private(LOGIN, 403, 403, REDIRECT, REDIRECT, REDIRECT, 403)
SPONSOR_PAGE = hidden_when_private(LOGIN, 403, 403, 403, 403, OK, 403)
SPONSOR_ACTION = hidden_when_private(LOGIN, 403, 403, 403, 403, REDIRECT, 403)


def _draft(w: World):
    return w.memo("charter", lambda: CharterFactory(community=w.community, updated_by=w.steward))


def _in_review(w: World):
    def build():
        charter = _draft(w)
        version = CharterVersionFactory(charter=charter, number=1, author=w.steward)
        charter.state = CharterState.IN_REVIEW
        charter.save()
        return version

    return w.memo("version", build)


def _approved_then_in_review(w: World):
    """Version 1 approved (readers see it), version 2 waiting for the sponsor."""

    def build():
        charter = _draft(w)
        first = CharterVersionFactory(
            charter=charter, number=1, author=w.steward, status=VersionStatus.APPROVED
        )
        charter.approved_version = first
        charter.save()
        return _in_review_number(w, 2)

    return w.memo("approved", build)


def _in_review_number(w: World, number: int):
    charter = _draft(w)
    version = CharterVersionFactory(charter=charter, number=number, author=w.steward)
    charter.state = CharterState.IN_REVIEW
    charter.save()
    return version


def with_charter(w: World) -> dict:
    _approved_then_in_review(w)
    return {"slug": w.community.slug}


def with_draft(w: World) -> dict:
    _draft(w)
    return {"slug": w.community.slug}


def version_kwargs(w: World) -> dict:
    return {"slug": w.community.slug, "number": _in_review(w).number}


def draft_data(w: World) -> dict:
    return {
        "draft_revision": 0,
        "base": "",
        "purpose": "A purpose from the matrix",
        "vision": "A vision from the matrix",
        "strategy": "",
        "pitch": "",
        "revisit_by": "",
        "objectives-TOTAL_FORMS": 0,
        "objectives-INITIAL_FORMS": 0,
    }


ROWS: dict = {
    "charter:detail": Row(get=READERS, kwargs=with_charter),
    "charter:print": Row(get=READERS, kwargs=with_charter),
    "charter:edit": Row(get=EDITORS_PAGE, post=EDITORS_ACTION, kwargs=with_draft, data=draft_data),
    "charter:submit": Row(
        post=EDITORS_ACTION, kwargs=with_draft, data=lambda w: {"note": "Please review"}
    ),
    "charter:history": Row(get=DRAFT_READERS, kwargs=with_charter),
    "charter:version": Row(get=DRAFT_READERS, kwargs=version_kwargs),
    "charter:review": Row(
        get=SPONSOR_PAGE,
        post=SPONSOR_ACTION,
        kwargs=version_kwargs,
        data=lambda w: {"decision": "approve", "comment": ""},
    ),
    "charter:awaiting_review": Row(get=SIGNED_IN),
}
POST_ONLY: set = {"charter:submit"}
