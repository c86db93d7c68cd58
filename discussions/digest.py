"""The digest's help-request sections: matching one's expertise, new, accepted, flagged, unanswered.

Registered from `DiscussionsConfig.ready()`. The five sections share one read of the run
(`_load`): the requests asked, answered, open and accepted in the run's widest window, the
open flags, and then, once every person's requests are chosen, the details of those shown.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.text import Truncator
from taggit.models import TaggedItem

from accounts.models import DigestFrequency
from notifications.digest_sections import (
    SECTION_CAP,
    Audience,
    DigestRun,
    DigestSection,
    Item,
    Reader,
    Section,
    more_links,
    person_name,
    register,
)

from .expertise import Expertise
from .models import Flag, FlagStatus, Follow, HelpRequest, RequestStatus

UNANSWERED_FOR = dt.timedelta(hours=48)
# Open requests older than this are on the help-wanted pages, not in digests.
RECENT_OPEN = dt.timedelta(days=30)
# ...and a daily digest lists an unanswered request matching one's expertise for two days
# at most, not every day for a month.
RECENT_OPEN_BY_FREQUENCY = {
    DigestFrequency.DAILY: dt.timedelta(days=2),
    DigestFrequency.WEEKLY: RECENT_OPEN,
}


def _short(title: str) -> str:
    return Truncator(title).chars(120)


def _pick(rows: list[tuple], key) -> tuple[list[int], int, list[int]]:
    """From (request, community, time) rows: the ids shown, how many in all, and the
    communities of those left out (where "and N more" links to)."""
    rows = sorted(rows, key=key)
    left_out = sorted({community for _, community, _ in rows[SECTION_CAP:]})
    return [pk for pk, _, _ in rows[:SECTION_CAP]], len(rows), left_out


@dataclass
class Requests:
    """What the run read about requests, and each person's chosen requests per section."""

    # community -> [(pk, author, created)] asked, and [first reply time], in the run's window.
    asked: dict = field(default_factory=lambda: defaultdict(list))
    answered: dict = field(default_factory=lambda: defaultdict(list))
    # community -> [(pk, author, created)] still open, and request -> its tag names.
    open: dict = field(default_factory=lambda: defaultdict(list))
    tags: dict = field(default_factory=lambda: defaultdict(set))
    # user -> their expertise.
    expertise: dict[int, Expertise] = field(default_factory=lambda: defaultdict(Expertise))
    # user -> [(pk, community, accepted at, accepted by)] on threads they follow.
    accepted: dict = field(default_factory=lambda: defaultdict(list))
    # community -> [(request, title, reply, reason, created)] open flags.
    flags: dict = field(default_factory=lambda: defaultdict(list))
    # user -> section key -> (ids shown, total, communities of the rest)
    chosen: dict = field(default_factory=dict)
    details: dict[int, dict] = field(default_factory=dict)


def _read(run: DigestRun) -> Requests:
    data = Requests()
    cids = list(run.communities)
    for user_id, name, slug in TaggedItem.objects.filter(
        content_type__app_label="accounts", content_type__model="user", object_id__in=run.user_ids
    ).values_list("object_id", "tag__name", "tag__slug"):
        data.expertise[user_id].add(name, slug)

    # Requests asked or first answered in the run's widest window.
    for pk, cid, author_id, created, first_reply in (
        HelpRequest.objects.visible().filter(community_id__in=cids)
        .filter(
            Q(created_at__gte=run.lo, created_at__lt=run.hi)
            | Q(first_reply_at__gte=run.lo, first_reply_at__lt=run.hi)
        )
        .values_list("pk", "community_id", "author_id", "created_at", "first_reply_at")
    ):
        data.asked[cid].append((pk, author_id, created))
        data.answered[cid].append(first_reply)

    # Recent requests nobody has answered yet, with their tags.
    open_requests = HelpRequest.objects.visible().filter(
        community_id__in=cids,
        is_locked=False,
        status=RequestStatus.OPEN,
        reply_count=0,
        created_at__gte=run.now - RECENT_OPEN,
    )
    for pk, cid, author_id, created in open_requests.values_list(
        "pk", "community_id", "author_id", "created_at"
    ):
        data.open[cid].append((pk, author_id, created))
    if data.open:
        for pk, name in TaggedItem.objects.filter(
            content_type__app_label="discussions",
            content_type__model="helprequest",
            object_id__in=open_requests.values("pk"),
        ).values_list("object_id", "tag__name"):
            data.tags[pk].add(name)

    # Answers accepted on followed threads.
    for user_id, pk, cid, accepted_at, accepted_by in Follow.objects.filter(
        user_id__in=run.user_ids,
        help_request__community_id__in=cids,
        help_request__is_removed=False,
        help_request__accepted_reply__isnull=False,
        help_request__accepted_at__gte=run.lo,
        help_request__accepted_at__lt=run.hi,
    ).values_list(
        "user_id",
        "help_request_id",
        "help_request__community_id",
        "help_request__accepted_at",
        "help_request__accepted_by_id",
    ):
        data.accepted[user_id].append((pk, cid, accepted_at, accepted_by))
    return data


