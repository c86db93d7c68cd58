"""A community's health figures, computed from what the platform already records.

Every figure is an aggregate over the database, grouped by community, so the
query count is fixed whatever the community's size, and the sponsor overview
(`health.overview`) computes many communities with the same queries. Each
figure has the chosen period's value and the previous period's beside it; the
definition shown next to each number (`FIGURE_TEXT`) is the rule coded here.

Rules worth knowing before reading the numbers:

- Membership history. A `Membership` row keeps one person's latest stint in a
  community (`joined_at` .. `left_at`, `is_active`) and `first_joined_at`. The
  audit log keeps every earlier join and leave: JOINED (one click, accepted
  invitation), REQUEST_APPROVED (a join request approved) and CREATED (the
  creator, first moderator) are joins; LEFT is a leave. Someone was a member at
  time T when T falls in their latest stint, or, for T before it, when they had
  first joined by T and their last join/leave event up to T was not a leave.
  So a person who left and rejoined counts as a member only while inside a
  stint, and once however many times they joined.
- Removed requests and replies count for nothing; nor do replies to removed
  requests. A reply by the asker is not an answer (`HelpRequest.first_reply_at`
  is the first visible reply by someone other than the asker, kept by the
  posting and moderation services).
- Answered and solved are judged at the end of each period, so the previous
  period's share is what it was then, not what it became later.
- Units: a request and a reply store their author's unit when they were
  written (`author_unit`), so moving people do not rewrite cross-silo history;
  "units represented" uses each member's current unit.
- Weeks start on Monday, in UTC.
"""

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from charter.models import Charter, CharterVersion, Objective, VersionStatus
from charter.selectors.stories import value_matrix
from communities.kinds import AuditAction
from communities.models import AuditEvent, Membership
from discussions.models import HelpfulVote, HelpRequest, Reply, RequestStatus
from meetings.models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse

from .figures import CommunityHealth, Figure, ObjectiveStories, Period, SeriesPoint, UnitCell

PERIOD_DAYS = (30, 90, 365)
UNANSWERED_AFTER = dt.timedelta(hours=48)
MIN_WEEKS = 12
UNKNOWN_UNIT = "Unknown unit"

JOIN_ACTIONS = (AuditAction.JOINED, AuditAction.REQUEST_APPROVED, AuditAction.CREATED)
HISTORY_ACTIONS = (*JOIN_ACTIONS, AuditAction.LEFT)
RSVP_ANSWERS = (RsvpResponse.GOING, RsvpResponse.MAYBE)

