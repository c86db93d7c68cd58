"""The sponsor overview: one row per community a person sponsors, with a verdict and why.

Rows cover the live (approved, not archived) communities where the person is an
active sponsor; a site admin sees every live community. All the communities'
figures come from the same grouped queries as the health page
(`health.metrics`), so the overview costs the same at 1 community or 50.

Verdict rules, over the chosen period (figures as defined in `health.metrics`):

"needs help" when any of these holds:
  - 3 or more help requests have waited over 48 hours without a reply (now);
  - under half of the requests asked got a reply (once at least 3 were asked,
    so one fresh question does not condemn a quiet community);
  - the median first reply took more than 48 hours (again once at least 3
    were asked: one or two slow answers are no pattern, and would otherwise
    weigh more than the same requests left unanswered);
  - nobody was active.

"thriving" when none of those holds and all of these do:
  - at least 80% of the requests asked got a reply (and at least one was asked);
  - the median first reply took 24 hours or less;
  - active members are up or stable (at least 90% of the previous period's);
  - at least 30% of the answers crossed organisational units;
  - at least one meeting was held.

"steady" otherwise.

Reasons are short sentences with the numbers behind the verdict: for "needs
help" every rule that fired, for "steady" every thriving condition not met
(and any unanswered requests short of the alarm), for "thriving" what it met.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Value
from django.utils import timezone

from charter.models import CharterState, CharterVersion, VersionStatus
from communities.models import Community, Membership, Role

from .figures import Figure, Period
from .metrics import (
    active_members,
    charter_figures,
    help_figures,
    make_figure,
    median_figures,
    meeting_figures,
    membership_figures,
    reach_figures,
)

THRIVING, STEADY, NEEDS_HELP = "thriving", "steady", "needs help"
VERDICT_ORDER = {NEEDS_HELP: 0, STEADY: 1, THRIVING: 2}

OVERVIEW_KEYS = (
    "members_active",
    "members_joined",
    "requests_asked",
    "answered_share",
    "median_first_reply_hours",
    "unanswered_48h",
    "cross_unit_answer_share",
    "meetings_held",
    "days_since_approval",
)

# Needs help
UNANSWERED_ALARM = 3
ANSWERED_ALARM = 50.0  # %
ANSWERED_ALARM_MIN_ASKED = 3
FIRST_REPLY_ALARM = 48.0  # hours
# Thriving
ANSWERED_GOOD = 80.0  # %
FIRST_REPLY_GOOD = 24.0  # hours
ACTIVE_STABLE = 0.9  # of the previous period's active members
CROSS_UNIT_GOOD = 30.0  # %


@dataclass
class OverviewRow:
    community: Community
    figures: dict[str, Figure]
    verdict: str
    reasons: list[str] = field(default_factory=list)
    charter_awaiting_review: CharterVersion | None = None
    # Only a sponsor of the community may review its charter; a site admin sees every row.
    viewer_is_sponsor: bool = True


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 10:
        return f"{hours:g} h"
    return f"{hours:.0f} h"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def verdict_for(figures: dict[str, Figure], days: int) -> tuple[str, list[str]]:
    """The verdict and its reasons from a community's figures (see the module docstring)."""
    unanswered = figures["unanswered_48h"]
    asked = figures["requests_asked"].current
    answered = figures["answered_share"]
    first_reply = figures["median_first_reply_hours"]
    active = figures["members_active"]
    cross = figures["cross_unit_answer_share"].current
    meetings = figures["meetings_held"].current

    alarms = []
    if unanswered.current >= UNANSWERED_ALARM:
        alarms.append(
            _count(unanswered.current, "request", "requests")
            + f" unanswered for over 48 hours ({unanswered.previous} at the start of the period)"
        )
    if asked >= ANSWERED_ALARM_MIN_ASKED and answered.current < ANSWERED_ALARM:
        before = (
            f" ({_pct(answered.previous)} in the previous period)" if answered.previous is not None else ""
        )
        alarms.append(f"only {_pct(answered.current)} of {asked} requests got a reply{before}")
    if (
        asked >= ANSWERED_ALARM_MIN_ASKED
        and first_reply.current is not None
        and first_reply.current > FIRST_REPLY_ALARM
    ):
        if first_reply.previous is not None and first_reply.previous < first_reply.current:
            alarms.append(
                f"median first reply rose from {_duration(first_reply.previous)} "
                f"to {_duration(first_reply.current)}"
            )
        else:
            alarms.append(f"median first reply took {_duration(first_reply.current)}")
    if not active.current:
        alarms.append(f"nobody was active in the last {days} days")
    if alarms:
        return NEEDS_HELP, [_sentence(r) for r in alarms]

    met, unmet = [], []
    if not asked:
        unmet.append(f"no help requests were asked in the last {days} days")
    elif answered.current >= ANSWERED_GOOD:
        met.append(f"{_pct(answered.current)} of {_count(asked, 'request', 'requests')} got a reply")
    else:
        unmet.append(
            f"{_pct(answered.current)} of {_count(asked, 'request', 'requests')} got a reply "
            f"(thriving needs {_pct(ANSWERED_GOOD)})"
        )
    if first_reply.current is not None:
        if first_reply.current <= FIRST_REPLY_GOOD:
            met.append(f"median first reply took {_duration(first_reply.current)}")
        else:
            unmet.append(
                f"median first reply took {_duration(first_reply.current)} (thriving needs a day or less)"
            )
    elif asked:
        unmet.append("no request got a reply yet")
    previous_active = active.previous or 0
    if active.current >= ACTIVE_STABLE * previous_active:
        trend = (
            f"up from {previous_active}" if active.current > previous_active
            else "as many as the previous period"
        )
        met.append(f"{_count(active.current, 'active member', 'active members')}, {trend}")
    else:
        unmet.append(f"active members fell from {previous_active} to {active.current}")
    if cross is None:
        unmet.append("no answers between people of known units")
    elif cross >= CROSS_UNIT_GOOD:
        met.append(f"{_pct(cross)} of answers crossed units")
    else:
        unmet.append(f"{_pct(cross)} of answers crossed units (thriving needs {_pct(CROSS_UNIT_GOOD)})")
    if meetings:
        met.append(_count(meetings, "meeting", "meetings") + " held")
    else:
        unmet.append(f"no meeting held in the last {days} days")
    if unanswered.current:
        unmet.append(_count(unanswered.current, "request", "requests") + " unanswered for over 48 hours")
    if unmet:
        return STEADY, [_sentence(r) for r in unmet]
    return THRIVING, [_sentence(r) for r in met]


