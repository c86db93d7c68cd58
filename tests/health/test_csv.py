"""The CSV export of a community's health: every figure, the further blocks, no formulas.

The first part builds the CSV from a hand-made `CommunityHealth`; the second
downloads it through the view and reads it back with the `csv` module.
"""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from health.csv import FIGURE_HEADER, csv_filename, health_csv, safe_cell
from health.figures import ObjectiveStories, UnitCell
from tests.health.test_charts import sample_health


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def blocks(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The CSV's blocks by the first cell of their header row."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in rows:
        if not row:
            current = []
            continue
        if not current:
            found[row[0]] = current
        current.append(row)
    return found


def test_first_block_has_one_row_per_figure_with_raw_numbers():
    health = sample_health()

    rows = read(health_csv(health))

    assert rows[0] == FIGURE_HEADER
    figures = {row[1]: row for row in blocks(rows)["section"][1:]}
    assert set(figures) == {f.key for f in health.figures()} | {"revisit_by"}
    assert figures["median_first_reply_hours"] == [
        "help",
        "median_first_reply_hours",
        "Median first reply hours",
        "31.0",
        "5.0",
        "hours",
        "What median_first_reply_hours counts.",
    ]
    assert figures["cross_unit_answer_share"][3:5] == ["60.0", ""]  # no previous figure: empty
    assert figures["revisit_by"][3] == "2025-09-01"


def test_sections_come_in_page_order():
    rows = read(health_csv(sample_health()))

    sections = [row[0] for row in blocks(rows)["section"][1:]]
    assert sections == sorted(
        sections, key=["members", "help", "reach", "meetings", "charter"].index
    )


def test_further_blocks_hold_period_weeks_units_objectives_and_value_matrix():
    rows = blocks(read(health_csv(sample_health())))

    assert rows["period"][1][1:] == [
        "2025-05-02T00:00:00+00:00",
        "2025-06-01T00:00:00+00:00",
        "2025-04-02T00:00:00+00:00",
        "2025-05-02T00:00:00+00:00",
        "30",
    ]
    assert rows["week_start"][0] == ["week_start", "asked", "answered", "active"]
    assert rows["week_start"][1] == ["2025-03-03", "3", "2", "10"]
    assert len(rows["week_start"]) == 1 + 4
    assert ["Radiology IT", "Platform Engineering", "9"] in rows["answerer_unit"]
    assert rows["objective"][1] == ["Answer every newcomer within a day", "4", "no"]
    assert rows["beneficiary"][1:] == [
        ["organisation", "short", "3", "240"],
        ["organisation", "long", "1", "0"],
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_is_quoted(start):
    assert safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_numbers_are_left_as_numbers_even_when_negative():
    assert safe_cell(-3) == -3
    assert safe_cell(2.5) == 2.5
    assert safe_cell(None) == ""
    assert safe_cell(True) == "yes"


def test_formulas_in_names_and_titles_are_neutralised_in_the_file():
    health = sample_health(objectives=[], unit_matrix=[])
    health.objectives.append(ObjectiveStories('=HYPERLINK("http://evil")', 1))
    health.unit_matrix.append(UnitCell(asker_unit="@cmd", answerer_unit="+Sales", answers=2))

    rows = read(health_csv(health))

    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'@cmd" in cells and "'+Sales" in cells
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)


def test_an_empty_health_still_has_every_block():
    health = sample_health(
        weekly=[], unit_matrix=[], objectives=[], value_matrix=[], revisit_by=None
    )

    rows = blocks(read(health_csv(health)))

    assert set(rows) == {
        "section",
        "period",
        "week_start",
        "answerer_unit",
        "objective",
        "beneficiary",
    }
    assert {r[1]: r for r in rows["section"]}["revisit_by"][3] == ""


def test_filename_names_community_period_and_day():
    assert (
        csv_filename("kubernetes", 90, dt.date(2025, 6, 1))
        == "kubernetes-health-90d-2025-06-01.csv"
    )


# Through the view --------------------------------------------------------------


def download(client, user, slug="kubernetes", days=None):
    client.force_login(user)
    url = reverse("health:community_csv", args=[slug])
    return client.get(url, {"days": days} if days else {})


def test_sponsor_downloads_the_csv_as_an_attachment(client, sponsor, community):
    with time_machine.travel(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        response = download(client, sponsor, days=90)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="kubernetes-health-90d-2025-06-01.csv"'
    )


def test_downloaded_csv_parses_and_holds_every_figure_key(client, moderator, community):
    from health.metrics import community_health, period_for

    response = download(client, moderator)

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    rows = blocks(read(text.removeprefix("\ufeff")))
    keys = {row[1] for row in rows["section"][1:]}
    expected = {f.key for f in community_health(community, period=period_for(30)).figures()}
    assert expected <= keys
    assert {
        "members_total",
        "members_joined",
        "members_left",
        "members_active",
        "newcomers",
        "newcomers_replied_share",
        "requests_asked",
        "answered_share",
        "solved_share",
        "median_first_reply_hours",
        "median_accepted_hours",
        "unanswered_48h",
        "units_represented",
        "cross_unit_answer_share",
        "meetings_held",
        "meeting_rsvps",
        "meeting_attended",
        "days_since_approval",
        "revisit_by",
    } <= keys
    assert rows["period"][1][-1] == "30"


def test_a_bad_period_downloads_thirty_days(client, sponsor, community):
    response = download(client, sponsor, days="forever")

    assert response.status_code == 200
    assert "-health-30d-" in response["Content-Disposition"]


def test_member_cannot_download_while_the_page_is_closed_to_members(client, member, community):
    assert download(client, member).status_code == 403

    community.health_visible_to_members = True
    community.save(update_fields=["health_visible_to_members"])

    assert download(client, member).status_code == 200
