"""Charts drawn as SVG on the server, and figures said in words.

The charts are parsed as XML: a chart that is not well-formed SVG, lacks its
accessible title and description, or comes without its numbers as a table fails
here. Built from hand-made `CommunityHealth` objects, without the database.
"""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from health import charts
from health.figures import (
    CommunityHealth,
    Figure,
    ObjectiveStories,
    Period,
    SeriesPoint,
    UnitCell,
)
from health.templatetags import health as tags

SVG = "{http://www.w3.org/2000/svg}"
MONDAY = dt.date(2025, 3, 3)


def weeks(*values: tuple[int, int, int]) -> list[SeriesPoint]:
    return [
        SeriesPoint(
            week_start=MONDAY + dt.timedelta(weeks=i),
            values={"asked": asked, "answered": answered, "active": active},
        )
        for i, (asked, answered, active) in enumerate(values)
    ]


def figure(
    key="requests_asked", current=12, previous=10, unit="", higher_is_better=True, label=None
):
    return Figure(
        key=key,
        label=label or key.replace("_", " ").capitalize(),
        definition=f"What {key} counts.",
        current=current,
        previous=previous,
        unit=unit,
        higher_is_better=higher_is_better,
    )


def sample_health(**overrides) -> CommunityHealth:
    """A community's health with a figure of every kind, as the metrics would give it."""
    end = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    data = {
        "community_id": 1,
        "period": Period(start=end - dt.timedelta(days=30), end=end, days=30),
        "members": [
            figure("members_total", 40, 36),
            figure("members_active", 18, 21),
            figure("newcomers_replied_share", 75.0, 50.0, unit="%"),
        ],
        "help": [
            figure("requests_asked", 12, 10),
            figure("answered_share", 83.3, 90.0, unit="%"),
            figure("median_first_reply_hours", 31.0, 5.0, unit="hours", higher_is_better=False),
            figure("unanswered_48h", 3, 0, higher_is_better=False),
        ],
        "reach": [
            figure("units_represented", 6, 5),
            figure("cross_unit_answer_share", 60.0, None, unit="%"),
        ],
        "meetings": [figure("meetings_held", 2, 2)],
        "charter": [figure("days_since_approval", 120, 90, unit="days", higher_is_better=None)],
        "revisit_by": dt.date(2025, 9, 1),
        "objectives": [
            ObjectiveStories("Answer every newcomer within a day", 4),
            ObjectiveStories('=HYPERLINK("http://evil")', 0, is_retired=True),
        ],
        "value_matrix": [
            {
                "beneficiary": "organisation",
                "label": "Organisation",
                "cells": [
                    {
                        "horizon": "short",
                        "beneficiary": "organisation",
                        "count": 3,
                        "minutes_saved": 240,
                    },
                    {
                        "horizon": "long",
                        "beneficiary": "organisation",
                        "count": 1,
                        "minutes_saved": 0,
                    },
                ],
            }
        ],
        "weekly": weeks((3, 2, 10), (5, 5, 14), (0, 0, 9), (4, 1, 12)),
        "unit_matrix": [
            UnitCell(asker_unit="Platform Engineering", answerer_unit="Radiology IT", answers=9),
            UnitCell(
                asker_unit="Platform Engineering", answerer_unit="Platform Engineering", answers=4
            ),
            UnitCell(asker_unit="Radiology IT", answerer_unit="Platform Engineering", answers=1),
        ],
    }
    data.update(overrides)
    return CommunityHealth(**data)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    assert root.tag == f"{SVG}svg"
    return root


def assert_accessible(chart: charts.Chart) -> ET.Element:
    root = parse(str(chart.svg))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    return root


def render_chart(chart: charts.Chart) -> str:
    return render_to_string("health/includes/_chart.html", {"chart": chart})


# Time series -----------------------------------------------------------------


def test_bar_chart_is_valid_svg_with_title_description_and_a_bar_per_value():
    chart = charts.bar_chart(
        weeks((3, 2, 10), (5, 5, 14), (0, 0, 9)),
        [charts.ASKED, charts.ANSWERED],
        chart_id="chart-requests",
        title="Help requests each week",
    )

    root = assert_accessible(chart)

    # 3 + 5 asked and 2 + 5 answered: four bars (empty weeks draw none), plus two legend swatches.
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") not in ("12", "5")]
    assert len(bars) == 4
    assert "Asked: 8 in all, most in the week of 10 March 2025 (5)." in chart.description
    assert "Answered: 7 in all" in chart.description
    assert "3 weeks from 3 March 2025 to 17 March 2025." in chart.description


def test_answered_bars_are_hatched_so_they_differ_without_colour():
    chart = charts.bar_chart(
        weeks((3, 2, 10)), [charts.ASKED, charts.ANSWERED], chart_id="c", title="T"
    )

    root = parse(str(chart.svg))

    assert root.find(f".//{SVG}pattern[@id='c-hatch-answered']") is not None
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert "url(#c-hatch-answered)" in fills


