"""Health figures: the same numbers and definitions as the health page and its CSV."""

import datetime as dt

from ninja import Router, Schema

from communities.policy import community_access_or_404
from health import metrics
from health.permissions import can_view_health

from ..errors import ERRORS

router = Router(tags=["health"])

DEFAULT_DAYS = 30


class FigureOut(Schema):
    section: str
    key: str
    label: str
    definition: str
    current: float | int | None
    previous: float | int | None
    unit: str
    higher_is_better: bool | None


class WeekOut(Schema):
    week_start: dt.date
    values: dict[str, int]


class UnitCellOut(Schema):
    answerer_unit: str
    asker_unit: str
    answers: int


class HealthOut(Schema):
    community: str
    days: int
    start: dt.datetime
    end: dt.datetime
    figures: list[FigureOut]
    revisit_by: dt.date | None
    weekly: list[WeekOut]
    unit_matrix: list[UnitCellOut]


SECTIONS = ("members", "help", "reach", "meetings", "charter")


@router.get("/communities/{slug}/health", response={200: HealthOut, **ERRORS})
def health(request, slug: str, days: int = DEFAULT_DAYS):
    """`days` is one of the page's periods (30 for anything else, as on the page)."""
    access = community_access_or_404(request, slug)
    access.require(can_view_health(access))
    days = days if days in metrics.PERIOD_DAYS else DEFAULT_DAYS
    result = metrics.community_health(access.community, period=metrics.period_for(days))
    figures = [
        {
            "section": section,
            "key": f.key,
            "label": f.label,
            "definition": f.definition,
            "current": f.current,
            "previous": f.previous,
            "unit": f.unit,
            "higher_is_better": f.higher_is_better,
        }
        for section in SECTIONS
        for f in getattr(result, section)
    ]
    return {
        "community": access.community.slug,
        "days": days,
        "start": result.period.start,
        "end": result.period.end,
        "figures": figures,
        "revisit_by": result.revisit_by,
        "weekly": [{"week_start": p.week_start, "values": p.values} for p in result.weekly],
        "unit_matrix": [
            {"answerer_unit": c.answerer_unit, "asker_unit": c.asker_unit, "answers": c.answers}
            for c in result.unit_matrix
        ],
    }