def _read_flags(run: DigestRun) -> dict:
    """Moderators: flags waiting for them."""
    flags = defaultdict(list)
    for cid, request_id, title, reply_id, reason, created in (
        Flag.objects.filter(
            community_id__in=run.community_ids(Audience.MODERATORS), status=FlagStatus.OPEN
        )
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
        flags[cid].append((request_id, title, reply_id, reason, created))
    return flags


def _choose(data: Requests, reader: Reader, now: dt.datetime) -> dict:
    """Choose the requests of one person's digest (no queries)."""
    user_id = reader.user_id
    roles = reader.roles
    chosen = {}

    expertise = data.expertise.get(user_id)
    for_you = []
    recent = now - RECENT_OPEN_BY_FREQUENCY.get(reader.frequency, RECENT_OPEN)
    if expertise:
        for cid in roles:
            for pk, author_id, created in data.open[cid]:
                if created < recent:
                    continue
                if author_id != user_id and expertise.matches(data.tags[pk]):
                    for_you.append((pk, cid, created))
    shown_for_you = {pk for pk, _, _ in for_you}
    chosen["for_you"] = _pick(for_you, key=lambda r: (-r[2].timestamp(), -r[0]))

    # Moderators: open too long. A request there or matching the person's expertise is not
    # listed again among the new ones.
    stale = now - UNANSWERED_FOR
    unanswered = [
        (pk, cid, created)
        for cid in reader.communities(Audience.MODERATORS)
        for pk, _author, created in data.open[cid]
        if created < stale
    ]
    chosen["unanswered"] = _pick(unanswered, key=lambda r: (r[2].timestamp(), r[0]))
    listed = shown_for_you | {pk for pk, _, _ in unanswered}

    new = [
        (pk, cid, created)
        for cid in roles
        for pk, author_id, created in data.asked[cid]
        if author_id != user_id and reader.in_window(created) and pk not in listed
    ]
    chosen["new_requests"] = _pick(new, key=lambda r: (-r[2].timestamp(), -r[0]))

    accepted = [
        (pk, cid, accepted_at)
        for pk, cid, accepted_at, accepted_by in data.accepted.get(user_id, ())
        if cid in roles and accepted_by != user_id and reader.in_window(accepted_at)
    ]
    chosen["accepted"] = _pick(accepted, key=lambda r: (-r[2].timestamp(), -r[0]))
    return chosen


def _load(run: DigestRun) -> Requests:
    data = _read(run)
    data.flags = _read_flags(run)
    data.chosen = {reader.user_id: _choose(data, reader, run.now) for reader in run.readers}
    # Titles, places and people of every request shown in the run (one query).
    shown = {pk for chosen in data.chosen.values() for ids, _, _ in chosen.values() for pk in ids}
    data.details = {
        row["pk"]: row
        for row in HelpRequest.objects.filter(pk__in=shown).values(
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
    for row in data.details.values():
        row["short_title"] = _short(row["title"])
    return data


def requests(run: DigestRun) -> Requests:
    """The run's requests, read once for every section (and the sponsors' health lines)."""
    return run.shared("discussions.requests", _load)


def _request_item(run: DigestRun, row: dict, *, note: str, when_field: str = "created_at") -> Item:
    return Item(
        title=row["short_title"],
        url=run.url("discussions:thread", row["community__slug"], row["pk"]),
        community=row["community__name"],
        when=row[when_field],
        note=note,
    )


def _request_section(key: str, heading: str, more_url: str, query: str = ""):
    def build(data: Requests, reader: Reader, run: DigestRun) -> Section | None:
        ids, total, more_in = data.chosen[reader.user_id][key]
        if not total:
            return None
        items = []
        for pk in ids:
            row = data.details[pk]
            asker = person_name(row["author__display_name"], row["author__email"])
            items.append(_request_item(run, row, note=f"asked by {asker}"))
        return Section(key, heading, items, total, more_links(run, more_in, more_url, query))

    return build


def _accepted(data: Requests, reader: Reader, run: DigestRun) -> Section | None:
    ids, total, _ = data.chosen[reader.user_id]["accepted"]
    if not total:
        return None
    items = []
    for pk in ids:
        row = data.details[pk]
        answerer = person_name(
            row["accepted_reply__author__display_name"], row["accepted_reply__author__email"]
        )
        items.append(
            _request_item(run, row, note=f"answer by {answerer}", when_field="accepted_at")
        )
    return Section("accepted", "Answers accepted on threads you follow", items, total)


def _flags(data: Requests, reader: Reader, run: DigestRun) -> Section | None:
    flags = sorted(
        (
            (flag[4], cid, flag)
            for cid in reader.communities(Audience.MODERATORS)
            for flag in data.flags[cid]
        ),
        key=lambda r: r[0],
    )
    if not flags:
        return None
    communities = run.communities
    items = []
    for created, cid, (request_id, title, reply_id, reason, _) in flags[:SECTION_CAP]:
        slug = communities[cid].slug
        url = (
            run.url("discussions:reply_permalink", slug, request_id, reply_id)
            if reply_id
            else run.url("discussions:thread", slug, request_id)
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
    return Section(
        "flags",
        "Flagged posts to review",
        items,
        len(flags),
        more_links(run, more, "discussions:moderation_queue"),
    )


def register_sections() -> None:
    """Called from `DiscussionsConfig.ready()`."""
    for_you = "Unanswered requests matching your expertise"
    new = "New help requests"
    unanswered = "Requests unanswered for over 48 hours"
    help_wanted = "discussions:community_help_wanted"
    sections = [
        (
            "for_you",
            for_you,
            10,
            Audience.EVERYONE,
            _request_section("for_you", for_you, help_wanted, query="?mine=1"),
        ),
        (
            "new_requests",
            new,
            20,
            Audience.EVERYONE,
            _request_section("new_requests", new, "discussions:list"),
        ),
        ("accepted", "Answers accepted on threads you follow", 30, Audience.EVERYONE, _accepted),
        ("flags", "Flagged posts to review", 60, Audience.MODERATORS, _flags),
        (
            "unanswered",
            unanswered,
            70,
            Audience.MODERATORS,
            _request_section("unanswered", unanswered, help_wanted),
        ),
    ]
    for key, title, order, audience, build in sections:
        register(
            DigestSection(
                key=key, title=title, order=order, audience=audience, prepare=requests, build=build
            )
        )
