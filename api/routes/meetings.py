"""Meetings: a community's upcoming meetings, one meeting with its RSVP counts; RSVP."""

import datetime as dt

from ninja import Router, Schema

from communities.policy import community_access_or_404
from meetings import selectors
from meetings.models import Occurrence, Rsvp
from meetings.permissions import can_read_meetings, can_rsvp
from meetings.services.rsvp import rsvp_set, waitlist_position

from ..auth import require_write
from ..errors import ERRORS
from ..paging import Paged, paged

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: int
    community: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    room: str
    online_url: str
    going: int
    maybe: int
    waitlisted: int
    capacity: int | None
    url: str


class MeetingDetail(MeetingOut):
    agenda_html: str
    cancel_reason: str
    my_response: str | None
    my_waitlist_position: int | None


class RsvpIn(Schema):
    response: str


class RsvpOut(Schema):
    response: str
    waitlisted: bool
    waitlist_position: int | None


def _meeting(o: Occurrence) -> dict:
    return {
        "id": o.pk,
        "community": o.community.slug,
        "title": o.series.title,
        "starts_at": o.starts_at,
        "ends_at": o.ends_at,
        "status": o.status,
        "room": o.where_room,
        "online_url": o.where_online,
        "going": o.going_count,
        "maybe": o.maybe_count,
        "waitlisted": o.waitlist_count,
        "capacity": o.series.capacity,
        "url": o.get_absolute_url(),
    }


def _readable(request, slug: str):
    access = community_access_or_404(request, slug)
    access.require(can_read_meetings(access))
    return access


@router.get("/communities/{slug}/meetings", response={200: Paged[MeetingOut], **ERRORS})
def upcoming(request, slug: str, page: int = 1):
    """Meetings not yet over, soonest first (cancelled ones of running series marked)."""
    access = _readable(request, slug)
    return paged(
        selectors.upcoming_for_community(access.community),
        page=page,
        per_page=selectors.PER_PAGE,
        item=_meeting,
    )


@router.get("/communities/{slug}/meetings/{pk}", response={200: MeetingDetail, **ERRORS})
def meeting(request, slug: str, pk: int):
    access = _readable(request, slug)
    occurrence = selectors.occurrence_in(access.community, pk)
    mine = Rsvp.objects.filter(occurrence=occurrence, user=request.user).first()
    return {
        **_meeting(occurrence),
        "agenda_html": occurrence.agenda_html,
        "cancel_reason": occurrence.cancel_reason,
        "my_response": mine.response if mine else None,
        "my_waitlist_position": waitlist_position(mine),
    }


@router.put("/communities/{slug}/meetings/{pk}/rsvp", response={200: RsvpOut, **ERRORS})
def rsvp(request, slug: str, pk: int, payload: RsvpIn):
    """Answer going, maybe or not_going; going past the capacity joins the waiting list."""
    require_write(request)
    access = _readable(request, slug)
    occurrence = selectors.occurrence_in(access.community, pk)
    access.require(can_rsvp(access))
    answer = rsvp_set(occurrence=occurrence, user=request.user, response=payload.response)
    return {
        "response": answer.response,
        "waitlisted": answer.waitlisted,
        "waitlist_position": waitlist_position(answer),
    }
