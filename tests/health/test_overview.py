"""The sponsor overview: whose communities, their key figures, the verdict rules and their reasons."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from charter.models import CharterState, VersionStatus
from communities.models import CommunityStatus, Role
from health.metrics import make_figure, period_for
from health.overview import (
    NEEDS_HELP,
    OVERVIEW_KEYS,
    STEADY,
    THRIVING,
    sponsor_overview,
    verdict_for,
)
from meetings.models import RsvpResponse
from tests.charter.factories import CharterFactory, CharterVersionFactory
from tests.factories import CommunityFactory, MembershipFactory, UnitFactory, UserFactory
from tests.health.factories import ask, person_with_history, reply
from tests.meetings.factories import MeetingSeriesFactory, OccurrenceFactory, RsvpFactory

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PERIOD = period_for(30, now=NOW)
# Communities (1), joined (1), active (1), help (1), medians (1), reach (1), meetings (1),
# charter (1), charters awaiting review (1).
QUERIES = 9


def ago(days=0, hours=0):
    return NOW - timedelta(days=days, hours=hours)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# The rules, on figures -------------------------------------------------------------

THRIVING_FIGURES = {
    "members_active": (10, 8),
    "members_joined": (2, 1),
    "requests_asked": (10, 8),
    "answered_share": (90.0, 80.0),
    "median_first_reply_hours": (5.0, 6.0),
    "unanswered_48h": (0, 0),
    "cross_unit_answer_share": (40.0, 35.0),
    "meetings_held": (2, 2),
    "days_since_approval": (30, None),
}


def verdict(**changes):
    values = {**THRIVING_FIGURES, **changes}
    return verdict_for({key: make_figure(key, *pair, PERIOD) for key, pair in values.items()}, 30)


def test_a_community_meeting_every_mark_is_thriving_and_says_why():
    assert verdict() == (
        THRIVING,
        [
            "90% of 10 requests got a reply.",
            "Median first reply took 5 h.",
            "10 active members, up from 8.",
            "40% of answers crossed units.",
            "2 meetings held.",
        ],
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"unanswered_48h": (3, 1)}, "3 requests unanswered for over 48 hours (1 at the start of the period)."),
        (
            {"answered_share": (40.0, 75.0)},
            "Only 40% of 10 requests got a reply (75% in the previous period).",
        ),
        ({"answered_share": (0.0, None), "requests_asked": (3, 0)}, "Only 0% of 3 requests got a reply."),
        ({"median_first_reply_hours": (60.0, 5.0)}, "Median first reply rose from 5 h to 60 h."),
        ({"median_first_reply_hours": (49.0, None)}, "Median first reply took 49 h."),
        ({"members_active": (0, 4)}, "Nobody was active in the last 30 days."),
    ],
)
def test_each_alarm_means_needs_help_with_its_numbers(changes, reason):
    assert verdict(**changes) == (NEEDS_HELP, [reason])


def test_every_alarm_that_fires_is_a_reason():
    result, reasons = verdict(unanswered_48h=(5, 5), members_active=(0, 0), median_first_reply_hours=(72.0, 80.0))

    assert result == NEEDS_HELP
    assert reasons == [
        "5 requests unanswered for over 48 hours (5 at the start of the period).",
        "Median first reply took 72 h.",
        "Nobody was active in the last 30 days.",
    ]


def test_a_low_answered_share_of_one_or_two_fresh_requests_is_no_alarm():
    result, reasons = verdict(requests_asked=(2, 0), answered_share=(0.0, None), median_first_reply_hours=(None, None))

    assert result == STEADY
    assert reasons == ["0% of 2 requests got a reply (thriving needs 80%).", "No request got a reply yet."]


def test_one_slow_answer_in_a_quiet_period_is_no_alarm():
    # Answered late is no worse than not answered at all (above): steady, and the wait said.
    result, reasons = verdict(
        requests_asked=(1, 0), answered_share=(100.0, None), median_first_reply_hours=(50.0, None)
    )

    assert result == STEADY
    assert reasons == ["Median first reply took 50 h (thriving needs a day or less)."]
    assert verdict(requests_asked=(3, 0), median_first_reply_hours=(50.0, None)) == (
        NEEDS_HELP,
        ["Median first reply took 50 h."],
    )


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"meetings_held": (0, 2)}, ["No meeting held in the last 30 days."]),
        ({"cross_unit_answer_share": (20.0, 35.0)}, ["20% of answers crossed units (thriving needs 30%)."]),
        ({"cross_unit_answer_share": (None, None)}, ["No answers between people of known units."]),
        ({"members_active": (7, 10)}, ["Active members fell from 10 to 7."]),
        ({"answered_share": (70.0, 80.0)}, ["70% of 10 requests got a reply (thriving needs 80%)."]),
        ({"median_first_reply_hours": (30.0, 20.0)}, ["Median first reply took 30 h (thriving needs a day or less)."]),
        (
            {"requests_asked": (0, 3), "answered_share": (None, 100.0), "median_first_reply_hours": (None, 2.0),
             "cross_unit_answer_share": (None, 50.0)},
            ["No help requests were asked in the last 30 days.", "No answers between people of known units."],
        ),
        ({"unanswered_48h": (2, 0)}, ["2 requests unanswered for over 48 hours."]),
    ],
)
def test_short_of_a_thriving_mark_is_steady_and_names_what_is_missing(changes, reasons):
    assert verdict(**changes) == (STEADY, reasons)


def test_active_members_within_ten_percent_of_before_count_as_stable():
    assert verdict(members_active=(9, 10))[0] == THRIVING
    assert verdict(members_active=(10, 10))[1][2] == "10 active members, as many as the previous period."
    assert verdict(members_active=(8, 10))[0] == STEADY


def test_short_waits_read_in_minutes_and_fractions_of_hours():
    assert "Median first reply took 45 min." in verdict(median_first_reply_hours=(0.75, 1.0))[1]
    assert "Median first reply took 2.5 h." in verdict(median_first_reply_hours=(2.5, 1.0))[1]


# The overview, on data -------------------------------------------------------------


def sponsored_by(user, name, **kwargs):
    community = CommunityFactory(name=name, **kwargs)
    MembershipFactory(community=community, user=user, role=Role.SPONSOR)
    return community


def busy(community, *, cross_unit=True, meeting=True, unanswered=0):
    """Members active in both periods (more now), requests answered in 2 hours, optionally a meeting."""
    ours, theirs = UnitFactory(name=f"{community.name} unit"), UnitFactory(name=f"{community.name} other")
    helper = person_with_history(community, (ago(200), None), unit=theirs if cross_unit else ours)
    askers = [person_with_history(community, (ago(200), None), unit=ours) for _ in range(4)]
    for n, asker in enumerate(askers):
        reply(ask(community, asker, ago(3 + n)), helper, ago(3 + n) + timedelta(hours=2))
    reply(ask(community, askers[0], ago(40)), helper, ago(40) + timedelta(hours=3))
    for n in range(unanswered):
        ask(community, askers[n % 4], ago(5 + n))
    if meeting:
        held = OccurrenceFactory(
            series=MeetingSeriesFactory(community=community), starts_at=ago(6), ends_at=ago(6) + timedelta(hours=1)
        )
        RsvpFactory(occurrence=held, user=askers[0], response=RsvpResponse.GOING, attended=True)
    return community


def test_the_sponsor_sees_their_communities_with_verdicts_needs_help_first(sponsor, community, private_community):
    thriving = busy(sponsored_by(sponsor, "Anaesthesia"))
    steady = busy(sponsored_by(sponsor, "Billing"), meeting=False)
    needs_help = busy(sponsored_by(sponsor, "Coding Standards"), unanswered=5)

    rows = sponsor_overview(sponsor, period=PERIOD, now=NOW)

    assert [(row.community, row.verdict) for row in rows] == [
        (needs_help, NEEDS_HELP),
        (private_community, NEEDS_HELP),  # persona communities: nobody active
        (community, NEEDS_HELP),
        (steady, STEADY),
        (thriving, THRIVING),
    ]
    by_name = {row.community.name: row for row in rows}
    assert by_name["Coding Standards"].reasons == [
        "5 requests unanswered for over 48 hours (0 at the start of the period).",
        "Only 44% of 9 requests got a reply (100% in the previous period).",
    ]
    assert by_name["Billing"].reasons == ["No meeting held in the last 30 days."]
    assert by_name["Anaesthesia"].reasons == [
        "100% of 4 requests got a reply.",
        "Median first reply took 2 h.",
        "5 active members, up from 2.",
        "100% of answers crossed units.",
        "1 meeting held.",
    ]
    assert by_name["Kubernetes Practitioners"].reasons == ["Nobody was active in the last 30 days."]


def test_each_row_carries_the_key_figures_with_trends(sponsor):
    busy(sponsored_by(sponsor, "Anaesthesia"))

    row = next(r for r in sponsor_overview(sponsor, period=PERIOD, now=NOW) if r.community.name == "Anaesthesia")

    assert tuple(row.figures) == OVERVIEW_KEYS
    values = {key: (f.current, f.previous) for key, f in row.figures.items()}
    assert values == {
        "members_active": (5, 2),
        "members_joined": (0, 0),
        "requests_asked": (4, 1),
        "answered_share": (100.0, 100.0),
        "median_first_reply_hours": (2.0, 3.0),
        "unanswered_48h": (0, 0),
        "cross_unit_answer_share": (100.0, 100.0),
        "meetings_held": (1, 0),
        "days_since_approval": (None, None),
    }
    assert row.figures["answered_share"].definition.startswith("Of the help requests asked in the last 30 days")


def test_the_sponsor_does_not_see_communities_they_do_not_sponsor(sponsor, community, private_community):
    member_only = CommunityFactory(name="Member only")
    MembershipFactory(community=member_only, user=sponsor, role=Role.MODERATOR)
    left = CommunityFactory(name="Left")
    MembershipFactory(community=left, user=sponsor, role=Role.SPONSOR, is_active=False, left_at=ago(3))
    sponsored_by(sponsor, "Proposed", status=CommunityStatus.PROPOSED)
    sponsored_by(sponsor, "Archived", is_archived=True)
    sponsored_by(UserFactory(), "Someone else's")

    rows = sponsor_overview(sponsor, period=PERIOD, now=NOW)

    assert {row.community for row in rows} == {community, private_community}


def test_a_person_sponsoring_nothing_gets_no_rows(member):
    assert sponsor_overview(member, period=PERIOD, now=NOW) == []


def test_an_anonymous_visitor_gets_no_rows(community):
    assert sponsor_overview(AnonymousUser(), period=PERIOD, now=NOW) == []


def test_a_site_admin_sees_every_live_community(site_admin, community, private_community):
    other = CommunityFactory(name="Nobody sponsors this")
    CommunityFactory(name="Proposed", status=CommunityStatus.PROPOSED)
    CommunityFactory(name="Archived", is_archived=True)

    rows = sponsor_overview(site_admin, period=PERIOD, now=NOW)

    assert {row.community for row in rows} == {community, private_community, other}


def test_a_charter_in_review_is_linked_from_its_row(sponsor, community):
    charter = CharterFactory(community=community, state=CharterState.IN_REVIEW)
    approved = CharterVersionFactory(charter=charter, number=1, status=VersionStatus.APPROVED, reviewed_at=ago(90))
    charter.approved_version = approved
    charter.save()
    waiting = CharterVersionFactory(charter=charter, number=2)
    changes = CharterFactory(community=CommunityFactory(), state=CharterState.CHANGES_REQUESTED)
    MembershipFactory(community=changes.community, user=sponsor, role=Role.SPONSOR)
    CharterVersionFactory(charter=changes, number=1, status=VersionStatus.CHANGES_REQUESTED)

    rows = {row.community: row for row in sponsor_overview(sponsor, period=PERIOD, now=NOW)}

    assert rows[community].charter_awaiting_review == waiting
    assert rows[community].figures["days_since_approval"].current == 90
    assert rows[changes.community].charter_awaiting_review is None


def test_the_overview_costs_the_same_queries_for_one_or_ten_communities(sponsor, community, private_community):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            read = []
            for row in sponsor_overview(sponsor, period=PERIOD, now=NOW):  # what the page reads
                read.append(row.community.slug)
                if version := row.charter_awaiting_review:
                    read += [version.charter.community.slug, version.author.name, version.number]
        assert read
        return len(captured.captured_queries)

    busy(community)
    assert queries() == QUERIES

    for n in range(8):
        place = busy(sponsored_by(sponsor, f"Community {n}"), unanswered=n % 4)
        charter = CharterFactory(community=place, state=CharterState.IN_REVIEW)
        CharterVersionFactory(charter=charter, number=1)
    assert len(sponsor_overview(sponsor, period=PERIOD, now=NOW)) == 10
    assert queries() == QUERIES