def _communities(user):
    """The live communities `user` sponsors (every live one for a site admin), each with `viewer_sponsors`."""
    if not user.is_authenticated:
        return []
    communities = Community.objects.live().not_archived()
    if user.is_superuser:
        communities = communities.annotate(
            viewer_sponsors=Exists(
                Membership.objects.filter(
                    community=OuterRef("pk"), user=user, is_active=True, role=Role.SPONSOR
                )
            )
        )
    else:
        communities = communities.filter(
            memberships__user=user, memberships__is_active=True, memberships__role=Role.SPONSOR
        ).annotate(viewer_sponsors=Value(True))
    return list(communities.order_by("name"))


def _awaiting_review(community_ids) -> dict[int, CharterVersion]:
    """The version each charter in review waits on (the latest submitted). One query."""
    versions = (
        CharterVersion.objects.filter(
            charter__community_id__in=community_ids,
            charter__state=CharterState.IN_REVIEW,
            status=VersionStatus.IN_REVIEW,
        )
        .select_related("charter__community", "author")
        .order_by("charter_id", "-number")
    )
    result: dict[int, CharterVersion] = {}
    for version in versions:
        result.setdefault(version.charter.community_id, version)
    return result


def sponsor_overview(user, *, period: Period, now: dt.datetime | None = None) -> list["OverviewRow"]:
    """A row per live community `user` sponsors (every live one for a site admin), needs help first.

    Nine queries whatever the number of communities (one when there are none).
    """
    now = now or timezone.now()
    communities = _communities(user)
    if not communities:
        return []
    ids = [c.pk for c in communities]
    values = {cid: {} for cid in ids}
    for part in (
        membership_figures(ids, period, only_joined=True),
        active_members(ids, period),
        help_figures(ids, period, now),
        median_figures(ids, period),
        reach_figures(ids, period),
        meeting_figures(ids, period),
        charter_figures(ids, period, now),
    ):
        for cid, figures in part.items():
            values[cid].update(figures)
    awaiting = _awaiting_review(ids)
    rows = []
    for community in communities:
        figures = {key: make_figure(key, *values[community.pk][key], period) for key in OVERVIEW_KEYS}
        verdict, reasons = verdict_for(figures, period.days)
        rows.append(
            OverviewRow(
                community=community,
                figures=figures,
                verdict=verdict,
                reasons=reasons,
                charter_awaiting_review=awaiting.get(community.pk),
                viewer_is_sponsor=community.viewer_sponsors,
            )
        )
    rows.sort(key=lambda row: (VERDICT_ORDER[row.verdict], row.community.name.lower()))
    return rows
