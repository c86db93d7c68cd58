"""The figures of a community's health, with the definition shown next to each.

`health.metrics.community_health(...)` fills these; pages, the CSV export and the
sponsor overview only read them. A `Figure` holds a value for the chosen period
and the same figure for the period before it, so every number has its trend.
"""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Period:
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive
    days: int

    @property
    def previous(self) -> "Period":
        return Period(start=self.start - dt.timedelta(days=self.days), end=self.start, days=self.days)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    definition: str
    current: float | int | None  # None: not computable (e.g. a median of nothing)
    previous: float | int | None
    unit: str = ""  # "", "%", "hours", "days"
    # True when a higher number is better (trend arrows green/red), False when lower is, None neutral.
    higher_is_better: bool | None = True

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True)
class SeriesPoint:
    week_start: dt.date
    values: dict[str, int]  # e.g. {"asked": 4, "answered": 3, "active": 12}


@dataclass(frozen=True)
class UnitCell:
    asker_unit: str  # unit name, or "Unknown unit"
    answerer_unit: str
    answers: int


@dataclass(frozen=True)
class ObjectiveStories:
    title: str
    stories: int
    is_retired: bool = False


@dataclass
class CommunityHealth:
    community_id: int
    period: Period
    # Members, help, cross-silo reach, meetings: in this order on the page and in the CSV.
    members: list[Figure] = field(default_factory=list)
    help: list[Figure] = field(default_factory=list)
    reach: list[Figure] = field(default_factory=list)
    meetings: list[Figure] = field(default_factory=list)
    # Charter: days since last approval, revisit date, objectives with their stories, value matrix.
    charter: list[Figure] = field(default_factory=list)
    revisit_by: dt.date | None = None
    objectives: list[ObjectiveStories] = field(default_factory=list)
    value_matrix: list[dict] = field(default_factory=list)  # rows as `charter.selectors.stories` gives them
    # Weekly time series over the period (at least 12 weeks): asked, answered, active members.
    weekly: list[SeriesPoint] = field(default_factory=list)
    # Who helped whom: answers by answerer unit to asker unit, in the period.
    unit_matrix: list[UnitCell] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        return [*self.members, *self.help, *self.reach, *self.meetings, *self.charter]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures() if f.key == key)
