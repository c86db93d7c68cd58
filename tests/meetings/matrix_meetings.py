"""Permission matrix rows; merged into tests/test_permission_matrix.py."""

# Imports of the one-meeting section (meetings-occurrences helper).
import datetime

from django.utils import timezone

from tests import matrix_common as mc
from tests.discussions import factories as discussion_factories
from tests.meetings import factories as meeting_factories

ROWS: dict = {}
POST_ONLY: set = set()


# --- Series section (meetings-series helper): the list, series pages, scheduling, reminders. ---
# Writes are for the people who manage meetings (core group, moderators, site admins);
# reminder settings for moderators and site admins only. Self-contained: its own imports.

import datetime as _series_dt  # noqa: E402

from django.utils import timezone as _series_timezone  # noqa: E402

from tests import matrix_common as _series_mc  # noqa: E402
from tests.discussions.matrix_threads import readers as _series_readers  # noqa: E402
from tests.discussions.matrix_threads import stewards as _series_moderators  # noqa: E402
from tests.meetings.factories import MeetingSeriesFactory as _SeriesFactory  # noqa: E402


def _series_managers(outcome):
    login = _series_mc.LOGIN
    return {
        _series_mc.PUBLIC: (login, 403, 403, outcome, outcome, 403, outcome),
        _series_mc.LISTED: (login, 403, 403, outcome, outcome, 403, outcome),
        _series_mc.PRIVATE: (login, 404, 403, outcome, outcome, 403, outcome),
    }


def _steward_series(w):
    return w.memo(
        "steward_series", lambda: _SeriesFactory(community=w.community, organiser=w.steward)
    )


def _series_kwargs(w) -> dict:
    return {"slug": w.community.slug, "pk": _steward_series(w).pk}


def _series_slug(w) -> dict:
    return {"slug": w.community.slug}


def _series_form(w) -> dict:
    return {
        "title": "Matrix practice hour",
        "room": "Room 1.01",
        "time_zone": "Europe/Amsterdam",
        "start_date": (_series_timezone.localdate() + _series_dt.timedelta(days=7)).isoformat(),
        "start_time": "09:30",
        "duration_minutes": "60",
        "repeat": "weekly",
        "interval": "1",
        "ends": "never",
    }


ROWS.update(
    {
        "meetings:list": _series_mc.Row(get=_series_readers(_series_mc.OK), kwargs=_series_slug),
        "meetings:series": _series_mc.Row(
            get=_series_readers(_series_mc.OK), kwargs=_series_kwargs
        ),
        "meetings:series_create": _series_mc.Row(
            get=_series_managers(_series_mc.OK),
            post=_series_managers(_series_mc.REDIRECT),
            kwargs=_series_slug,
            data=_series_form,
        ),
        "meetings:series_edit": _series_mc.Row(
            get=_series_managers(_series_mc.OK),
            post=_series_managers(_series_mc.REDIRECT),
            kwargs=_series_kwargs,
            data=_series_form,
        ),
        "meetings:series_end": _series_mc.Row(
            post=_series_managers(_series_mc.REDIRECT), kwargs=_series_kwargs
        ),
        "meetings:reminder_settings": _series_mc.Row(
            get=_series_moderators(_series_mc.OK),
            post=_series_moderators(_series_mc.REDIRECT),
            kwargs=_series_slug,
            data=lambda w: {"minutes": ["1440", "60"]},
        ),
    }
)
POST_ONLY.add("meetings:series_end")
# --- End of the series section. ---


# One meeting and its RSVP (meetings-occurrences helper) ------------------------------
# Columns: anonymous, outsider, member, core, moderator, sponsor, site_admin.


def occurrence_readers(outcome):
    """Signed-in people who may read: anyone on a public community, members (and site admins) otherwise."""
    return {
        mc.PUBLIC: (mc.LOGIN, outcome, outcome, outcome, outcome, outcome, outcome),
        mc.LISTED: (mc.LOGIN, 403, outcome, outcome, outcome, outcome, outcome),
        mc.PRIVATE: (mc.LOGIN, 404, outcome, outcome, outcome, outcome, outcome),
    }


