"""Escalating help requests nobody answers.

A request still open with no reply after its community's `escalation_hours`
(default 48) is sent to people with matching expertise who were not told about
it when it was asked (`experts_for` told the members then; now anyone who may
read the community, less those already notified); at twice the delay it goes to
the community's moderators. Each stage happens once per request: the sweep locks
the due requests (`SELECT ... FOR UPDATE SKIP LOCKED`) and stamps
`escalated_to_experts_at` / `escalated_to_moderators_at` in the same transaction
as the notifications, so a second sweep, a concurrent one or a redelivered task
finds the stamp and does nothing, and a sweep that dies midway leaves no stamp
and the next one does the stage.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from taggit.models import TaggedItem

from communities.models import CommunityStatus, Membership, Role, Visibility
from notifications.models import Notification
from notifications.services import notify

from .expertise import Expertise
from .kinds import Kind
from .models import HelpRequest, RequestStatus

User = get_user_model()

BATCH = 200
# A request older than this is not escalated any more (the longest delay is 14 days,
# so stage two is at 28); an old backlog is on the help-wanted pages, not in people's inboxes.
MAX_AGE = dt.timedelta(days=30)
# Notifications that already told someone about a request.
TOLD = (Kind.HELP_WANTED, Kind.MENTIONED, Kind.REQUEST_ESCALATED)


def _still_unanswered() -> Q:
    return Q(
        status=RequestStatus.OPEN,
        reply_count=0,
        is_removed=False,
        is_locked=False,
        community__status=CommunityStatus.ACTIVE,
        community__is_archived=False,
    )


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _thread_url(help_request: HelpRequest) -> str:
    return reverse("discussions:thread", args=[help_request.community.slug, help_request.pk])


def _short(title: str) -> str:
    return Truncator(title).chars(90)


def _claim(ids: list[int], stamp: str, now: dt.datetime) -> list[HelpRequest]:
    """Lock and stamp the requests among `ids` still due for this stage (inside a transaction)."""
    requests = list(
        HelpRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("community", "author")
        .filter(_still_unanswered(), pk__in=ids, **{f"{stamp}__isnull": True})
        .order_by("pk")
    )
    HelpRequest.objects.filter(pk__in=[r.pk for r in requests]).update(**{stamp: now})
    return requests


def experts_beyond_notified(requests: list[HelpRequest]) -> dict[int, list[int]]:
    """For each request, the ids of active people who may read it, whose expertise matches
    one of its tags, who did not ask it and were not told about it yet. Four queries."""
    tags = defaultdict(set)
    for pk, name in TaggedItem.objects.filter(
        content_type__app_label="discussions",
        content_type__model="helprequest",
        object_id__in=[r.pk for r in requests],
    ).values_list("object_id", "tag__name"):
        tags[pk].add(name)
    if not tags:
        return {}
    slugs = {slugify(name) for names in tags.values() for name in names}
    lowered = {name.lower() for names in tags.values() for name in names}
    expertise: dict[int, Expertise] = defaultdict(Expertise)
    for user_id, name, slug in (
        TaggedItem.objects.filter(
            content_type__app_label="accounts",
            content_type__model="user",
            object_id__in=User.objects.filter(is_active=True).values("pk"),
        )
        .annotate(lowered=Lower("tag__name"))
        .filter(Q(tag__slug__in=slugs) | Q(lowered__in=lowered))
        .values_list("object_id", "tag__name", "tag__slug")
    ):
        expertise[user_id].add(name, slug)
    if not expertise:
        return {}

    # Public communities are read by every signed-in person; the others by their members.
    closed = {r.community_id for r in requests if r.community.visibility != Visibility.PUBLIC}
    members = defaultdict(set)
    for community_id, user_id in Membership.objects.filter(
        community_id__in=closed, user_id__in=list(expertise), is_active=True
    ).values_list("community_id", "user_id"):
        members[community_id].add(user_id)

    urls = {r.pk: _thread_url(r) for r in requests}
    told = defaultdict(set)
    for url, user_id in Notification.objects.filter(
        url__in=list(urls.values()), kind__in=TOLD
    ).values_list("url", "recipient_id"):
        told[url].add(user_id)

    found = {}
    for r in requests:
        readers = members[r.community_id] if r.community_id in closed else None
        found[r.pk] = sorted(
            user_id
            for user_id, known in expertise.items()
            if known.matches(tags[r.pk])
            and user_id != r.author_id
            and user_id not in told[urls[r.pk]]
            and (readers is None or user_id in readers)
        )
    return found


def _escalate_to_experts(ids: list[int], now: dt.datetime) -> tuple[int, int]:
    with transaction.atomic():
        requests = _claim(ids, "escalated_to_experts_at", now)
        if not requests:
            return 0, 0
        recipients = experts_beyond_notified(requests)
        people = User.objects.in_bulk({u for users in recipients.values() for u in users})
        told = 0
        for r in requests:
            asker = r.author.name if r.author_id else "Someone"
            for user_id in recipients.get(r.pk, ()):
                notify(
                    recipient=people[user_id],
                    kind=Kind.REQUEST_ESCALATED,
                    message=(
                        f"Still unanswered after {r.community.escalation_hours} hours: {asker} asked "
                        f"“{_short(r.title)}” in {r.community.name}. You may be able to help."
                    ),
                    url=_thread_url(r),
                    actor=r.author,
                    community=r.community,
                )
                told += 1
    return len(requests), told


def _escalate_to_moderators(ids: list[int], now: dt.datetime) -> tuple[int, int]:
    with transaction.atomic():
        requests = _claim(ids, "escalated_to_moderators_at", now)
        if not requests:
            return 0, 0
        moderators = defaultdict(list)
        for membership in Membership.objects.filter(
            community_id__in={r.community_id for r in requests},
            role=Role.MODERATOR,
            is_active=True,
            user__is_active=True,
        ).select_related("user"):
            moderators[membership.community_id].append(membership.user)
        told = 0
        for r in requests:
            for moderator in moderators[r.community_id]:
                if moderator.pk == r.author_id:
                    continue
                notify(
                    recipient=moderator,
                    kind=Kind.REQUEST_ESCALATED,
                    message=(
                        f"No answer after {2 * r.community.escalation_hours} hours: “{_short(r.title)}” "
                        f"in {r.community.name}. Could you find someone to help?"
                    ),
                    url=_thread_url(r),
                    actor=r.author,
                    community=r.community,
                )
                told += 1
    return len(requests), told


@dataclass
class Escalated:
    to_experts: int = 0
    to_moderators: int = 0
    notified: int = 0


def escalate_unanswered(*, now: dt.datetime | None = None) -> Escalated:
    """Run both stages for every request due; each stage once per request."""
    now = now or timezone.now()
    due = HelpRequest.objects.filter(
        _still_unanswered(),
        Q(escalated_to_experts_at__isnull=True) | Q(escalated_to_moderators_at__isnull=True),
        created_at__gte=now - MAX_AGE,
    ).values_list(
        "pk",
        "created_at",
        "community__escalation_hours",
        "escalated_to_experts_at",
        "escalated_to_moderators_at",
    )
    stage_one, stage_two = [], []
    for pk, created, hours, to_experts, to_moderators in due.order_by("pk"):
        delay = dt.timedelta(hours=max(hours, 1))
        if to_experts is None and created <= now - delay:
            stage_one.append(pk)
        if to_moderators is None and created <= now - 2 * delay:
            stage_two.append(pk)
    result = Escalated()
    for ids in _chunks(stage_one, BATCH):
        requests, told = _escalate_to_experts(ids, now)
        result.to_experts += requests
        result.notified += told
    for ids in _chunks(stage_two, BATCH):
        requests, told = _escalate_to_moderators(ids, now)
        result.to_moderators += requests
        result.notified += told
    return result
