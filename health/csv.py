"""Every figure of a community's health as CSV, for sponsors' own spreadsheets.

The first block has one row per figure (`section,key,label,current,previous,unit,definition`,
raw numbers, empty when there is none); further blocks, each after a blank row
and its own header, hold the period, the weekly series, who helped whom, the
objectives and the value matrix. Text that a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) gets a leading quote.
"""

import csv
import datetime as dt
import io

from .figures import CommunityHealth

FIGURE_HEADER = ["section", "key", "label", "current", "previous", "unit", "definition"]
SECTIONS = ("members", "help", "reach", "meetings", "charter")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell a spreadsheet shows as text: strings that look like formulas get a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_filename(slug: str, days: int, today: dt.date) -> str:
    return f"{slug}-health-{days}d-{today.isoformat()}.csv"


def health_rows(health: CommunityHealth) -> list[list]:
    """The CSV's rows, blocks separated by an empty row."""
    rows: list[list] = [FIGURE_HEADER]
    for section in SECTIONS:
        for figure in getattr(health, section):
            rows.append(
                [
                    section,
                    figure.key,
                    figure.label,
                    figure.current,
                    figure.previous,
                    figure.unit,
                    figure.definition,
                ]
            )
    rows.append(
        [
            "charter",
            "revisit_by",
            "Revisit the charter by",
            health.revisit_by.isoformat() if health.revisit_by else None,
            None,
            "date",
            "The date the approved charter says the community should look at it again.",
        ]
    )

    period = health.period
    previous = period.previous
    rows += [
        [],
        ["period", "start", "end", "previous_start", "previous_end", "days"],
        [
            "period",
            period.start.isoformat(),
            period.end.isoformat(),
            previous.start.isoformat(),
            previous.end.isoformat(),
            period.days,
        ],
    ]

    keys: list[str] = []
    for point in health.weekly:
        keys += [k for k in point.values if k not in keys]
    rows += [[], ["week_start", *keys]]
    rows += [[p.week_start.isoformat(), *(p.values.get(k, 0) for k in keys)] for p in health.weekly]

    rows += [[], ["answerer_unit", "asker_unit", "answers"]]
    rows += [[c.answerer_unit, c.asker_unit, c.answers] for c in health.unit_matrix]

    rows += [[], ["objective", "value_stories", "retired"]]
    rows += [[o.title, o.stories, o.is_retired] for o in health.objectives]

    rows += [[], ["beneficiary", "horizon", "value_stories", "minutes_saved"]]
    for row in health.value_matrix:
        for cell in row.get("cells", []):
            rows.append(
                [
                    cell.get("beneficiary", row.get("beneficiary", "")),
                    cell.get("horizon", ""),
                    cell.get("count", 0),
                    cell.get("minutes_saved", 0),
                ]
            )
    return rows


def health_csv(health: CommunityHealth) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in health_rows(health):
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