def test_bars_are_as_tall_as_their_share_of_the_axis():
    chart = charts.bar_chart(
        weeks((10, 5, 0)), [charts.ASKED, charts.ANSWERED], chart_id="c", title="T"
    )

    root = parse(str(chart.svg))

    heights = sorted(
        float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.get("stroke-width") == "1"
    )
    assert heights[1] == pytest.approx(2 * heights[0])


def test_line_chart_has_one_line_with_a_marker_per_week():
    chart = charts.line_chart(
        weeks((3, 2, 10), (5, 5, 14), (0, 0, 9)),
        [charts.ACTIVE],
        chart_id="chart-active",
        title="Active",
    )

    root = assert_accessible(chart)

    (line,) = root.iter(f"{SVG}polyline")
    assert len(line.get("points").split()) == 3
    # Three triangles on the line and one in the legend.
    assert len(list(root.iter(f"{SVG}polygon"))) == 4
    assert (
        "from 9 (week of 17 March 2025) to 14 (week of 10 March 2025); 9 in the last week."
        in chart.description
    )


def test_a_year_of_weeks_labels_at_most_eight_of_them():
    points = [SeriesPoint(MONDAY + dt.timedelta(weeks=i), {"active": i}) for i in range(53)]

    chart = charts.line_chart(points, [charts.ACTIVE], chart_id="c", title="T")

    root = parse(str(chart.svg))
    week_labels = [
        t
        for t in root.iter(f"{SVG}text")
        if t.get("font-size") == "11" and t.get("text-anchor") == "middle"
    ]
    assert len(week_labels) <= 8
    assert len(chart.rows) == 53


def test_time_series_table_holds_every_number():
    chart = charts.bar_chart(
        weeks((3, 2, 10), (5, 5, 14)), [charts.ASKED, charts.ANSWERED], chart_id="c", title="T"
    )

    assert chart.columns == ["Week starting", "Asked", "Answered"]
    assert chart.rows == [["3 March 2025", "3", "2"], ["10 March 2025", "5", "5"]]


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.line_chart])
def test_a_period_without_weeks_draws_an_empty_chart_without_errors(draw):
    chart = draw([], [charts.ASKED], chart_id="c", title="Nothing")

    root = assert_accessible(chart)

    assert chart.is_empty
    assert "No data for this period" in "".join(root.itertext())


def test_a_period_of_zeros_still_draws_an_axis():
    chart = charts.bar_chart(
        weeks((0, 0, 0), (0, 0, 0)), [charts.ASKED, charts.ANSWERED], chart_id="c", title="T"
    )

    root = assert_accessible(chart)

    assert "Asked: 0 in all." in chart.description
    assert root.find(f"{SVG}line") is not None


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (48, 50), (101, 200)]
)
def test_axis_tops_are_round_numbers(value, top):
    assert charts.nice_ceiling(value) == top


@pytest.mark.parametrize(
    ("top", "step"), [(1, 1), (2, 1), (5, 1), (10, 2), (20, 5), (50, 10), (200, 50)]
)
def test_axis_steps_are_whole_and_at_most_five(top, step):
    assert charts.tick_step(top) == step


def test_axis_labels_are_whole_numbers():
    chart = charts.line_chart(weeks((0, 0, 4), (0, 0, 3)), [charts.ACTIVE], chart_id="c", title="T")

    root = parse(str(chart.svg))

    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert axis == ["0", "1", "2", "3", "4", "5"]


# Who helped whom ---------------------------------------------------------------


def test_heatmap_prints_every_count_in_its_cell_and_marks_same_unit_help():
    chart = charts.unit_heatmap(
        sample_health().unit_matrix, chart_id="chart-units", title="Who helped whom"
    )

    root = assert_accessible(chart)

    cells = list(root.iter(f"{SVG}rect"))
    assert len(cells) == 4  # two answering units by two asking units
    numbers = sorted(int(t.text) for t in root.iter(f"{SVG}text") if t.text.isdigit())
    assert numbers == [0, 1, 4, 9]
    dashed = [r for r in cells if r.get("stroke-dasharray")]
    assert len(dashed) == 2  # the diagonal: help within one unit
    assert "14 answers between 2 answering and 2 asking units; 10 crossed" in chart.description
    assert (
        "Radiology IT answered people from Platform Engineering most often (9)."
        in chart.description
    )


def test_heatmap_table_has_answering_units_as_rows_and_asking_units_as_columns():
    chart = charts.unit_heatmap(sample_health().unit_matrix, chart_id="c", title="T")

    assert chart.columns == ["Answering unit", "To Platform Engineering", "To Radiology IT"]
    assert chart.rows == [["Platform Engineering", "4", "1"], ["Radiology IT", "9", "0"]]


def test_heatmap_shades_keep_their_numbers_readable():
    assert charts.shade(0, 9) == charts.SHADES[0]
    assert charts.shade(9, 9) == ("#0b5c66", "#ffffff")
    assert charts.shade(1, 9)[0] != charts.shade(9, 9)[0]


