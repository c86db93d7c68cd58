"""Writes for vision rounds: appreciative inquiry that co-creates the charter's vision.

Permission (who may open, contribute, endorse, mark) is decided by the views with
charter.permissions; these functions guard the state: one open round per charter,
nothing added to a closed round, no endorsing one's own idea, counts kept in step.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from charter.kinds import AuditAction, Kind
from communities.models import Membership
from communities.services import audit
from notifications.services import notify_many

from ..models import Charter, Contribution, Endorsement, Prompt, VisionRound

User = get_user_model()

MAX_CONTRIBUTION_LENGTH = 1000


def _round_url(vision_round: VisionRound, community) -> str:
    return reverse("charter:vision_round", args=[community.slug, vision_round.pk])


def _notify_members_round_opened(*, vision_round: VisionRound, community, by) -> int:
    """Tell every active member but the opener, in batches (`notifications.services.notify_many`)."""
    return notify_many(
        recipients=User.objects.filter(
            memberships__community=community, memberships__is_active=True, is_active=True
        ).exclude(pk=by.pk),
        kind=Kind.VISION_ROUND_OPENED,
        message=f"{by.name} opened a vision round in {community.name}: {vision_round.title}",
        url=_round_url(vision_round, community),
        actor=by,
        community=community,
    )


@transaction.atomic
def vision_round_open(*, charter: Charter, by, title: str, introduction: str = "") -> VisionRound:
    """Open a round; a charter has at most one open round at a time."""
    title = title.strip()
    if not title:
        raise ValidationError("Give the round a title.", code="title_required")
    # Lock the charter row so two moderators opening at once cannot both pass the check.
    Charter.objects.select_for_update().filter(pk=charter.pk).first()
    if VisionRound.objects.filter(charter=charter, closed_at__isnull=True).exists():
        raise ValidationError(
            "A vision round is already open. Close it before opening a new one.", code="round_already_open"
        )
    vision_round = VisionRound.objects.create(
        charter=charter, title=title, introduction=introduction.strip(), opened_by=by
    )
    community = charter.community
    audit(community=community, actor=by, action=AuditAction.ROUND_OPENED, round=vision_round.pk, title=title)
    _notify_members_round_opened(vision_round=vision_round, community=community, by=by)
    return vision_round


@transaction.atomic
def vision_round_close(*, vision_round: VisionRound, by, summary: str = "") -> VisionRound:
    # Conditional update: of two moderators closing at once, only one records the close.
    closed = VisionRound.objects.filter(pk=vision_round.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=by, summary=summary.strip()
    )
    if not closed:
        raise ValidationError("This vision round is already closed.", code="round_closed")
    vision_round.refresh_from_db(fields=["closed_at", "closed_by", "summary"])
    community = vision_round.charter.community
    audit(
        community=community, actor=by, action=AuditAction.ROUND_CLOSED, round=vision_round.pk,
        title=vision_round.title, contributions=vision_round.contributions.count(),
    )
    return vision_round


def author_role_for(*, community, user) -> str:
    """The role to show beside a contribution: the author's role now, or "" for an interested non-member."""
    role = (
        Membership.objects.filter(community=community, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


@transaction.atomic
def contribution_add(*, vision_round: VisionRound, author, prompt: str, text: str) -> Contribution:
    if prompt not in Prompt.values:
        raise ValidationError("Choose one of the four prompts.", code="bad_prompt")
    text = text.strip()
    if not text:
        raise ValidationError("Write your idea before sending it.", code="empty")
    if len(text) > MAX_CONTRIBUTION_LENGTH:
        raise ValidationError(
            f"Keep it short: at most {MAX_CONTRIBUTION_LENGTH} characters (this has {len(text)}).",
            code="too_long",
        )
    # Read the state under a lock so an idea cannot slip in while the round is being closed.
    current = VisionRound.objects.select_for_update().filter(pk=vision_round.pk).values("closed_at").first()
    if current is None or current["closed_at"] is not None:
        raise ValidationError("This vision round is closed; it no longer takes contributions.", code="round_closed")
    return Contribution.objects.create(
        vision_round=vision_round,
        prompt=prompt,
        author=author,
        author_role=author_role_for(community=vision_round.charter.community, user=author),
        text=text,
    )


def _check_endorsable(contribution: Contribution, user) -> None:
    if contribution.author_id is not None and contribution.author_id == user.pk:
        raise ValidationError("You cannot endorse your own idea.", code="own")
    # The round's row, locked and read fresh: a round closed while the page was open takes no
    # endorsement, and a close waits for endorsements under way (its UPDATE queues on this lock).
    closed_at = (
        VisionRound.objects.select_for_update()
        .filter(pk=contribution.vision_round_id)
        .values_list("closed_at", flat=True)
        .first()
    )
    if closed_at is not None:
        contribution.vision_round.closed_at = closed_at
        raise ValidationError("This vision round is closed; endorsements are final.", code="round_closed")


@transaction.atomic
def contribution_endorse(*, contribution: Contribution, user) -> bool:
    """Endorse once; returns False if this person had already endorsed it."""
    _check_endorsable(contribution, user)
    try:
        # Savepoint: the unique constraint is the guard against a double click racing itself.
        with transaction.atomic():
            Endorsement.objects.create(contribution=contribution, user=user)
    except IntegrityError:
        return False
    Contribution.objects.filter(pk=contribution.pk).update(endorsement_count=F("endorsement_count") + 1)
    return True


@transaction.atomic
def contribution_unendorse(*, contribution: Contribution, user) -> bool:
    """Withdraw an endorsement; returns False if there was none."""
    _check_endorsable(contribution, user)
    deleted, _ = Endorsement.objects.filter(contribution=contribution, user=user).delete()
    if not deleted:
        return False
    Contribution.objects.filter(pk=contribution.pk, endorsement_count__gt=0).update(
        endorsement_count=F("endorsement_count") - 1
    )
    return True


@transaction.atomic
def contribution_toggle_endorsement(*, contribution: Contribution, user) -> tuple[Contribution, bool]:
    """Endorse, or withdraw an endorsement already given. Returns the refreshed contribution and whether
    the person now endorses it."""
    if Endorsement.objects.filter(contribution=contribution, user=user).exists():
        contribution_unendorse(contribution=contribution, user=user)
        endorsed = False
    else:
        contribution_endorse(contribution=contribution, user=user)
        endorsed = True
    contribution.refresh_from_db(fields=["endorsement_count"])
    return contribution, endorsed


@transaction.atomic
def contribution_mark_used(*, contribution: Contribution, by, used: bool = True) -> Contribution:
    """Mark (or unmark) an idea as used in the draft. Allowed after the round closes: drafting comes later."""
    if contribution.used_in_draft == used:
        return contribution
    contribution.used_in_draft = used
    contribution.used_marked_by = by if used else None
    contribution.save(update_fields=["used_in_draft", "used_marked_by"])
    return contribution
