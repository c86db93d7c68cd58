"""Charts drawn on the server as SVG: no JavaScript library, no external service.

Each chart is an image for screen readers (`role="img"`, labelled by its
`<title>` and `<desc>`, the desc summing up what the picture shows) and comes
with the same numbers as a table (`Chart.columns`/`Chart.rows`), which the
page shows beside it. Series differ in shape and pattern as well as colour,
and the heatmap prints its numbers in the cells: colour is never the only clue.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .figures import SeriesPoint, UnitCell

WIDTH = 720
HEIGHT = 280
MARGIN_LEFT = 48
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 44
MAX_X_LABELS = 8

INK = "#1c2430"
INK_SOFT = "#4a5565"
GRID = "#d9dee5"

# Heatmap shades, lightest to darkest, each with a text colour that keeps 4.5:1 contrast on it.
SHADES = (
    ("#f5f7f9", INK_SOFT),  # no answers
    ("#d5ecee", INK),
    ("#a8d5da", INK),
    ("#5fa8b1", INK),
    ("#0b5c66", "#ffffff"),
)


@dataclass(frozen=True)
class Series:
    key: str  # the key in SeriesPoint.values
    label: str
    colour: str
    # Line charts: marker shape and dash; bar charts: a hatch pattern. Never colour alone.
    marker: str = "circle"  # circle | square | triangle
    dash: str = ""  # SVG stroke-dasharray
    hatched: bool = False


ASKED = Series("asked", "Asked", "#0b5c66", marker="circle")
ANSWERED = Series("answered", "Answered", "#a3490f", marker="square", dash="6 4", hatched=True)
ACTIVE = Series("active", "Active members", "#4a2f9a", marker="triangle")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str  # what the picture shows, in sentences (the SVG's <desc>)
    svg: SafeString
    columns: list[str] = field(default_factory=list)  # the data table's header
    rows: list[list[str]] = field(default_factory=list)  # first cell of each row is its header
    note: str = ""  # how to read it, shown under the chart

    @property
    def is_empty(self) -> bool:
        return not self.rows


# Helpers -------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _week(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def nice_ceiling(value: float) -> int:
    """The smallest 'round' number at or above `value` for the top of an axis: 1, 2, 5, 10, 20, 50..."""
    if value <= 1:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return int(step * exponent)
    return int(10 * exponent)  # pragma: no cover - the loop always returns


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="health-svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = INK_SOFT,
    extra: str = "",
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _empty_svg(chart_id: str, title: str, description: str) -> SafeString:
    parts = _open(chart_id, title, description, WIDTH, 80)
    parts.append(_text(WIDTH / 2, 45, "No data for this period", anchor="middle", size=14))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def tick_step(top: int) -> int:
    """A whole, round step that divides the axis into at most five parts: counts have no halves."""
    exponent = 1
    while True:
        for step in (1, 2, 5):
            if top % (step * exponent) == 0 and top // (step * exponent) <= 5:
                return step * exponent
        exponent *= 10


def _axes(top: int, labels_every: int, points: Sequence[SeriesPoint], x_of) -> list[str]:
    """Horizontal grid lines with their values, and week labels along the bottom."""
    parts = []
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    ticks = top // tick_step(top)
    for i in range(ticks + 1):
        value = top * i / ticks
        y = plot_bottom - plot_height * i / ticks
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(MARGIN_LEFT - 6, y + 4, _num(value), anchor="end", size=11))
    for index, point in enumerate(points):
        if index % labels_every == 0:
            parts.append(
                _text(
                    x_of(index), plot_bottom + 18, _week(point.week_start), anchor="middle", size=11
                )
            )
    return parts


def _legend(series: Sequence[Series], chart_id: str, *, bars: bool) -> list[str]:
    parts = []
    x = MARGIN_LEFT
    y = HEIGHT - 8
    for s in series:
        if bars:
            fill = f"url(#{chart_id}-hatch-{s.key})" if s.hatched else s.colour
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="{fill}" stroke="{s.colour}"/>'
            )
        else:
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 22}" y1="{y - 4}" y2="{y - 4}" stroke="{s.colour}" stroke-width="2.5"{dash}/>'
            )
            parts.append(_marker(s, x + 11, y - 4))
        label_x = x + (20 if bars else 28)
        parts.append(_text(label_x, y, s.label, size=12, fill=INK))
        x = label_x + 9 * len(s.label) + 24
    return parts


def _marker(s: Series, x: float, y: float) -> str:
    if s.marker == "square":
        return f'<rect x="{_num(x - 3.5)}" y="{_num(y - 3.5)}" width="7" height="7" fill="{s.colour}"/>'
    if s.marker == "triangle":
        return (
            f'<polygon points="{_num(x)},{_num(y - 4.5)} {_num(x + 4.5)},{_num(y + 3.5)} '
            f'{_num(x - 4.5)},{_num(y + 3.5)}" fill="{s.colour}"/>'
        )
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{s.colour}"/>'


def _table(
    points: Sequence[SeriesPoint], series: Sequence[Series]
) -> tuple[list[str], list[list[str]]]:
    columns = ["Week starting", *(s.label for s in series)]
    rows = [
        [_long_date(p.week_start), *(str(p.values.get(s.key, 0)) for s in series)] for p in points
    ]
    return columns, rows


def _series_summary(points: Sequence[SeriesPoint], s: Series, *, totals: bool) -> str:
    values = [p.values.get(s.key, 0) for p in points]
    if totals:
        busiest = max(range(len(values)), key=lambda i: values[i])
        text = f"{s.label}: {sum(values)} in all"
        if values[busiest]:
            text += f", most in the week of {_long_date(points[busiest].week_start)} ({values[busiest]})"
        return text + "."
    low = min(range(len(values)), key=lambda i: values[i])
    high = max(range(len(values)), key=lambda i: values[i])
    return (
        f"{s.label}: from {values[low]} (week of {_long_date(points[low].week_start)}) "
        f"to {values[high]} (week of {_long_date(points[high].week_start)}); {values[-1]} in the last week."
    )


def _weeks_sentence(points: Sequence[SeriesPoint]) -> str:
    return (
        f"{len(points)} week{'s' if len(points) != 1 else ''} from "
        f"{_long_date(points[0].week_start)} to {_long_date(points[-1].week_start)}."
    )


# Time series ---------------------------------------------------------------


def bar_chart(
    points: Sequence[SeriesPoint], series: Sequence[Series], *, chart_id: str, title: str
) -> Chart:
    """Grouped bars, one group per week; the second series is hatched so it reads without colour."""
    columns, rows = _table(points, series)
    if not points:
        description = "No weeks to show in this period."
        return Chart(
            chart_id, title, description, _empty_svg(chart_id, title, description), columns, rows
        )
    description = " ".join(
        [_weeks_sentence(points), *(_series_summary(points, s, totals=True) for s in series)]
    )
    top = nice_ceiling(max((p.values.get(s.key, 0) for p in points for s in series), default=0))
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    slot = plot_width / len(points)
    bar = max(min(slot * 0.8 / len(series), 18), 1)

    def x_of(index: int) -> float:
        return MARGIN_LEFT + slot * (index + 0.5)

    parts = _open(chart_id, title, description, WIDTH, HEIGHT)
    parts.append("<defs>")
    for s in series:
        if s.hatched:
            parts.append(
                f'<pattern id="{chart_id}-hatch-{s.key}" width="5" height="5" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="5" height="5" fill="#ffffff"/>'
                f'<line x1="0" y1="0" x2="0" y2="5" stroke="{s.colour}" stroke-width="3"/></pattern>'
            )
    parts.append("</defs>")
    parts += _axes(top, math.ceil(len(points) / MAX_X_LABELS), points, x_of)
    for index, point in enumerate(points):
        left = x_of(index) - bar * len(series) / 2
        for n, s in enumerate(series):
            value = point.values.get(s.key, 0)
            if not value:
                continue
            height = plot_height * value / top
            fill = f"url(#{chart_id}-hatch-{s.key})" if s.hatched else s.colour
            parts.append(
                f'<rect x="{_num(left + n * bar)}" y="{_num(plot_bottom - height)}" width="{_num(bar)}" '
                f'height="{_num(height)}" fill="{fill}" stroke="{s.colour}" stroke-width="1"/>'
            )
    parts += _legend(series, chart_id, bars=True)
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), columns, rows)  # noqa: S308


def line_chart(
    points: Sequence[SeriesPoint], series: Sequence[Series], *, chart_id: str, title: str
) -> Chart:
    """One line per series, each with its own marker shape and dash."""
    columns, rows = _table(points, series)
    if not points:
        description = "No weeks to show in this period."
        return Chart(
            chart_id, title, description, _empty_svg(chart_id, title, description), columns, rows
        )
    description = " ".join(
        [_weeks_sentence(points), *(_series_summary(points, s, totals=False) for s in series)]
    )
    top = nice_ceiling(max((p.values.get(s.key, 0) for p in points for s in series), default=0))
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    slot = plot_width / len(points)

    def x_of(index: int) -> float:
        return MARGIN_LEFT + slot * (index + 0.5)

    parts = _open(chart_id, title, description, WIDTH, HEIGHT)
    parts += _axes(top, math.ceil(len(points) / MAX_X_LABELS), points, x_of)
    for s in series:
        coords = [
            (x_of(i), plot_bottom - plot_height * p.values.get(s.key, 0) / top)
            for i, p in enumerate(points)
        ]
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5"{dash} points="'
            + " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
            + '"/>'
        )
        # Markers on every week while they fit; a year of weeks would be a blur of them.
        if len(points) <= 26:
            parts += [_marker(s, x, y) for x, y in coords]
    parts += _legend(series, chart_id, bars=False)
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), columns, rows)  # noqa: S308


# Who helped whom -----------------------------------------------------------

CELL = 46
LABEL_WIDTH = 170
HEADER_HEIGHT = 110
LABEL_OVERHANG = 130  # how far a slanted 22-character name reaches right of its column
MAX_LABEL = 22


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1].rstrip() + "…"


def shade(answers: int, most: int) -> tuple[str, str]:
    """Fill and text colour of a cell: four steps of answers relative to the busiest cell."""
    if answers <= 0 or most <= 0:
        return SHADES[0]
    step = min(math.ceil(4 * answers / most), 4)
    return SHADES[step]


def unit_heatmap(cells: Sequence[UnitCell], *, chart_id: str, title: str) -> Chart:
    """Answers by the answerer's unit (rows) to the asker's unit (columns), numbers in the cells.

    Both axes list the same units in the same order, so help within a unit lies on the diagonal.
    """
    answerers = {c.answerer_unit for c in cells}
    askers = {c.asker_unit for c in cells}
    units = sorted(answerers | askers)
    counts: dict[tuple[str, str], int] = {}
    for c in cells:
        counts[(c.answerer_unit, c.asker_unit)] = (
            counts.get((c.answerer_unit, c.asker_unit), 0) + c.answers
        )
    columns = ["Answering unit", *(f"To {b}" for b in units)]
    rows = [[a, *(str(counts.get((a, b), 0)) for b in units)] for a in units]
    note = (
        "Each row is the unit of the person who answered; each column the unit of the person who asked. "
        "The dashed diagonal is help within the same unit; darker cells hold more answers."
    )
    total = sum(counts.values())
    if not total:
        description = "No answers in this period, so nobody has helped anybody yet."
        return Chart(
            chart_id,
            title,
            description,
            _empty_svg(chart_id, title, description),
            columns,
            [],
            note,
        )
    crossing = sum(n for (a, b), n in counts.items() if a != b)
    (top_from, top_to), top_n = max(counts.items(), key=lambda item: (item[1], item[0]))
    busiest = (
        f"{top_from} answered people from {top_to} most often ({top_n})."
        if top_from != top_to
        else f"{top_from} answered its own people most often ({top_n})."
    )
    description = (
        f"{total} answer{'s' if total != 1 else ''} between {len(answerers)} answering and "
        f"{len(askers)} asking unit{'s' if len(askers) != 1 else ''}; {crossing} crossed from one unit "
        f"to another. {busiest}"
    )
    most = max(counts.values())
    top = HEADER_HEIGHT + 20  # the axis title above the slanted unit names
    # Slanted names run up and to the right of their column: leave room for the last one.
    width = LABEL_WIDTH + CELL * len(units) + LABEL_OVERHANG
    height = top + CELL * len(units) + 8
    parts = _open(chart_id, title, description, width, height)
    parts.append(_text(LABEL_WIDTH, 14, "Asked by someone from →", size=12, fill=INK_SOFT))
    parts.append(
        _text(LABEL_WIDTH - 8, top - 8, "Answered by ↓", anchor="end", size=12, fill=INK_SOFT)
    )
    for col, asker in enumerate(units):
        x = LABEL_WIDTH + CELL * col + CELL / 2
        y = top - 8
        parts.append(
            _text(
                x,
                y,
                _short(asker),
                size=12,
                fill=INK,
                extra=f' transform="rotate(-40 {_num(x)} {_num(y)})"',
            )
        )
    for row, answerer in enumerate(units):
        y = top + CELL * row
        parts.append(
            _text(
                LABEL_WIDTH - 8, y + CELL / 2 + 4, _short(answerer), anchor="end", size=12, fill=INK
            )
        )
        for col, asker in enumerate(units):
            x = LABEL_WIDTH + CELL * col
            n = counts.get((answerer, asker), 0)
            fill, ink = shade(n, most)
            outline = (
                ' stroke-dasharray="4 3" stroke="#1c2430" stroke-width="1.5"'
                if answerer == asker
                else f' stroke="{GRID}"'
            )
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}" rx="4" fill="{fill}"{outline}/>'
            )
            parts.append(
                _text(x + CELL / 2, y + CELL / 2 + 5, str(n), anchor="middle", size=14, fill=ink)
            )
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), columns, rows, note)  # noqa: S308


# The health page's charts --------------------------------------------------


def health_charts(health) -> list[Chart]:
    """The charts of one community's health page, in page order."""
    requests = bar_chart(
        health.weekly, [ASKED, ANSWERED], chart_id="chart-requests", title="Help requests each week"
    )
    active = line_chart(
        health.weekly, [ACTIVE], chart_id="chart-active", title="Active members each week"
    )
    return [
        replace(
            requests,
            note="Asked: help requests asked that week. Answered: requests that got their first reply "
            "from someone other than the asker that week. Weeks start on Monday at midnight UTC.",
        ),
        replace(
            active,
            note="People who asked, replied, voted, answered an RSVP or attended a meeting that week. "
            "Weeks start on Monday at midnight UTC.",
        ),
        unit_heatmap(health.unit_matrix, chart_id="chart-units", title="Who helped whom, by unit"),
    ]