def test_heatmap_escapes_unit_names_and_shortens_long_ones():
    cells = [
        UnitCell(
            asker_unit="A very long unit name that goes on and on",
            answerer_unit="<script>R&D</script>",
            answers=2,
        )
    ]

    chart = charts.unit_heatmap(cells, chart_id="c", title="T")

    root = parse(str(chart.svg))  # would not parse if the name were not escaped
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>R&D</script>" in texts
    assert any(t.endswith("…") and len(t) <= charts.MAX_LABEL for t in texts)
    assert (
        "To A very long unit name that goes on and on" in chart.columns
    )  # the table keeps it whole
    assert len(chart.rows) == 2  # both units on both axes: the diagonal is same-unit help


def test_heatmap_without_answers_renders_an_empty_chart():
    chart = charts.unit_heatmap([], chart_id="c", title="T")

    assert_accessible(chart)
    assert chart.is_empty
    assert "No answers in this period" in chart.description


# Charts on the page -------------------------------------------------------------


def test_every_chart_comes_with_its_numbers_in_a_table():
    for chart in charts.health_charts(sample_health()):
        html = render_chart(chart)

        assert "<details" in html and "<table" in html
        assert f"<caption>{chart.title}</caption>" in html
        for row in chart.rows:
            assert f'<th scope="row">{row[0]}</th>' in html
        assert_accessible(chart)


def test_chart_ids_are_unique_on_the_page():
    ids = [chart.id for chart in charts.health_charts(sample_health())]

    assert len(ids) == len(set(ids))


def test_empty_health_renders_charts_with_an_empty_table_row():
    empty = sample_health(weekly=[], unit_matrix=[])

    for chart in charts.health_charts(empty):
        html = render_chart(chart)
        assert "No data for this period." in html


# Figures in words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "no data"),
        (0.004, "under 1 min"),
        (0.75, "45 min"),
        (5, "5 h"),
        (2.25, "2.2 h"),
        (31.4, "31 h"),
        (47.9, "48 h"),
        (50.4, "2.1 days"),
        (72, "3 days"),
    ],
)
def test_hours_read_as_people_say_them(value, text):
    assert tags.hours(value) == text


@pytest.mark.parametrize(
    ("fig", "words", "judgement"),
    [
        (figure(current=45, previous=40), "up 12% from 40", "better"),
        (figure(current=30, previous=40), "down 25% from 40", "worse"),
        (figure(current=40, previous=40), "no change from 40", ""),
        (figure(current=3, previous=0), "up from 0", "better"),
        (figure(current=3, previous=1), "up 2 from 1", "better"),
        (figure(current=9, previous=10), "down 10% from 10", "worse"),
        (figure(current=52, previous=40, unit="%"), "up 12 points from 40%", "better"),
        (figure(current=39, previous=40, unit="%"), "down 1 point from 40%", "worse"),
        (
            figure(current=31, previous=5, unit="hours", higher_is_better=False),
            "up 26 h from 5 h",
            "worse",
        ),
        (
            figure(current=2, previous=50.4, unit="hours", higher_is_better=False),
            "down 2 days from 2.1 days",
            "better",
        ),
        (
            figure(current=120, previous=90, unit="days", higher_is_better=None),
            "up 30 days from 90 days",
            "",
        ),
        (figure(current=5, previous=None), "no figure for the previous period", ""),
        (figure(current=None, previous=4), "was 4 in the previous period", ""),
        (figure(current=None, previous=None, unit="hours"), "", ""),
    ],
)
def test_trends_are_said_in_words(fig, words, judgement):
    assert tags.trend_words(fig) == words
    assert tags.trend_judgement(fig) == judgement


def test_a_trend_shows_arrow_words_and_judgement_not_colour_alone():
    html = render_to_string(
        "health/includes/_figure.html", {"figure": figure("answered_share", 52, 40, unit="%")}
    )

    assert "52%" in html
    assert '<span class="health-arrow" aria-hidden="true">▲</span> up 12 points from 40%' in html
    assert "(better)" in html
    assert "What answered_share counts." in html  # the definition is right there, not a tooltip


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234, "", "1,234"),
        (2.5, "", "2.5"),
        (7.25, "%", "7.2%"),
        (100.0, "%", "100%"),
        (1, "days", "1 day"),
    ],
)
def test_values_are_formatted_by_unit(value, unit, text):
    assert tags.format_value(value, unit) == text


def test_each_chart_says_how_to_read_it():
    requests, active, units = charts.health_charts(sample_health())

    assert "first reply from someone other than the asker" in requests.note
    assert "answered an RSVP" in active.note
    # The weeks are UTC weeks whatever the viewer's zone (health.metrics): the notes say so.
    assert "Monday at midnight UTC" in requests.note
    assert "Monday at midnight UTC" in active.note
    assert "dashed diagonal is help within the same unit" in units.note