# Sections of the page, in order. Unit: "" for a count, "%" for a share (0-100),
# "hours" or "days". higher_is_better: True/False, None when neither.
FIGURE_TEXT: dict[str, dict] = {
    # Members
    "members_total": {
        "label": "Members",
        "definition": (
            "People who were members at the end of the period. Someone who left and came back "
            "counts once, and only if they were a member at that moment (their joins and leaves "
            "are taken from the membership history)."
        ),
    },
    "members_joined": {
        "label": "Joined",
        "definition": (
            "People who joined in the last {days} days: by clicking join, accepting an "
            "invitation, having a join request approved, or coming back after leaving. "
            "Each person counts once, even if they joined twice."
        ),
    },
    "members_left": {
        "label": "Left",
        "definition": (
            "People who left in the last {days} days, counted once each, even if they came back later."
        ),
        "higher_is_better": False,
    },
    "members_active": {
        "label": "Active members",
        "definition": (
            "People who, in the last {days} days, asked a help request, replied, marked a reply "
            "helpful, answered going or maybe to a meeting, or were recorded as attending one. "
            "Removed posts, and votes on removed replies, don't count. Each person counts once."
        ),
    },
    "newcomers": {
        "label": "Newcomers",
        "definition": (
            "People who joined the community for the first time in the last {days} days. "
            "Members coming back after leaving are not newcomers."
        ),
    },
    "newcomers_replied_share": {
        "label": "Newcomers who got a reply",
        "unit": "%",
        "definition": (
            "Of the newcomers who asked a help request in the last {days} days, the share whose "
            "request got a reply from someone else by the end of the period. Their own replies "
            "and removed replies don't count. Empty when no newcomer asked anything."
        ),
    },
    # Help
    "requests_asked": {
        "label": "Help requests asked",
        "definition": "Help requests asked in the last {days} days. Removed requests don't count.",
        # More questions is a busier community, not a better or worse one.
        "higher_is_better": None,
    },
    "answered_share": {
        "label": "Answered",
        "unit": "%",
        "definition": (
            "Of the help requests asked in the last {days} days, the share that got a reply from "
            "someone other than the asker by the end of the period. The asker's own replies and "
            "removed replies don't count. Empty when nothing was asked."
        ),
    },
    "solved_share": {
        "label": "Solved",
        "unit": "%",
        "definition": (
            "Of the help requests asked in the last {days} days, the share with an accepted "
            "answer by the end of the period. Empty when nothing was asked."
        ),
    },
    "median_first_reply_hours": {
        "label": "Median time to first reply",
        "unit": "hours",
        "higher_is_better": False,
        "definition": (
            "For the help requests asked in the last {days} days that got a reply from someone "
            "other than the asker, the median time from asking to that first reply (half were "
            "answered faster, half slower). Requests still waiting are not in it: see "
            "“Unanswered for over 48 hours”. Empty when no request got a reply."
        ),
    },
    "median_accepted_hours": {
        "label": "Median time to accepted answer",
        "unit": "hours",
        "higher_is_better": False,
        "definition": (
            "For the help requests asked in the last {days} days that have an accepted answer, "
            "the median time from asking to accepting it. Empty when none was accepted."
        ),
    },
    "unanswered_48h": {
        "label": "Unanswered for over 48 hours",
        "higher_is_better": False,
        "definition": (
            "Help requests, of any age, asked more than 48 hours ago that still have no reply "
            "from anyone but the asker and no accepted answer, counted now. Removed requests "
            "don't count. The previous figure is the same count as it stood at the end of the "
            "previous period."
        ),
    },
    # Cross-silo reach
    "units_represented": {
        "label": "Units represented",
        "definition": (
            "Organisational units (departments, sites) of the people who were members at the end "
            "of the period, by each person's current unit; people without a unit are left out."
        ),
    },
    "cross_unit_answer_share": {
        "label": "Answers across units",
        "unit": "%",
        "definition": (
            "Of the replies posted in the last {days} days to someone else's help request, where "
            "both the asker's and the replier's unit are known (as they were when each posted), "
            "the share where the replier was in a different unit from the asker. Removed replies "
            "and replies to removed requests don't count. Empty when there were none."
        ),
    },
    # Meetings
    "meetings_held": {
        "label": "Meetings held",
        "definition": "Meetings that ended in the last {days} days. Cancelled meetings don't count.",
    },
    "meeting_rsvps": {
        "label": "RSVPs",
        "definition": (
            "Going or maybe answers to the meetings held in the last {days} days, "
            "waiting list included."
        ),
    },
    "meeting_attended": {
        "label": "Attended",
        "definition": (
            "People recorded as attending the meetings held in the last {days} days. Empty when "
            "no attendance was recorded for any of those meetings."
        ),
    },
    # Charter
    "days_since_approval": {
        "label": "Days since charter approval",
        "unit": "days",
        "higher_is_better": None,
        "definition": (
            "Whole days since a sponsor approved the charter version now in force. The previous "
            "figure is as it stood at the end of the previous period. Empty when no version was "
            "approved (yet)."
        ),
    },
}

SECTIONS = {
    "members": (
        "members_total", "members_joined", "members_left", "members_active", "newcomers",
        "newcomers_replied_share",
    ),
    "help": (
        "requests_asked", "answered_share", "solved_share", "median_first_reply_hours",
        "median_accepted_hours", "unanswered_48h",
    ),
    "reach": ("units_represented", "cross_unit_answer_share"),
    "meetings": ("meetings_held", "meeting_rsvps", "meeting_attended"),
    "charter": ("days_since_approval",),
}


def period_for(days: int, *, now: dt.datetime | None = None) -> Period:
    """The `days` days up to `now`, e.g. `?days=90` on the health page."""
    if days not in PERIOD_DAYS:
        raise ValueError(f"A period is {', '.join(map(str, PERIOD_DAYS))} days, not {days}.")
    end = now or timezone.now()
    return Period(start=end - dt.timedelta(days=days), end=end, days=days)


