"""The charter (approved version, history of versions) and value stories (read, record)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from charter.models import Objective
from charter.permissions import CharterAccess, can_read_stories, can_record_story
from charter.selectors import drafts as selectors
from charter.selectors import stories as story_selectors
from charter.services.stories import value_story_create
from communities.policy import community_access_or_404

from ..auth import require_write
from ..errors import ERRORS
from ..paging import Paged, paged
from .common import Person, person

router = Router(tags=["charter"])

STORIES_PER_PAGE = 20


class VersionOut(Schema):
    number: int
    status: str
    author: Person | None
    created_at: dt.datetime
    reviewed_by: Person | None
    reviewed_at: dt.datetime | None
    note: str


class ApprovedCharter(VersionOut):
    purpose: str
    vision: str
    objectives: list[dict]
    strategy: str
    pitch: str
    revisit_by: dt.date | None


class StoryOut(Schema):
    id: int
    title: str
    what_happened: str
    who_benefited: str
    horizon: str
    beneficiary: str
    objective: int | None
    minutes_saved: int | None
    author: Person | None
    created_at: dt.datetime


class StoryIn(Schema):
    title: str
    what_happened: str
    who_benefited: str
    horizon: str
    beneficiary: str
    objective: int | None = None
    minutes_saved: int | None = None


def _version(v) -> dict:
    return {
        "number": v.number,
        "status": v.status,
        "author": person(v.author),
        "created_at": v.created_at,
        "reviewed_by": person(v.reviewed_by),
        "reviewed_at": v.reviewed_at,
        "note": v.note,
    }


def _story(s) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "what_happened": s.what_happened,
        "who_benefited": s.who_benefited,
        "horizon": s.horizon,
        "beneficiary": s.beneficiary,
        "objective": s.objective_id,
        "minutes_saved": s.minutes_saved,
        "author": person(s.author),
        "created_at": s.created_at,
    }


def _charter_access(request, slug: str, rule: str) -> CharterAccess:
    access = community_access_or_404(request, slug)
    ca = CharterAccess(access)
    access.require(getattr(ca, rule))
    return ca


@router.get("/communities/{slug}/charter", response={200: ApprovedCharter, 204: None, **ERRORS})
def approved(request, slug: str):
    """The approved version (204 when none is approved yet)."""
    ca = _charter_access(request, slug, "can_read")
    charter = selectors.charter_for(ca.access.community)
    version = charter.approved_version if charter else None
    if version is None:
        return Status(204, None)
    return {
        **_version(version),
        "purpose": version.purpose,
        "vision": version.vision,
        "objectives": selectors.version_objectives(version),
        "strategy": version.strategy,
        "pitch": version.pitch,
        "revisit_by": version.revisit_by,
    }


@router.get("/communities/{slug}/charter/versions", response={200: list[VersionOut], **ERRORS})
def history(request, slug: str):
    """Every version, newest first, as on the history page."""
    ca = _charter_access(request, slug, "can_read_draft")
    charter = selectors.charter_for(ca.access.community)
    return [_version(v) for v in selectors.versions(charter)] if charter else []


@router.get("/communities/{slug}/stories", response={200: Paged[StoryOut], **ERRORS})
def stories(
    request,
    slug: str,
    horizon: str = "",
    beneficiary: str = "",
    objective: int | None = None,
    page: int = 1,
):
    access = community_access_or_404(request, slug)
    access.require(can_read_stories(access))
    queryset = story_selectors.stories(
        access.community, horizon=horizon, beneficiary=beneficiary, objective_id=objective
    )
    return paged(
        queryset.order_by("-created_at", "-pk"), page=page, per_page=STORIES_PER_PAGE, item=_story
    )


@router.post("/communities/{slug}/stories", response={201: StoryOut, **ERRORS})
def story_create(request, slug: str, payload: StoryIn):
    require_write(request)
    access = community_access_or_404(request, slug)
    access.require(can_record_story(access))
    objective = None
    if payload.objective is not None:
        # Any community's objective is looked up: the service refuses one that is not this community's.
        objective = get_object_or_404(
            Objective.objects.select_related("charter"), pk=payload.objective
        )
    story = value_story_create(
        community=access.community,
        author=request.user,
        **payload.dict(exclude={"objective"}),
        objective=objective,
    )
    return Status(201, _story(story))
