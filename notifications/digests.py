"""Email digests: what happened in a person's communities since their last digest.

People choose daily, weekly (Monday) or never, and the local hour (`User.digest_hour`
in `User.timezone`). Delivery has two steps, each safe to run twice or concurrently:

1. `record_due` (the sweep, every 10 minutes) walks active people with a digest in
   batches and, for each one whose local time is at or after their hour on the
   period's day (daily: every day; weekly: Monday, or later that week when Monday
   was missed), inserts a `DigestDelivery` for (person, frequency, period start).
   The unique constraint on those three is the claim on the period: a second sweep,
   or two at once, insert nothing more. The row's window runs from the previous
   digest's `covers_to` (or one period back for a first digest) to now, so a missed
   day or week is caught up by the next digest and nothing is repeated.
2. `deliver` (the `send_digests` task, on batches of rows) claims rows with
   `SELECT ... FOR UPDATE SKIP LOCKED` and a `claimed_at` update in one transaction,
   so only one worker holds a row; it builds the digests of the whole batch with a
   fixed number of queries (`build_digests`), records empty ones (`skipped_empty`,
   no email) and sends the rest. Each row gets `sent_at` the moment the mail
   server accepted its email, so a redelivered task or a second worker sends
   nothing again; a worker killed in the middle leaves its unsent rows claimed,
   and the sweep hands them out again once the claim is older than `LEASE`. A
   failed send releases the claim, and every sweep retries unsent rows until
   `GIVE_UP` after they were recorded. A row abandoned that way does not count as
   a previous digest, so its window is covered by the next one.
"""

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import TaggedItem

from accounts.models import DigestFrequency, zone_or_utc
from charter.models import Charter, CharterState, CharterVersion
from communities.models import CommunityStatus, JoinRequest, Membership, Role
from communities.models import RequestStatus as JoinRequestStatus
from discussions.models import Flag, FlagStatus, Follow, HelpRequest
from discussions.models import RequestStatus as HelpRequestStatus
from meetings.models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse

from .compose import EmailKind, absolute, compose
from .models import DigestDelivery

logger = logging.getLogger(__name__)
User = get_user_model()

# People looked at per sweep batch, and digests built and sent per delivery task.
SWEEP_BATCH = 500
DELIVERY_BATCH = 200
# Longer than a delivery task may run (its hard time limit), so a live worker keeps its claim.
LEASE = dt.timedelta(minutes=15)
# A digest that could not be sent this long after it was recorded is given up;
# the next digest covers its window instead.
GIVE_UP = dt.timedelta(hours=20)
# Someone back after months (or from "never") gets the last month, not a year of news.
MAX_CATCH_UP = dt.timedelta(days=31)
PERIODS = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: dt.timedelta(days=7),
}

# Contents.
SECTION_CAP = 5
# Meetings coming up within one period: a daily digest names tomorrow's meetings, a weekly
# one the week's, so a weekly meeting does not fill every daily digest.
MEETINGS_AHEAD = dt.timedelta(days=7)
MEETINGS_AHEAD_BY_FREQUENCY = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: MEETINGS_AHEAD,
}
UNANSWERED_FOR = dt.timedelta(hours=48)
# Open requests older than this are on the help-wanted pages, not in digests.
RECENT_OPEN = dt.timedelta(days=30)
# ...and a daily digest lists an unanswered request matching one's expertise for two days
# at most, not every day for a month.
RECENT_OPEN_BY_FREQUENCY = {
    DigestFrequency.DAILY: dt.timedelta(days=2),
    DigestFrequency.WEEKLY: RECENT_OPEN,
}


def current_period(frequency: str, hour: int, local: dt.datetime) -> dt.date | None:
    """The local date the person's current period began, if its digest is due at `local`.

    Daily: today, from the chosen hour. Weekly: this Monday, from the chosen hour on
    Monday or at any time later that week (catching up a Monday the sweep missed).
    """
    today = local.date()
    if frequency == DigestFrequency.DAILY:
        return today if local.hour >= hour else None
    if frequency == DigestFrequency.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday())
        if today == monday and local.hour < hour:
            return None
        return monday
    return None


