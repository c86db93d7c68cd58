"""RSVPs: going, maybe or not going, with a capacity and a waiting list.

Every change locks the occurrence's row first (`select_for_update`), so two
people clicking "going" for the last place queue up: the second one sees the
first one's answer and goes on the waiting list. The counters on the occurrence
are recounted from the RSVPs inside that lock, so they cannot drift.

The waiting list is the "going" answers with `waitlisted=True`, in
`responded_at` order: saying "going" again keeps one's place, saying "maybe" or
"not going" leaves the list (and saying "going" later queues at the back).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import Truncator

from communities.models import Membership
from communities.policy import access_for
from meetings.kinds import Kind
from notifications.services import notify

from ..models import Occurrence, Rsvp, RsvpResponse
from ..permissions import can_rsvp
from .occurrences import when_for


def _lock(occurrence: Occurrence) -> Occurrence:
    """The occurrence's row, locked until the transaction ends, with its series (for the capacity).

    A meeting deleted since the page was read (a schedule change removes unanswered
    ones) is a refusal, not a crash.
    """
    try:
        return (
            Occurrence.objects.select_for_update(of=("self",))
            .select_related("series", "community")
            .get(pk=occurrence.pk)
        )
    except Occurrence.DoesNotExist:
        raise ValidationError(
            "This meeting is no longer planned: its series changed. Answer for its new date.",
            code="gone",
        ) from None


def _recount(locked: Occurrence, into: Occurrence | None = None) -> None:
    counts = Rsvp.objects.filter(occurrence=locked).aggregate(
        going=Count("pk", filter=Q(response=RsvpResponse.GOING, waitlisted=False)),
        maybe=Count("pk", filter=Q(response=RsvpResponse.MAYBE)),
        waitlist=Count("pk", filter=Q(response=RsvpResponse.GOING, waitlisted=True)),
    )
    Occurrence.objects.filter(pk=locked.pk).update(
        going_count=counts["going"], maybe_count=counts["maybe"], waitlist_count=counts["waitlist"]
    )
    for target in (locked, into):
        if target is not None:
            target.going_count = counts["going"]
            target.maybe_count = counts["maybe"]
            target.waitlist_count = counts["waitlist"]


def _is_open(occurrence: Occurrence, now) -> bool:
    return not occurrence.is_cancelled and occurrence.ends_at > now


def _fill_places(locked: Occurrence) -> list[Rsvp]:
    """Move people up from the waiting list, earliest first, while there are free places.

    Only people still active members of the community move up; someone who left
    keeps their row but never takes a place.
    """
    waiting = Rsvp.objects.filter(
        occurrence=locked, response=RsvpResponse.GOING, waitlisted=True
    ).order_by("responded_at", "pk")
    capacity = locked.capacity
    if capacity is not None:
        confirmed = Rsvp.objects.filter(
            occurrence=locked, response=RsvpResponse.GOING, waitlisted=False
        ).count()
        free = capacity - confirmed
        if free <= 0:
            return []
    members = Membership.objects.filter(
        community=locked.community_id, is_active=True, user__is_active=True
    ).values("user_id")
    waiting = waiting.filter(user__in=members).select_related("user")
    promoted = list(waiting if capacity is None else waiting[:free])
    if promoted:
        Rsvp.objects.filter(pk__in=[r.pk for r in promoted]).update(waitlisted=False)
        for rsvp in promoted:
            rsvp.waitlisted = False
    return promoted


def _tell_promoted(locked: Occurrence, promoted: list[Rsvp], *, skip_user_id=None) -> None:
    title = Truncator(locked.series.title).chars(80)
    url = locked.get_absolute_url()
    for rsvp in promoted:
        if rsvp.user_id == skip_user_id:
            continue
        notify(
            recipient=rsvp.user,
            kind=Kind.WAITLIST_PROMOTED,
            message=f"A place opened up: you are going to “{title}” on {when_for(rsvp.user, locked.starts_at)}.",
            url=url,
            community=locked.community,
        )


@transaction.atomic
def promote_waitlist(occurrence: Occurrence) -> list[Rsvp]:
    """Give free places to the waiting list, earliest first, and tell each person promoted.

    Called after a place frees up and after the series' capacity rises. Nothing
    moves for a cancelled meeting or one that has ended.
    """
    locked = _lock(occurrence)
    if not _is_open(locked, timezone.now()):
        return []
    promoted = _fill_places(locked)
    if promoted:
        _tell_promoted(locked, promoted)
    _recount(locked, into=occurrence)
    return promoted


def _refuse_unless_open(occurrence: Occurrence, now) -> None:
    if occurrence.is_cancelled:
        raise ValidationError(
            "This meeting is cancelled, so it takes no answers.", code="cancelled"
        )
    if occurrence.ends_at <= now:
        raise ValidationError("This meeting is over, so it takes no more answers.", code="past")


@transaction.atomic
def rsvp_set(*, occurrence: Occurrence, user, response: str) -> Rsvp:
    """Answer going, maybe or not going; "going" past the capacity joins the waiting list.

    Refused (`ValidationError`) for people who may not RSVP (active members of a
    live community), and for cancelled meetings or ones that have ended.
    """
    if response not in RsvpResponse.values:
        raise ValidationError("Answer going, maybe or not going.", code="bad_response")
    # Lock first: everything below reads the state that other answers are changing.
    locked = _lock(occurrence)
    if not can_rsvp(access_for(user, locked.community)):
        raise ValidationError(
            "Only members of the community can answer. Join it first.", code="not_member"
        )
    now = timezone.now()
    _refuse_unless_open(locked, now)

    rsvp = Rsvp.objects.filter(occurrence=locked, user=user).first()
    if rsvp is None:
        rsvp = Rsvp(occurrence=locked, user=user, response=response, responded_at=now)
        # A new "going" queues behind whoever waits already; filling the places below
        # then confirms it at once when there is room and it is first in line.
        rsvp.waitlisted = response == RsvpResponse.GOING and locked.capacity is not None
        rsvp.save()
    elif rsvp.response != response:
        rsvp.response = response
        rsvp.responded_at = now
        rsvp.waitlisted = response == RsvpResponse.GOING and locked.capacity is not None
        rsvp.save(update_fields=["response", "responded_at", "waitlisted"])
    # else: the same answer again changes nothing; a place in the queue is kept.

    # A confirmed "going" that became maybe or not going frees a place for the next in line.
    promoted = _fill_places(locked)
    if any(p.pk == rsvp.pk for p in promoted):
        rsvp.waitlisted = False
    # Those moved up are told; the person answering sees their own place on the page.
    _tell_promoted(locked, promoted, skip_user_id=user.pk)
    _recount(locked, into=occurrence)
    rsvp.occurrence = locked
    return rsvp


def waitlist_position(rsvp: Rsvp | None) -> int | None:
    """1 for the first person waiting; None when not on the waiting list."""
    if rsvp is None or not rsvp.waitlisted or rsvp.response != RsvpResponse.GOING:
        return None
    ahead = Rsvp.objects.filter(
        occurrence_id=rsvp.occurrence_id, response=RsvpResponse.GOING, waitlisted=True
    ).filter(
        Q(responded_at__lt=rsvp.responded_at) | Q(responded_at=rsvp.responded_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


@transaction.atomic
def rsvps_withdraw_for_leaver(*, community, user) -> int:
    """Someone who leaves a community no longer goes to its upcoming meetings.

    Their answers become "not going" (the history of past meetings stays), so no
    reminder, feed entry or place is kept for them, and the waiting list moves up.
    """
    now = timezone.now()
    upcoming = list(
        Occurrence.objects.filter(
            community=community,
            ends_at__gt=now,
            rsvps__user=user,
            rsvps__response__in=[RsvpResponse.GOING, RsvpResponse.MAYBE],
        ).order_by("pk")
    )
    for occurrence in upcoming:
        locked = _lock(occurrence)
        Rsvp.objects.filter(occurrence=locked, user=user).update(
            response=RsvpResponse.NOT_GOING, waitlisted=False, responded_at=now
        )
        if _is_open(locked, now):
            _tell_promoted(locked, _fill_places(locked))
        _recount(locked)
    return len(upcoming)