def make_figure(key: str, current, previous, period: Period) -> Figure:
    text = FIGURE_TEXT[key]
    return Figure(
        key=key,
        label=text["label"],
        definition=text["definition"].format(days=period.days),
        current=current,
        previous=previous,
        unit=text.get("unit", ""),
        higher_is_better=text.get("higher_is_better", True),
    )


# Small helpers -------------------------------------------------------------


def _within(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _bucket(field: str, period: Period) -> Case:
    """1 for a time in `period`, 0 for one in the period before (rows are already limited to both)."""
    return Case(
        When(**{f"{field}__gte": period.start}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _hours(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    return round(seconds / 3600, 1)


def _week_date(value) -> dt.date:
    """A truncated week as the database hands it back through a raw cursor or the ORM."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _by_community(rows: Iterable[dict], key: str = "community_id") -> dict[int, dict]:
    return {row[key]: row for row in rows}


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: the median, interpolated between the middle two."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _python_median(values: list) -> float | None:
    return statistics.median(values) if values else None


def _count_distinct(querysets: list, groups: tuple[str, ...], columns=("u",)) -> dict[tuple, list[int]]:
    """COUNT(DISTINCT column) for each of `columns`, grouped by `groups`, over the UNION ALL of `querysets`.

    One query. Each queryset selects the same named columns in the same order. The
    ORM cannot group a union, so its compiled SQL (backend functions such as
    TruncWeek included) is wrapped in a grouping SELECT.
    """
    combined = querysets[0].union(*querysets[1:], all=True)
    sql, params = combined.query.get_compiler(using=combined.db).as_sql()
    # Constant column names, never user input.
    group_by = ", ".join(groups)
    counts = ", ".join(f"COUNT(DISTINCT {column})" for column in columns)
    query = f"SELECT {group_by}, {counts} FROM ({sql}) rows_ GROUP BY {group_by}"  # noqa: S608
    with connections[combined.db].cursor() as cursor:
        cursor.execute(query, params)
        return {tuple(row[: len(groups)]): list(row[len(groups) :]) for row in cursor.fetchall()}


def _activity(community_ids, since: dt.datetime, until: dt.datetime, key: Callable[[str], object]) -> list:
    """Who did something in each community between `since` and `until`: one queryset per kind.

    Columns: c (community), u (person), k (`key(time field)`: a period bucket or a week).
    """
    def part(queryset, community: str, person: str, when: str):
        return (
            queryset.filter(**{f"{when}__gte": since, f"{when}__lt": until})
            .values(c=F(community), u=F(person), k=key(when))
            .order_by()
        )

    return [
        part(
            HelpRequest.objects.visible().filter(
                community_id__in=community_ids, author__isnull=False
            ),
            "community_id", "author_id", "created_at",
        ),
        part(
            Reply.objects.visible().filter(
                help_request__community_id__in=community_ids,
                help_request__is_removed=False,
                author__isnull=False,
            ),
            "help_request__community_id", "author_id", "created_at",
        ),
        part(
            HelpfulVote.objects.filter(
                reply__help_request__community_id__in=community_ids,
                reply__is_removed=False,
                reply__help_request__is_removed=False,
            ),
            "reply__help_request__community_id", "user_id", "created_at",
        ),
        part(
            Rsvp.objects.filter(
                occurrence__community_id__in=community_ids, response__in=RSVP_ANSWERS
            ),
            "occurrence__community_id", "user_id", "responded_at",
        ),
        part(
            Rsvp.objects.filter(
                occurrence__community_id__in=community_ids,
                occurrence__status=OccurrenceStatus.SCHEDULED,
                attended=True,
            ),
            "occurrence__community_id", "user_id", "occurrence__ends_at",
        ),
    ]


# Grouped figures: {community_id: {key: (current, previous)}} ----------------


def _pairs(community_ids) -> dict[int, dict]:
    return {cid: {} for cid in community_ids}


def _last_membership_event(at: dt.datetime):
    """The person's last join or leave in the community up to `at` ("" when none is recorded)."""
    latest = (
        AuditEvent.objects.filter(
            community_id=OuterRef("community_id"),
            subject_id=OuterRef("user_id"),
            action__in=HISTORY_ACTIONS,
            created_at__lte=at,
        )
        .order_by("-created_at", "-id")
        .values("action")[:1]
    )
    return Coalesce(Subquery(latest), Value(""))


def _membership_counts(community_ids, period: Period, *, only_joined: bool = False) -> dict[tuple, list[int]]:
    """Distinct people (and units) per (community, kind, period), k=1 this period and 0 the previous.

    One query over a union of the membership rows, the join/leave history and the
    newcomers' requests. Kinds:

    - "member": members at the end of each period. People in their latest stint at
      T come from the membership row; people whose latest stint began after T were
      members at T when their last join/leave event by then was a join. The two sets
      are disjoint, and the correlated look-up of the last event runs only on the
      second, small one (people who came back).
    - "joined": the start of the row's first or latest stint, or a join event in the
      audit log (which keeps the stints in between) in the period; "left": the row's
      `left_at` or a LEFT event. A person counts once per period however often.
    - "newcomer": first joined in the period; "newcomer_asked": a newcomer who asked
      a request in the period; "newcomer_answered": one whose request got a reply
      from someone else by the end of the period.
    """
    since, until = period.previous.start, period.end
    memberships = Membership.objects.filter(community_id__in=community_ids)
    events = AuditEvent.objects.filter(community_id__in=community_ids, subject__isnull=False)
    no_unit = Value(None, output_field=IntegerField())

    def part(queryset, kind: str, k, person: str, unit=no_unit):
        return (
            queryset.values(c=F("community_id"), kind=Value(kind), k=k, u=F(person), unit=unit)
            .order_by()
        )

    def moved(queryset, kind: str, person: str, when: str):
        window = queryset.filter(**{f"{when}__gte": since, f"{when}__lt": until})
        return part(window, kind, _bucket(when, period), person)

    parts = []
    if not only_joined:
        for k, at in ((1, period.end), (0, period.start)):
            in_latest_stint = memberships.filter(
                Q(joined_at__lte=at) & (Q(is_active=True) | Q(left_at__gt=at))
            )
            in_earlier_stint = (
                memberships.filter(first_joined_at__lte=at, joined_at__gt=at)
                .alias(last_event=_last_membership_event(at))
                .exclude(last_event=AuditAction.LEFT)
            )
            for queryset in (in_latest_stint, in_earlier_stint):
                parts.append(part(queryset, "member", Value(k), "user_id", unit=F("user__unit_id")))
    parts += [
        moved(memberships, "joined", "user_id", "first_joined_at"),
        moved(memberships, "joined", "user_id", "joined_at"),
        moved(events.filter(action__in=JOIN_ACTIONS), "joined", "subject_id", "created_at"),
    ]
    if not only_joined:
        parts += [
            moved(memberships, "left", "user_id", "left_at"),
            moved(events.filter(action=AuditAction.LEFT), "left", "subject_id", "created_at"),
            moved(memberships, "newcomer", "user_id", "first_joined_at"),
        ]
        for k, p in ((1, period), (0, period.previous)):
            asked_by_newcomers = HelpRequest.objects.visible().filter(
                _within("created_at", p),
                community_id__in=community_ids,
                # One filter() call: the same membership row, the asker's in this community.
                author__memberships__community_id=F("community_id"),
                author__memberships__first_joined_at__gte=p.start,
                author__memberships__first_joined_at__lt=p.end,
            )
            parts += [
                part(asked_by_newcomers, "newcomer_asked", Value(k), "author_id"),
                part(
                    asked_by_newcomers.filter(first_reply_at__lt=p.end),
                    "newcomer_answered",
                    Value(k),
                    "author_id",
                ),
            ]
    return _count_distinct(parts, groups=("c", "kind", "k"), columns=("u", "unit"))


def membership_figures(community_ids, period: Period, *, only_joined: bool = False) -> dict[int, dict]:
    """Members total, joined, left, newcomers and their replies, units represented. One query.

    With `only_joined` (the sponsor overview) just who joined.
    """
    counts = _membership_counts(community_ids, period, only_joined=only_joined)

    def pair(cid: int, kind: str, column: int = 0) -> tuple[int, int]:
        return tuple(counts.get((cid, kind, k), [0, 0])[column] for k in (1, 0))

    result = _pairs(community_ids)
    for cid, figures in result.items():
        figures["members_joined"] = pair(cid, "joined")
        if only_joined:
            continue
        figures["members_total"] = pair(cid, "member")
        figures["members_left"] = pair(cid, "left")
        figures["newcomers"] = pair(cid, "newcomer")
        figures["units_represented"] = pair(cid, "member", column=1)
        asked, answered = pair(cid, "newcomer_asked"), pair(cid, "newcomer_answered")
        figures["newcomers_replied_share"] = (
            _share(answered[0], asked[0]),
            _share(answered[1], asked[1]),
        )
    return result


def active_members(community_ids, period: Period) -> dict[int, dict]:
    """Distinct active people per community, this period and the previous one. One query."""
    counts = _count_distinct(
        _activity(community_ids, period.previous.start, period.end, key=lambda when: _bucket(when, period)),
        groups=("c", "k"),
    )
    return {
        cid: {"members_active": (counts.get((cid, 1), [0])[0], counts.get((cid, 0), [0])[0])}
        for cid in community_ids
    }


def _unanswered_at(at: dt.datetime) -> Q:
    """Asked over 48 h before `at`, and by `at` no reply from someone else nor an accepted answer."""
    return (
        Q(created_at__lte=at - UNANSWERED_AFTER)
        & ~Q(status=RequestStatus.CLOSED)
        & (Q(first_reply_at__isnull=True) | Q(first_reply_at__gt=at))
        & (Q(accepted_at__isnull=True) | Q(accepted_at__gt=at))
    )


def help_figures(community_ids, period: Period, now: dt.datetime) -> dict[int, dict]:
    """Requests asked, answered and solved shares, unanswered over 48 h. One query."""
    aggregates = {
        "unanswered_cur": Count("id", filter=_unanswered_at(now)),
        "unanswered_prev": Count("id", filter=_unanswered_at(period.start)),
    }
    for name, p in (("cur", period), ("prev", period.previous)):
        asked = _within("created_at", p)
        aggregates.update({
            f"asked_{name}": Count("id", filter=asked),
            f"answered_{name}": Count("id", filter=asked & Q(first_reply_at__lt=p.end)),
            f"solved_{name}": Count("id", filter=asked & Q(accepted_at__lt=p.end)),
        })
    rows = _by_community(
        HelpRequest.objects.visible()
        .filter(community_id__in=community_ids)
        .values("community_id")
        .annotate(**aggregates)
        .order_by()
    )
    result = _pairs(community_ids)
    for cid, figures in result.items():
        row = rows.get(cid, {})
        asked = row.get("asked_cur", 0), row.get("asked_prev", 0)
        figures["requests_asked"] = asked
        figures["answered_share"] = (
            _share(row.get("answered_cur", 0), asked[0]),
            _share(row.get("answered_prev", 0), asked[1]),
        )
        figures["solved_share"] = (
            _share(row.get("solved_cur", 0), asked[0]),
            _share(row.get("solved_prev", 0), asked[1]),
        )
        figures["unanswered_48h"] = row.get("unanswered_cur", 0), row.get("unanswered_prev", 0)
    return result


def median_figures(community_ids, period: Period) -> dict[int, dict]:
    """Median hours to first reply and to accepted answer. One query on either database.

    PostgreSQL computes `percentile_cont` per community; SQLite (development and
    tests) has no percentile, so the timestamps of the requests in both periods
    come back and Python takes the medians.
    """
    cur, prev = period, period.previous
    requests = HelpRequest.objects.visible().filter(
        community_id__in=community_ids,
        created_at__gte=prev.start,
        created_at__lt=cur.end,
    )
    result = _pairs(community_ids)
    if connections[requests.db].vendor == "postgresql":
        waits = {
            "first": ExpressionWrapper(F("first_reply_at") - F("created_at"), output_field=DurationField()),
            "accepted": ExpressionWrapper(F("accepted_at") - F("created_at"), output_field=DurationField()),
        }
        aggregates = {}
        for name, p in (("cur", cur), ("prev", prev)):
            asked = _within("created_at", p)
            aggregates[f"first_{name}"] = Median(
                waits["first"], filter=asked & Q(first_reply_at__lt=p.end), output_field=DurationField()
            )
            aggregates[f"accepted_{name}"] = Median(
                waits["accepted"], filter=asked & Q(accepted_at__lt=p.end), output_field=DurationField()
            )
        rows = _by_community(requests.values("community_id").annotate(**aggregates).order_by())
        for cid, figures in result.items():
            row = rows.get(cid, {})
            figures["median_first_reply_hours"] = _hours(row.get("first_cur")), _hours(row.get("first_prev"))
            figures["median_accepted_hours"] = (
                _hours(row.get("accepted_cur")),
                _hours(row.get("accepted_prev")),
            )
        return result

    waits: dict[tuple[int, str, str], list[float]] = defaultdict(list)
    for cid, created, first, accepted in requests.values_list(
        "community_id", "created_at", "first_reply_at", "accepted_at"
    ).order_by():
        name, p = ("cur", cur) if created >= cur.start else ("prev", prev)
        if first is not None and first < p.end:
            waits[(cid, name, "first")].append((first - created).total_seconds())
        if accepted is not None and accepted < p.end:
            waits[(cid, name, "accepted")].append((accepted - created).total_seconds())
    for cid, figures in result.items():
        figures["median_first_reply_hours"] = tuple(
            _hours(_python_median(waits[(cid, name, "first")])) for name in ("cur", "prev")
        )
        figures["median_accepted_hours"] = tuple(
            _hours(_python_median(waits[(cid, name, "accepted")])) for name in ("cur", "prev")
        )
    return result


def reach_figures(community_ids, period: Period) -> dict[int, dict]:
    """Share of answers across units, and the unit x unit matrix of the period. One query.

    Answers are replies to someone else's request, grouped by (period, asker's
    unit, replier's unit) as each was when they posted.
    """
    rows = (
        Reply.objects.visible()
        .filter(
            help_request__community_id__in=community_ids,
            help_request__is_removed=False,
            author__isnull=False,
            help_request__author__isnull=False,
            created_at__gte=period.previous.start,
            created_at__lt=period.end,
        )
        .exclude(author_id=F("help_request__author_id"))
        .values(
            c=F("help_request__community_id"),
            b=_bucket("created_at", period),
            asker=F("help_request__author_unit__name"),
            answerer=F("author_unit__name"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    known: dict[tuple[int, int], int] = defaultdict(int)
    across: dict[tuple[int, int], int] = defaultdict(int)
    cells: dict[int, list[UnitCell]] = defaultdict(list)
    for row in rows:
        key = (row["c"], row["b"])
        if row["asker"] is not None and row["answerer"] is not None:
            known[key] += row["n"]
            if row["asker"] != row["answerer"]:
                across[key] += row["n"]
        if row["b"] == 1:
            cells[row["c"]].append(
                UnitCell(
                    asker_unit=row["asker"] or UNKNOWN_UNIT,
                    answerer_unit=row["answerer"] or UNKNOWN_UNIT,
                    answers=row["n"],
                )
            )
    result = _pairs(community_ids)
    for cid, figures in result.items():
        figures["cross_unit_answer_share"] = (
            _share(across[(cid, 1)], known[(cid, 1)]),
            _share(across[(cid, 0)], known[(cid, 0)]),
        )
        figures["unit_matrix"] = sorted(
            cells[cid], key=lambda cell: (-cell.answers, cell.asker_unit, cell.answerer_unit)
        )
    return result


def meeting_figures(community_ids, period: Period) -> dict[int, dict]:
    """Meetings held, their going/maybe RSVPs and recorded attendance. One query."""
    aggregates = {}
    for name, p in (("cur", period), ("prev", period.previous)):
        ended = _within("ends_at", p)
        aggregates.update({
            f"held_{name}": Count("id", distinct=True, filter=ended),
            f"rsvps_{name}": Count("rsvps", filter=ended & Q(rsvps__response__in=RSVP_ANSWERS)),
            f"attended_{name}": Count("rsvps", filter=ended & Q(rsvps__attended=True)),
            f"recorded_{name}": Count("rsvps", filter=ended & Q(rsvps__attended__isnull=False)),
        })
    rows = _by_community(
        Occurrence.objects.filter(
            community_id__in=community_ids,
            status=OccurrenceStatus.SCHEDULED,
            ends_at__gte=period.previous.start,
            ends_at__lt=period.end,
        )
        .values("community_id")
        .annotate(**aggregates)
        .order_by()
    )
    result = _pairs(community_ids)
    for cid, figures in result.items():
        row = rows.get(cid, {})
        figures["meetings_held"] = row.get("held_cur", 0), row.get("held_prev", 0)
        figures["meeting_rsvps"] = row.get("rsvps_cur", 0), row.get("rsvps_prev", 0)
        figures["meeting_attended"] = tuple(
            row.get(f"attended_{name}", 0) if row.get(f"recorded_{name}") else None
            for name in ("cur", "prev")
        )
    return result


def charter_figures(community_ids, period: Period, now: dt.datetime) -> dict[int, dict]:
    """Days since the charter in force was approved (now, and at the previous period's end). One query."""
    approved_then = (
        CharterVersion.objects.filter(
            charter__community_id=OuterRef("community_id"),
            status=VersionStatus.APPROVED,
            reviewed_at__lte=period.start,
        )
        .order_by("-reviewed_at", "-number")
        .values("reviewed_at")[:1]
    )
    rows = _by_community(
        Charter.objects.filter(community_id__in=community_ids)
        .annotate(approved_then=Subquery(approved_then))
        .values(
            "community_id",
            "approved_then",
            approved_at=F("approved_version__reviewed_at"),
            revisit_on=F("approved_version__revisit_by"),
        )
    )
    result = _pairs(community_ids)
    for cid, figures in result.items():
        row = rows.get(cid, {})
        approved_at, approved_then_at = row.get("approved_at"), row.get("approved_then")
        figures["days_since_approval"] = (
            (now - approved_at).days if approved_at else None,
            (period.start - approved_then_at).days if approved_then_at else None,
        )
        figures["revisit_by"] = row.get("revisit_on") if approved_at else None
    return result


# One community ---------------------------------------------------------------


def _weeks(period: Period) -> list[dt.date]:
    """Mondays (UTC) of the weeks shown: the whole period, and at least the last 12 weeks."""
    end = period.end.astimezone(dt.UTC)
    start = min(period.start, period.end - dt.timedelta(weeks=MIN_WEEKS)).astimezone(dt.UTC)
    monday = start.date() - dt.timedelta(days=start.weekday())
    last = (end - dt.timedelta(microseconds=1)).date()
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(weeks=1)
    return weeks


def _weekly(community, period: Period) -> list[SeriesPoint]:
    """Asked, first answered and active people per week: one grouped query per series."""
    weeks = _weeks(period)
    since = dt.datetime.combine(weeks[0], dt.time(), tzinfo=dt.UTC)

    def per_week(field: str) -> dict[dt.date, int]:
        rows = (
            HelpRequest.objects.visible()
            .filter(community=community)
            .filter(**{f"{field}__gte": since, f"{field}__lt": period.end})
            .annotate(week=TruncWeek(field, tzinfo=dt.UTC))
            .values("week")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {_week_date(row["week"]): row["n"] for row in rows}

    asked = per_week("created_at")
    answered = per_week("first_reply_at")
    active = {
        _week_date(week): n
        for (_, week), (n,) in _count_distinct(
            _activity(
                [community.pk], since, period.end, key=lambda when: TruncWeek(when, tzinfo=dt.UTC)
            ),
            groups=("c", "k"),
        ).items()
    }
    return [
        SeriesPoint(
            week_start=week,
            values={
                "asked": asked.get(week, 0),
                "answered": answered.get(week, 0),
                "active": active.get(week, 0),
            },
        )
        for week in weeks
    ]


def _objectives(community) -> list[ObjectiveStories]:
    rows = (
        Objective.objects.filter(charter__community=community)
        .annotate(stories_count=Count("stories"))
        .order_by("is_retired", "position", "id")
        .values_list("title", "stories_count", "is_retired")
    )
    return [ObjectiveStories(title=t, stories=n, is_retired=r) for t, n, r in rows]


def community_health(community, *, period: Period, now: dt.datetime | None = None) -> CommunityHealth:
    """Every figure of one community, with the previous period's beside it. 12 queries, whatever its size."""
    now = now or timezone.now()
    ids = [community.pk]
    values: dict = {}
    for part in (
        membership_figures(ids, period),
        active_members(ids, period),
        help_figures(ids, period, now),
        median_figures(ids, period),
        reach_figures(ids, period),
        meeting_figures(ids, period),
        charter_figures(ids, period, now),
    ):
        values.update(part[community.pk])
    sections = {
        name: [make_figure(key, *values[key], period) for key in keys]
        for name, keys in SECTIONS.items()
    }
    return CommunityHealth(
        community_id=community.pk,
        period=period,
        **sections,
        revisit_by=values["revisit_by"],
        objectives=_objectives(community),
        value_matrix=value_matrix(community)["rows"],
        weekly=_weekly(community, period),
        unit_matrix=values["unit_matrix"],
    )
