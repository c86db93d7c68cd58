"""Reads for value stories: the 2x2 value matrix and the stories behind each objective.

Both answer in one query whatever the number of stories: window functions count
each group and number its rows, and only the first few rows of each group come
back (Django wraps the query so the counts see the whole group, not just the
rows kept).
"""

from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber

from ..models import Beneficiary, Horizon, ValueStory

LATEST_PER_CELL = 3
STORIES_PER_OBJECTIVE = 3

# The value table from the source article, in plain words: shown beside the matrix
# and on the story form, so people put a story in the right cell.
CELL_EXPLANATIONS = {
    (Horizon.SHORT, Beneficiary.ORGANISATION): (
        "The organisation gained right away: a problem solved across teams, a mistake not repeated, "
        "time or money saved, a newcomer up to speed sooner."
    ),
    (Horizon.LONG, Beneficiary.ORGANISATION): (
        "The organisation gained a lasting capability: a local idea became common practice, people "
        "stayed and grew, the community shaped a strategic decision."
    ),
    (Horizon.SHORT, Beneficiary.MEMBERS): (
        "Members got something right away: just-in-time help, a tip for their job, a colleague met "
        "beyond their own team."
    ),
    (Horizon.LONG, Beneficiary.MEMBERS): (
        "Members grew over time: new skills, a stronger professional identity, recognition and a wider "
        "network, leadership they could not have practised elsewhere."
    ),
}


def cell_label(horizon: str, beneficiary: str) -> str:
    return f"{Horizon(horizon).label} value for {Beneficiary(beneficiary).label.lower()}"


class StoryList(list):
    """The first few stories of a group, knowing how many the whole group holds."""

    total: int = 0
    objective_id: int | None = None

    @property
    def more(self) -> int:
        return max(self.total - len(self), 0)


def value_matrix(community) -> dict:
    """The 2x2 value table of a community: per cell its count, minutes saved and latest stories.

    Rows are who benefited (organisation, members), columns the horizon (short, long
    term), as in the source article. One query.
    """
    cell = [F("horizon"), F("beneficiary")]
    latest = list(
        ValueStory.objects.filter(community=community)
        .annotate(
            cell_count=Window(Count("id"), partition_by=cell),
            cell_minutes=Window(Sum("minutes_saved"), partition_by=cell),
            cell_row=Window(RowNumber(), partition_by=cell, order_by=[F("created_at").desc(), F("id").desc()]),
        )
        .filter(cell_row__lte=LATEST_PER_CELL)
        .order_by("horizon", "beneficiary", "cell_row")
    )
    cells: dict[tuple[str, str], dict] = {}
    for horizon in Horizon:
        for beneficiary in Beneficiary:
            cells[(horizon.value, beneficiary.value)] = {
                "horizon": horizon.value,
                "beneficiary": beneficiary.value,
                "label": cell_label(horizon, beneficiary),
                "explanation": CELL_EXPLANATIONS[(horizon, beneficiary)],
                "count": 0,
                "minutes_saved": 0,
                "latest": [],
            }
    for story in latest:
        entry = cells.get((story.horizon, story.beneficiary))
        if entry is None:  # a value no longer in the choices; nothing to show it under
            continue
        entry["count"] = story.cell_count
        entry["minutes_saved"] = story.cell_minutes or 0
        entry["latest"].append(story)
    rows = [
        {
            "beneficiary": beneficiary.value,
            "label": beneficiary.label,
            "cells": [cells[(horizon.value, beneficiary.value)] for horizon in Horizon],
        }
        for beneficiary in (Beneficiary.ORGANISATION, Beneficiary.MEMBERS)
    ]
    minutes = sum(c["minutes_saved"] for c in cells.values())
    return {
        "community": community,
        "columns": [{"horizon": h.value, "label": h.label} for h in Horizon],
        "rows": rows,
        "cells": cells,
        "total": sum(c["count"] for c in cells.values()),
        "minutes_saved": minutes,
        "hours_saved": round(minutes / 60, 1),
    }


def stories_by_objective(community, objective_ids, *, limit: int = STORIES_PER_OBJECTIVE) -> dict[int, StoryList]:
    """The latest `limit` stories linked to each objective, each list knowing its full count (`.total`).

    Every id asked for gets a list, empty if no story supports it. One query.
    """
    ids = [int(i) for i in objective_ids]
    result: dict[int, StoryList] = {}
    for i in ids:
        result[i] = StoryList()
        result[i].objective_id = i
    if not ids:
        return result
    group = [F("objective_id")]
    rows = (
        ValueStory.objects.filter(community=community, objective_id__in=ids)
        .select_related("author")
        .annotate(
            objective_total=Window(Count("id"), partition_by=group),
            objective_row=Window(RowNumber(), partition_by=group, order_by=[F("created_at").desc(), F("id").desc()]),
        )
        .filter(objective_row__lte=limit)
        .order_by("objective_id", "objective_row")
    )
    for story in rows:
        stories = result[story.objective_id]
        stories.total = story.objective_total
        stories.append(story)
    return result


def stories(community, *, horizon: str = "", beneficiary: str = "", objective_id: int | None = None):
    """A community's stories, newest first, optionally one cell, one column or row, or one objective."""
    queryset = ValueStory.objects.filter(community=community).select_related("author", "objective")
    if horizon:
        queryset = queryset.filter(horizon=horizon)
    if beneficiary:
        queryset = queryset.filter(beneficiary=beneficiary)
    if objective_id:
        queryset = queryset.filter(objective_id=objective_id)
    return queryset