def occurrence_participants(outcome):
    """Active members answer; a site admin who is not a member reads but does not RSVP."""
    return {
        mc.PUBLIC: (mc.LOGIN, 403, outcome, outcome, outcome, outcome, 403),
        mc.LISTED: (mc.LOGIN, 403, outcome, outcome, outcome, outcome, 403),
        mc.PRIVATE: (mc.LOGIN, 404, outcome, outcome, outcome, outcome, 403),
    }


def occurrence_managers(outcome):
    """Who runs meetings: the core group, moderators and site admins."""
    return {
        mc.PUBLIC: (mc.LOGIN, 403, 403, outcome, outcome, 403, outcome),
        mc.LISTED: (mc.LOGIN, 403, 403, outcome, outcome, 403, outcome),
        mc.PRIVATE: (mc.LOGIN, 404, 403, outcome, outcome, 403, outcome),
    }


def upcoming_meeting(w: mc.World):
    return w.memo(
        "upcoming_meeting",
        lambda: meeting_factories.OccurrenceFactory(
            series=meeting_factories.MeetingSeriesFactory(community=w.community, organiser=w.steward)
        ),
    )


def started_meeting(w: mc.World):
    """A meeting that began an hour ago: notes and attendance are written now."""
    return w.memo(
        "started_meeting",
        lambda: meeting_factories.OccurrenceFactory(
            series=meeting_factories.MeetingSeriesFactory(community=w.community, organiser=w.steward),
            starts_at=timezone.now() - datetime.timedelta(hours=1),
        ),
    )


def upcoming(w: mc.World) -> dict:
    return {"slug": w.community.slug, "pk": upcoming_meeting(w).pk}


def started(w: mc.World) -> dict:
    return {"slug": w.community.slug, "pk": started_meeting(w).pk}


def move_data(w: mc.World) -> dict:
    occurrence = upcoming_meeting(w)
    later = (occurrence.starts_at + datetime.timedelta(days=1)).astimezone(occurrence.series.zone)
    return {"date": f"{later:%Y-%m-%d}", "time": f"{later:%H:%M}", "duration_minutes": "45"}


def open_request(w: mc.World):
    return w.memo(
        "agenda_request",
        lambda: discussion_factories.HelpRequestFactory(community=w.community, author=w.steward),
    )


ROWS.update(
    {
        "meetings:occurrence": mc.Row(get=occurrence_readers(mc.OK), kwargs=upcoming),
        "meetings:rsvp": mc.Row(
            post=occurrence_participants(mc.REDIRECT),
            kwargs=upcoming,
            data=lambda w: {"response": "going"},
        ),
        "meetings:occurrence_move": mc.Row(
            get=occurrence_managers(mc.OK),
            post=occurrence_managers(mc.REDIRECT),
            kwargs=upcoming,
            data=move_data,
        ),
        "meetings:occurrence_cancel": mc.Row(
            get=occurrence_managers(mc.OK),
            post=occurrence_managers(mc.REDIRECT),
            kwargs=upcoming,
            data=lambda w: {"reason": "Half the team is away."},
        ),
        "meetings:agenda_edit": mc.Row(
            get=occurrence_managers(mc.OK),
            post=occurrence_managers(mc.REDIRECT),
            kwargs=upcoming,
            data=lambda w: {"agenda": "1. Welcome\n2. Upgrades"},
        ),
        "meetings:agenda_add_request": mc.Row(
            post=occurrence_managers(mc.REDIRECT),
            kwargs=upcoming,
            data=lambda w: {"help_request": open_request(w).pk},
        ),
        "meetings:notes_edit": mc.Row(
            get=occurrence_managers(mc.OK),
            post=occurrence_managers(mc.REDIRECT),
            kwargs=started,
            data=lambda w: {"notes": "We agreed on **PodDisruptionBudgets**."},
        ),
        "meetings:attendance": mc.Row(
            get=occurrence_managers(mc.OK),
            post=occurrence_managers(mc.REDIRECT),
            kwargs=started,
            data=lambda w: {"attended": []},
        ),
        "meetings:my_meetings": mc.Row(get=mc.SIGNED_IN),
    }
)
POST_ONLY |= {"meetings:rsvp", "meetings:agenda_add_request"}
