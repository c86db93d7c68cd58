"""Permission matrix rows for vision rounds and value stories; merged into tests/test_permission_matrix.py.

Reading rounds and stories is for everyone who can see the community. Ideas and
endorsements come from members and, in public and listed communities, from any
signed-in person (an "interested" colleague, the site admin included); never in a
private one from outside. Only moderators run rounds (not the site admin: running
a round is a community role). Stories are recorded by members.
"""

from tests.charter.factories import (
    CharterFactory,
    ContributionFactory,
    ValueStoryFactory,
    VisionRoundFactory,
)
from tests.matrix_common import (
    EVERYONE,
    LISTED,
    LOGIN,
    OK,
    PRIVATE,
    PUBLIC,
    REDIRECT,
    Row,
    hidden_when_private,
    slug,
)

SEE = {PUBLIC: EVERYONE, LISTED: EVERYONE, PRIVATE: (404, 404, OK, OK, OK, OK, OK)}
CONTRIBUTE = {
    PUBLIC: (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    LISTED: (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    PRIVATE: (LOGIN, 404, REDIRECT, REDIRECT, REDIRECT, REDIRECT, 403),
}
RUN_ROUND = hidden_when_private(LOGIN, 403, 403, 403, REDIRECT, 403, 403)


def _round(w):
    return w.memo(
        "vision_round",
        lambda: VisionRoundFactory(charter=CharterFactory(community=w.community), opened_by=w.steward),
    )


def _contribution(w):
    return w.memo(
        "contribution",
        lambda: ContributionFactory(vision_round=_round(w), author=w.steward, author_role="moderator"),
    )


def _story(w):
    return w.memo("story", lambda: ValueStoryFactory(community=w.community, author=w.steward))


def round_kwargs(w) -> dict:
    return {"slug": w.community.slug, "pk": _round(w).pk}


def contribution_kwargs(w) -> dict:
    return {"slug": w.community.slug, "pk": _contribution(w).pk}


ROWS: dict = {
    "charter:vision_rounds": Row(get=SEE, kwargs=slug),
    "charter:open_round": Row(
        post=RUN_ROUND, kwargs=slug, data=lambda w: {"title": "What should we become?", "introduction": ""}
    ),
    "charter:vision_round": Row(get=SEE, kwargs=round_kwargs),
    "charter:contribute": Row(
        post=CONTRIBUTE, kwargs=round_kwargs, data=lambda w: {"prompt": "dream", "text": "A shared runbook."}
    ),
    "charter:endorse": Row(post=CONTRIBUTE, kwargs=contribution_kwargs),
    "charter:mark_used": Row(post=RUN_ROUND, kwargs=contribution_kwargs, data=lambda w: {"used": "1"}),
    "charter:close_round": Row(post=RUN_ROUND, kwargs=round_kwargs, data=lambda w: {"summary": "Thanks all."}),
    "charter:stories": Row(get=SEE, kwargs=slug),
    "charter:story_new": Row(
        get=hidden_when_private(LOGIN, 403, OK, OK, OK, OK, 403),
        post=hidden_when_private(LOGIN, 403, REDIRECT, REDIRECT, REDIRECT, REDIRECT, 403),
        kwargs=slug,
        data=lambda w: {
            "title": "Pairing saved a release",
            "what_happened": "Two units paired on the rollout.",
            "who_benefited": "The release team",
            "cell": "short:organisation",
        },
    ),
    "charter:story": Row(get=SEE, kwargs=lambda w: {"slug": w.community.slug, "pk": _story(w).pk}),
}
POST_ONLY: set = {
    "charter:open_round",
    "charter:contribute",
    "charter:endorse",
    "charter:mark_used",
    "charter:close_round",
}