# Step 1: record who is due -----------------------------------------------------------


def _abandoned(now: dt.datetime) -> Q:
    return Q(sent_at__isnull=True, skipped_empty=False, created_at__lt=now - GIVE_UP)


def _record_batch(people: list, now: dt.datetime) -> int:
    """Insert the deliveries due for one batch of people (annotated by `record_due`): one query."""
    rows = []
    for person in people:
        period = current_period(
            person.digest_frequency, person.digest_hour, now.astimezone(zone_or_utc(person.timezone))
        )
        # Done when this period's digest (or a later one: the person moved west) exists.
        if period is None or (person.last_period is not None and person.last_period >= period):
            continue
        start = person.last_to or person.gap_from or now - PERIODS[person.digest_frequency]
        rows.append(
            DigestDelivery(
                user_id=person.pk,
                frequency=person.digest_frequency,
                period_start=period,
                covers_from=min(max(start, now - MAX_CATCH_UP), now),
                covers_to=now,
                created_at=now,
            )
        )
    # A concurrent sweep may have inserted some of these meanwhile: the constraint keeps one.
    DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def record_due(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Record a delivery for everyone whose digest is due; the number of rows attempted.

    Two queries per batch of people: the people with what their last digests say, and the insert.
    """
    now = now or timezone.now()
    mine = DigestDelivery.objects.filter(user=OuterRef("pk"))
    abandoned = _abandoned(now)
    people = (
        User.objects.filter(is_active=True, digest_frequency__in=list(PERIODS))
        .only("pk", "timezone", "digest_frequency", "digest_hour")
        .annotate(
            last_period=Subquery(
                mine.filter(frequency=OuterRef("digest_frequency"))
                .order_by("-period_start")
                .values("period_start")[:1]
            ),
            # Where the previous digest (of any frequency, so switching loses nothing) stopped...
            last_to=Subquery(
                mine.exclude(abandoned).order_by("-covers_to").values("covers_to")[:1]
            ),
            # ...or, with only given-up ones in the catch-up window, where the first of those began.
            gap_from=Subquery(
                mine.filter(abandoned, covers_to__gt=now - MAX_CATCH_UP)
                .order_by("covers_from")
                .values("covers_from")[:1]
            ),
        )
    )
    recorded, after = 0, 0
    while True:
        batch = list(people.filter(pk__gt=after).order_by("pk")[:batch_size])
        if not batch:
            return recorded
        recorded += _record_batch(batch, now)
        after = batch[-1].pk


def claimable(now: dt.datetime) -> Q:
    """Deliveries still to send that no live worker holds."""
    return Q(sent_at__isnull=True, skipped_empty=False, created_at__gte=now - GIVE_UP) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    )


def pending_ids(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        DigestDelivery.objects.filter(claimable(now)).order_by("pk").values_list("pk", flat=True)
    )


# Step 2: build ---------------------------------------------------------------------


@dataclass
class Item:
    title: str
    url: str
    community: str = ""
    when: dt.datetime | None = None
    until: dt.datetime | None = None
    note: str = ""


@dataclass
class Section:
    key: str
    heading: str
    items: list[Item]
    total: int
    # Where to see the rest: (label, absolute url), one per community where it helps.
    more: list[tuple[str, str]] = field(default_factory=list)

    @property
    def more_count(self) -> int:
        return self.total - len(self.items)


@dataclass
class HealthLine:
    community: str
    url: str
    joined: int
    asked: int
    answered: int

    @property
    def is_quiet(self) -> bool:
        return not (self.joined or self.asked or self.answered)


@dataclass
class Digest:
    delivery: DigestDelivery
    sections: list[Section]
    health: list[HealthLine]

    @property
    def user(self):
        return self.delivery.user

    @property
    def item_count(self) -> int:
        return sum(s.total for s in self.sections) + sum(1 for h in self.health if not h.is_quiet)

    @property
    def is_empty(self) -> bool:
        return self.item_count == 0

    def total(self, key: str) -> int:
        return next((s.total for s in self.sections if s.key == key), 0)

    @property
    def subject(self) -> str:
        weekly = self.delivery.frequency == DigestFrequency.WEEKLY
        parts = []
        for key, one, many in (
            ("new_requests", "new request", "new requests"),
            ("for_you", "matching your expertise", "matching your expertise"),
            ("accepted", "accepted answer", "accepted answers"),
            (
                "meetings",
                "meeting this week" if weekly else "upcoming meeting",
                "meetings this week" if weekly else "upcoming meetings",
            ),
        ):
            if n := self.total(key):
                parts.append(f"{n} {one if n == 1 else many}")
        to_moderate = self.total("join_requests") + self.total("flags") + self.total("unanswered")
        if to_moderate:
            parts.append(f"{to_moderate} to moderate")
        if n := self.total("charters"):
            parts.append(f"{n} charter{'s' if n != 1 else ''} to review")
        if not parts and any(not h.is_quiet for h in self.health):
            parts.append("how your communities did")
        return f"Your {self.delivery.frequency} digest: {', '.join(parts)}"


def _name(display_name: str | None, email: str | None) -> str:
    return display_name or (email or "").split("@")[0] or "someone"


def _short(title: str) -> str:
    return Truncator(title).chars(120)


def _in(window: tuple[dt.datetime, dt.datetime], moment: dt.datetime | None) -> bool:
    return moment is not None and window[0] <= moment < window[1]


def _matches(tag_names: Iterable[str], expertise: tuple[set[str], set[str]]) -> bool:
    """The rule of `discussions.services.posting.experts_for`: by slug, or by name ignoring case."""
    slugs, lowered = expertise
    return any(slugify(name) in slugs or name.lower() in lowered for name in tag_names)


class _Batch:
    """Everything the digests of one batch need, read with a fixed number of queries."""

    def __init__(self, deliveries: list[DigestDelivery], now: dt.datetime):
        self.now = now
        self.deliveries = deliveries
        user_ids = {d.user_id for d in deliveries}
        self.lo = min(d.covers_from for d in deliveries)
        self.hi = max(d.covers_to for d in deliveries)

        # Which communities each person hears about, and in which role: active
        # memberships (so the community is readable by them), not muted, live.
        self.roles: dict[int, dict[int, str]] = defaultdict(dict)
        self.communities = {}
        for m in (
            Membership.objects.filter(
                user_id__in=user_ids,
                is_active=True,
                digest_muted=False,
                community__status=CommunityStatus.ACTIVE,
                community__is_archived=False,
            )
            .select_related("community")
            .only("user_id", "role", "community__id", "community__name", "community__slug")
        ):
            self.roles[m.user_id][m.community_id] = m.role
            self.communities[m.community_id] = m.community
        cids = list(self.communities)
        moderated = {
            c for r in self.roles.values() for c, role in r.items() if role == Role.MODERATOR
        }
        sponsored = {
            c for r in self.roles.values() for c, role in r.items() if role == Role.SPONSOR
        }

        self.expertise: dict[int, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for user_id, name, slug in TaggedItem.objects.filter(
            content_type__app_label="accounts", content_type__model="user", object_id__in=user_ids
        ).values_list("object_id", "tag__name", "tag__slug"):
            self.expertise[user_id][0].add(slug)
            self.expertise[user_id][1].add(name.lower())

        # Requests asked or first answered in the batch's widest window.
        self.asked = defaultdict(list)  # community -> [(pk, author, created)]
        self.answered = defaultdict(list)  # community -> [first reply time]
        for pk, cid, author_id, created, first_reply in (
            HelpRequest.objects.filter(community_id__in=cids, is_removed=False)
            .filter(
                Q(created_at__gte=self.lo, created_at__lt=self.hi)
                | Q(first_reply_at__gte=self.lo, first_reply_at__lt=self.hi)
            )
            .values_list("pk", "community_id", "author_id", "created_at", "first_reply_at")
        ):
            self.asked[cid].append((pk, author_id, created))
            self.answered[cid].append(first_reply)

        # Recent requests nobody has answered yet, with their tags.
        open_requests = HelpRequest.objects.filter(
            community_id__in=cids,
            is_removed=False,
            is_locked=False,
            status=HelpRequestStatus.OPEN,
            reply_count=0,
            created_at__gte=now - RECENT_OPEN,
        )
        self.open = defaultdict(list)  # community -> [(pk, author, created)]
        for pk, cid, author_id, created in open_requests.values_list(
            "pk", "community_id", "author_id", "created_at"
        ):
            self.open[cid].append((pk, author_id, created))
        self.tags = defaultdict(set)
        if self.open:
            for pk, name in TaggedItem.objects.filter(
                content_type__app_label="discussions",
                content_type__model="helprequest",
                object_id__in=open_requests.values("pk"),
            ).values_list("object_id", "tag__name"):
                self.tags[pk].add(name)

        # Answers accepted on followed threads.
        self.accepted = defaultdict(list)  # user -> [(pk, community, accepted_at, accepted_by)]
        for user_id, pk, cid, accepted_at, accepted_by in Follow.objects.filter(
            user_id__in=user_ids,
            help_request__community_id__in=cids,
            help_request__is_removed=False,
            help_request__accepted_reply__isnull=False,
            help_request__accepted_at__gte=self.lo,
            help_request__accepted_at__lt=self.hi,
        ).values_list(
            "user_id",
            "help_request_id",
            "help_request__community_id",
            "help_request__accepted_at",
            "help_request__accepted_by_id",
        ):
            self.accepted[user_id].append((pk, cid, accepted_at, accepted_by))

        # Meetings in the coming week and the batch's RSVPs to them.
        self.meetings = defaultdict(list)
        occurrences = list(
            Occurrence.objects.filter(
                community_id__in=cids,
                status=OccurrenceStatus.SCHEDULED,
                starts_at__gte=now,
                starts_at__lt=now + MEETINGS_AHEAD,
            )
            .select_related("series")
            .only(
                "pk",
                "community_id",
                "starts_at",
                "ends_at",
                "room",
                "online_url",
                "series__title",
                "series__room",
                "series__online_url",
            )
            .order_by("starts_at", "pk")
        )
        for occurrence in occurrences:
            self.meetings[occurrence.community_id].append(occurrence)
        self.rsvps = {
            (user_id, occurrence_id): (response, waitlisted)
            for user_id, occurrence_id, response, waitlisted in Rsvp.objects.filter(
                user_id__in=user_ids, occurrence_id__in=[o.pk for o in occurrences]
            ).values_list("user_id", "occurrence_id", "response", "waitlisted")
        }

        # Moderators: join requests and flags waiting for them.
        self.join_requests = defaultdict(list)
        for cid, name, email, created in (
            JoinRequest.objects.filter(community_id__in=moderated, status=JoinRequestStatus.PENDING)
            .order_by("created_at", "pk")
            .values_list("community_id", "user__display_name", "user__email", "created_at")
        ):
            self.join_requests[cid].append((_name(name, email), created))
        self.flags = defaultdict(list)
        for cid, request_id, title, reply_id, reason, created in (
            Flag.objects.filter(community_id__in=moderated, status=FlagStatus.OPEN)
            .order_by("created_at", "pk")
            .values_list(
                "community_id",
                "help_request_id",
                "help_request__title",
                "reply_id",
                "reason",
                "created_at",
            )
        ):
            self.flags[cid].append((request_id, title, reply_id, reason, created))

        # Sponsors: charters in review and who joined.
        latest = CharterVersion.objects.filter(charter=OuterRef("pk")).order_by("-number")
        self.charters = {
            cid: (number, submitted)
            for cid, number, submitted in Charter.objects.filter(
                community_id__in=sponsored, state=CharterState.IN_REVIEW
            )
            .annotate(
                number=Subquery(latest.values("number")[:1]),
                submitted=Subquery(latest.values("created_at")[:1]),
            )
            .values_list("community_id", "number", "submitted")
        }
        self.joined = defaultdict(list)
        for cid, joined_at in Membership.objects.filter(
            community_id__in=sponsored,
            is_active=True,
            joined_at__gte=self.lo,
            joined_at__lt=self.hi,
        ).values_list("community_id", "joined_at"):
            self.joined[cid].append(joined_at)

        self.request_details: dict[int, dict] = {}
        self._urls: dict[tuple, str] = {}

    def url(self, name: str, *args) -> str:
        """An absolute URL; remembered, as the same links recur in many digests of a batch."""
        key = (name, *args)
        if key not in self._urls:
            self._urls[key] = absolute(reverse(name, args=args))
        return self._urls[key]

    def load_request_details(self, ids: set[int]) -> None:
        """Titles, places and people of every request shown in the batch (one query)."""
        self.request_details = {
            row["pk"]: row
            for row in HelpRequest.objects.filter(pk__in=ids).values(
                "pk",
                "title",
                "created_at",
                "accepted_at",
                "community__slug",
                "community__name",
                "author__display_name",
                "author__email",
                "accepted_reply__author__display_name",
                "accepted_reply__author__email",
            )
        }
        for row in self.request_details.values():
            row["short_title"] = _short(row["title"])


@dataclass
class _Plan:
    """One person's chosen request ids per section, before their details are loaded."""

    delivery: DigestDelivery
    requests: dict[str, tuple[list[int], int, list[int]]] = field(default_factory=dict)


def _pick(rows: list[tuple], key) -> tuple[list[int], int, list[int]]:
    """From (request, community, time) rows: the ids shown, how many in all, and the
    communities of those left out (where "and N more" links to)."""
    rows = sorted(rows, key=key)
    left_out = sorted({community for _, community, _ in rows[SECTION_CAP:]})
    return [pk for pk, _, _ in rows[:SECTION_CAP]], len(rows), left_out


def _plan(batch: _Batch, delivery: DigestDelivery) -> _Plan:
    """Choose the requests of one person's digest (no queries)."""
    user_id = delivery.user_id
    window = (delivery.covers_from, delivery.covers_to)
    roles = batch.roles.get(user_id, {})
    plan = _Plan(delivery)

    expertise = batch.expertise.get(user_id)
    for_you = []
    recent = batch.now - RECENT_OPEN_BY_FREQUENCY.get(delivery.frequency, RECENT_OPEN)
    if expertise:
        for cid in roles:
            for pk, author_id, created in batch.open[cid]:
                if created < recent:
                    continue
                if author_id != user_id and _matches(batch.tags[pk], expertise):
                    for_you.append((pk, cid, created))
    shown_for_you = {pk for pk, _, _ in for_you}
    plan.requests["for_you"] = _pick(for_you, key=lambda r: (-r[2].timestamp(), -r[0]))

    # Moderators: open too long. A request there or matching the person's expertise is not
    # listed again among the new ones.
    stale = batch.now - UNANSWERED_FOR
    unanswered = [
        (pk, cid, created)
        for cid, role in roles.items()
        if role == Role.MODERATOR
        for pk, _author, created in batch.open[cid]
        if created < stale
    ]
    plan.requests["unanswered"] = _pick(unanswered, key=lambda r: (r[2].timestamp(), r[0]))
    listed = shown_for_you | {pk for pk, _, _ in unanswered}

    new = [
        (pk, cid, created)
        for cid in roles
        for pk, author_id, created in batch.asked[cid]
        if author_id != user_id and _in(window, created) and pk not in listed
    ]
    plan.requests["new_requests"] = _pick(new, key=lambda r: (-r[2].timestamp(), -r[0]))

    accepted = [
        (pk, cid, accepted_at)
        for pk, cid, accepted_at, accepted_by in batch.accepted.get(user_id, ())
        if cid in roles and accepted_by != user_id and _in(window, accepted_at)
    ]
    plan.requests["accepted"] = _pick(accepted, key=lambda r: (-r[2].timestamp(), -r[0]))
    return plan


def _request_item(batch: _Batch, pk: int, *, note: str, when_field: str = "created_at") -> Item:
    row = batch.request_details[pk]
    return Item(
        title=row["short_title"],
        url=batch.url("discussions:thread", row["community__slug"], pk),
        community=row["community__name"],
        when=row[when_field],
        note=note,
    )


def _assemble(batch: _Batch, plan: _Plan) -> Digest:
    """One person's digest from the batch's data (no queries)."""
    delivery = plan.delivery
    user_id = delivery.user_id
    window = (delivery.covers_from, delivery.covers_to)
    roles = batch.roles.get(user_id, {})
    communities = batch.communities
    sections = []

    def request_section(key: str, heading: str, more_url: str, query: str = ""):
        ids, total, more_in = plan.requests[key]
        if not total:
            return
        items = []
        for pk in ids:
            row = batch.request_details[pk]
            asker = _name(row["author__display_name"], row["author__email"])
            items.append(_request_item(batch, pk, note=f"asked by {asker}"))
        more = [
            (communities[cid].name, batch.url(more_url, communities[cid].slug) + query)
            for cid in more_in
        ]
        sections.append(Section(key, heading, items, total, more))

    request_section(
        "for_you",
        "Unanswered requests matching your expertise",
        "discussions:community_help_wanted",
        query="?mine=1",
    )
    request_section("new_requests", "New help requests", "discussions:list")
    ids, total, _ = plan.requests["accepted"]
    if total:
        items = []
        for pk in ids:
            row = batch.request_details[pk]
            answerer = _name(
                row["accepted_reply__author__display_name"], row["accepted_reply__author__email"]
            )
            items.append(
                _request_item(batch, pk, note=f"answer by {answerer}", when_field="accepted_at")
            )
        sections.append(Section("accepted", "Answers accepted on threads you follow", items, total))

    ahead = MEETINGS_AHEAD_BY_FREQUENCY.get(delivery.frequency, MEETINGS_AHEAD)
    meetings = [
        o for cid in roles for o in batch.meetings[cid] if o.starts_at < batch.now + ahead
    ]
    meetings.sort(key=lambda o: (o.starts_at, o.pk))
    if meetings:
        items = []
        for occurrence in meetings[:SECTION_CAP]:
            where = [
                p for p in (occurrence.where_room, "online" if occurrence.where_online else "") if p
            ]
            rsvp = batch.rsvps.get((user_id, occurrence.pk))
            if rsvp is None:
                answer = "you have not answered yet"
            elif rsvp[0] == RsvpResponse.GOING and rsvp[1]:
                answer = "you are on the waiting list"
            else:
                answer = f"you answered {RsvpResponse(rsvp[0]).label.lower()}"
            community = communities[occurrence.community_id]
            items.append(
                Item(
                    title=occurrence.series.title,
                    url=batch.url("meetings:occurrence", community.slug, occurrence.pk),
                    community=community.name,
                    when=occurrence.starts_at,
                    until=occurrence.ends_at,
                    note=" · ".join([*where, answer]),
                )
            )
        sections.append(
            Section(
                "meetings",
                "Meetings in the next day" if ahead < MEETINGS_AHEAD else "Meetings in the next 7 days",
                items,
                len(meetings),
                [("My meetings", batch.url("meetings:my_meetings"))],
            )
        )

    moderated = [cid for cid, role in roles.items() if role == Role.MODERATOR]
    join_requests = sorted(
        ((created, name, cid) for cid in moderated for name, created in batch.join_requests[cid]),
        key=lambda r: r[0],
    )
    if join_requests:
        items = [
            Item(
                title=f"{name} asks to join",
                url=batch.url("communities:join_requests", communities[cid].slug),
                community=communities[cid].name,
                when=created,
            )
            for created, name, cid in join_requests[:SECTION_CAP]
        ]
        more = sorted({cid for _, _, cid in join_requests[SECTION_CAP:]})
        sections.append(
            Section(
                "join_requests",
                "Join requests waiting for a decision",
                items,
                len(join_requests),
                [
                    (
                        communities[c].name,
                        batch.url("communities:join_requests", communities[c].slug),
                    )
                    for c in more
                ],
            )
        )
    flags = sorted(
        ((flag[4], cid, flag) for cid in moderated for flag in batch.flags[cid]), key=lambda r: r[0]
    )
    if flags:
        items = []
        for created, cid, (request_id, title, reply_id, reason, _) in flags[:SECTION_CAP]:
            slug = communities[cid].slug
            url = (
                batch.url("discussions:reply_permalink", slug, request_id, reply_id)
                if reply_id
                else batch.url("discussions:thread", slug, request_id)
            )
            items.append(
                Item(
                    title=f"{'A reply in' if reply_id else 'The request'} “{_short(title)}”",
                    url=url,
                    community=communities[cid].name,
                    when=created,
                    note=f"reason: {Truncator(reason).chars(100)}",
                )
            )
        more = sorted({cid for _, cid, _ in flags[SECTION_CAP:]})
        sections.append(
            Section(
                "flags",
                "Flagged posts to review",
                items,
                len(flags),
                [
                    (
                        communities[c].name,
                        batch.url("discussions:moderation_queue", communities[c].slug),
                    )
                    for c in more
                ],
            )
        )
    request_section(
        "unanswered", "Requests unanswered for over 48 hours", "discussions:community_help_wanted"
    )

    sponsored = sorted(
        (cid for cid, role in roles.items() if role == Role.SPONSOR),
        key=lambda c: communities[c].name,
    )
    charters = [(cid, *batch.charters[cid]) for cid in sponsored if cid in batch.charters]
    if charters:
        items = [
            Item(
                title=f"Charter of {communities[cid].name}, version {number}",
                url=batch.url("charter:review", communities[cid].slug, number)
                if number
                else batch.url("charter:awaiting_review"),
                community=communities[cid].name,
                when=submitted,
            )
            for cid, number, submitted in charters[:SECTION_CAP]
        ]
        sections.append(
            Section(
                "charters",
                "Charters waiting for your review",
                items,
                len(charters),
                [("All charters waiting for you", batch.url("charter:awaiting_review"))],
            )
        )
    health = [
        HealthLine(
            community=communities[cid].name,
            url=batch.url("communities:detail", communities[cid].slug),
            joined=sum(1 for joined in batch.joined[cid] if _in(window, joined)),
            asked=sum(1 for _, _, created in batch.asked[cid] if _in(window, created)),
            answered=sum(1 for first in batch.answered[cid] if _in(window, first)),
        )
        for cid in sponsored
    ]
    return Digest(delivery=delivery, sections=sections, health=health)


def build_digests(
    deliveries: list[DigestDelivery], *, now: dt.datetime | None = None
) -> list[Digest]:
    """The digests of a batch of deliveries, with a fixed number of queries however many.

    Each covers its delivery's window (`covers_from` to `covers_to`); meetings,
    moderation queues and open requests are as they stand `now`.
    """
    if not deliveries:
        return []
    batch = _Batch(deliveries, now or timezone.now())
    plans = [_plan(batch, d) for d in deliveries]
    batch.load_request_details(
        {pk for p in plans for ids, _, _ in p.requests.values() for pk in ids}
    )
    return [_assemble(batch, plan) for plan in plans]


# Step 2: claim and send ---------------------------------------------------------------


def render_email(digest: Digest):
    delivery = digest.delivery
    user = delivery.user
    zone = zone_or_utc(user.timezone)
    if delivery.frequency == DigestFrequency.WEEKLY:
        period = f"week of {delivery.period_start:%A} {delivery.period_start.day} {delivery.period_start:%B}"
        why = f"you chose a weekly digest of your communities on {settings.SITE_NAME}"
    else:
        period = (
            f"{delivery.period_start:%A} {delivery.period_start.day} {delivery.period_start:%B}"
        )
        why = f"you chose a daily digest of your communities on {settings.SITE_NAME}"
    return compose(
        user=user,
        subject=digest.subject,
        template="notifications/email/digest",
        context={
            "digest": digest,
            "sections": digest.sections,
            "health": digest.health,
            "period": period,
            "frequency": delivery.frequency,
            "covers_from": delivery.covers_from,
            "covers_to": delivery.covers_to,
            "zone_name": str(zone),
            "home_url": absolute("/"),
        },
        kind=EmailKind.DIGEST,
        message_id=delivery.message_id,
        why=why,
    )


@dataclass
class Delivered:
    sent: int = 0
    empty: int = 0
    failed: int = 0


# Refused for this one message; the connection is fine for the next.
_PER_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def _claim(ids: list[int], now: dt.datetime) -> list[DigestDelivery]:
    """Take the claimable deliveries among `ids`; rows another worker holds are skipped."""
    with transaction.atomic():
        rows = list(
            DigestDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(claimable(now), pk__in=ids)
            .order_by("pk")
        )
        DigestDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(claimed_at=now)
    for row in rows:
        row.claimed_at = now
    return rows


def deliver(ids: list[int], *, now: dt.datetime | None = None) -> Delivered:
    """Claim, build and send the digests of these deliveries; each is sent at most once."""
    now = now or timezone.now()
    result = Delivered()
    rows = _claim(ids, now)
    if not rows:
        return result
    # Someone who left, or turned digests off, after their digest was recorded gets none.
    wanted = [
        r
        for r in rows
        if r.user.is_active and r.user.email and r.user.digest_frequency != DigestFrequency.NEVER
    ]
    digests = build_digests(wanted, now=now)
    empty = [r.pk for r in rows if r not in wanted] + [d.delivery.pk for d in digests if d.is_empty]
    DigestDelivery.objects.filter(pk__in=empty).update(skipped_empty=True, item_count=0)
    result.empty = len(empty)
    to_send = [d for d in digests if not d.is_empty]
    if not to_send:
        return result
    with get_connection() as connection:
        for position, digest in enumerate(to_send):
            email = render_email(digest)
            email.connection = connection
            try:
                email.send()
            except _PER_MESSAGE_ERRORS as exc:
                logger.warning("Digest %s refused: %s", digest.delivery.pk, exc)
                DigestDelivery.objects.filter(pk=digest.delivery.pk).update(claimed_at=None)
                result.failed += 1
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The mail server is away: hand this one and the rest back to the next sweep.
                logger.warning("Digest sending stopped at %s: %s", digest.delivery.pk, exc)
                left = [d.delivery.pk for d in to_send[position:]]
                DigestDelivery.objects.filter(pk__in=left).update(claimed_at=None)
                result.failed += len(left)
                break
            DigestDelivery.objects.filter(pk=digest.delivery.pk).update(
                sent_at=timezone.now(), item_count=digest.item_count
            )
            result.sent += 1
    return result
