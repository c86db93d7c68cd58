"""The digest's meetings section: meetings coming up in one's communities and one's answer.

Registered from `MeetingsConfig.ready()`.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from accounts.models import DigestFrequency
from notifications.digest_sections import (
    SECTION_CAP,
    Audience,
    DigestRun,
    DigestSection,
    Item,
    Reader,
    Section,
    register,
)

from .models import Occurrence, OccurrenceStatus, Rsvp, RsvpResponse

# Meetings coming up within one period: a daily digest names tomorrow's meetings, a weekly
# one the week's, so a weekly meeting does not fill every daily digest.
MEETINGS_AHEAD = dt.timedelta(days=7)
MEETINGS_AHEAD_BY_FREQUENCY = {
    DigestFrequency.DAILY: dt.timedelta(days=1),
    DigestFrequency.WEEKLY: MEETINGS_AHEAD,
}


@dataclass
class Meetings:
    by_community: dict  # community -> [occurrence], soonest first
    rsvps: dict  # (user, occurrence) -> (response, waitlisted)


def _prepare(run: DigestRun) -> Meetings:
    """Meetings in the coming week and the run's RSVPs to them (two queries)."""
    by_community = defaultdict(list)
    occurrences = list(
        Occurrence.objects.filter(
            community_id__in=list(run.communities),
            status=OccurrenceStatus.SCHEDULED,
            starts_at__gte=run.now,
            starts_at__lt=run.now + MEETINGS_AHEAD,
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
        by_community[occurrence.community_id].append(occurrence)
    rsvps = {
        (user_id, occurrence_id): (response, waitlisted)
        for user_id, occurrence_id, response, waitlisted in Rsvp.objects.filter(
            user_id__in=run.user_ids, occurrence_id__in=[o.pk for o in occurrences]
        ).values_list("user_id", "occurrence_id", "response", "waitlisted")
    }
    return Meetings(by_community=by_community, rsvps=rsvps)


def _build(data: Meetings, reader: Reader, run: DigestRun) -> Section | None:
    ahead = MEETINGS_AHEAD_BY_FREQUENCY.get(reader.frequency, MEETINGS_AHEAD)
    meetings = [
        o
        for cid in reader.communities()
        for o in data.by_community[cid]
        if o.starts_at < run.now + ahead
    ]
    meetings.sort(key=lambda o: (o.starts_at, o.pk))
    if not meetings:
        return None
    items = []
    for occurrence in meetings[:SECTION_CAP]:
        where = [
            p for p in (occurrence.where_room, "online" if occurrence.where_online else "") if p
        ]
        rsvp = data.rsvps.get((reader.user_id, occurrence.pk))
        if rsvp is None:
            answer = "you have not answered yet"
        elif rsvp[0] == RsvpResponse.GOING and rsvp[1]:
            answer = "you are on the waiting list"
        else:
            answer = f"you answered {RsvpResponse(rsvp[0]).label.lower()}"
        community = run.communities[occurrence.community_id]
        items.append(
            Item(
                title=occurrence.series.title,
                url=run.url("meetings:occurrence", community.slug, occurrence.pk),
                community=community.name,
                when=occurrence.starts_at,
                until=occurrence.ends_at,
                note=" · ".join([*where, answer]),
            )
        )
    return Section(
        "meetings",
        "Meetings in the next day" if ahead < MEETINGS_AHEAD else "Meetings in the next 7 days",
        items,
        len(meetings),
        [("My meetings", run.url("meetings:my_meetings"))],
    )


def register_sections() -> None:
    """Called from `MeetingsConfig.ready()`."""
    register(
        DigestSection(
            key="meetings",
            title="Meetings in the next 7 days",
            order=40,
            audience=Audience.EVERYONE,
            prepare=_prepare,
            build=_build,
        )
    )
