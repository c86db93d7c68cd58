"""Permission matrix rows for the calendars; merged into tests/test_permission_matrix.py.

The meeting file and the community feed follow the community's read rule. The
personal feed has no community in its address and no sign-in: each persona
fetches their own token's feed (made in the row's kwargs); an anonymous
visitor, who has none, tries a made-up one.
"""

from meetings.services.calendars import calendar_token_reset
from tests.matrix_common import LISTED, LOGIN, OK, PRIVATE, PUBLIC, REDIRECT, Row, World, slug
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory

# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.


def readers(outcome):
    """Signed-in people who may read: anyone on a public community, members (and site admins) otherwise."""
    return {
        PUBLIC: (LOGIN, outcome, outcome, outcome, outcome, outcome, outcome),
        LISTED: (LOGIN, 403, outcome, outcome, outcome, outcome, outcome),
        PRIVATE: (LOGIN, 404, outcome, outcome, outcome, outcome, outcome),
    }


def meeting(w: World) -> dict:
    occurrence = w.memo(
        "calendar_occurrence",
        lambda: OccurrenceFactory(
            series=MeetingSeriesFactory(community=w.community, organiser=w.steward)
        ),
    )
    return {"slug": w.community.slug, "pk": occurrence.pk}


def own_token(w: World) -> dict:
    if w.user is None:
        return {"token": "made-up-token-that-nobody-has"}
    return {"token": w.memo("calendar_token", lambda: calendar_token_reset(user=w.user))}


ROWS: dict[str, Row] = {
    "meetings:occurrence_ics": Row(get=readers(OK), kwargs=meeting),
    "meetings:community_feed": Row(get=readers(OK), kwargs=slug),
    "meetings:personal_feed": Row(get=(404, OK, OK, OK, OK, OK, OK), kwargs=own_token),
    "meetings:feed_reset": Row(
        post=(LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
    ),
}
POST_ONLY: set = {"meetings:feed_reset"}
