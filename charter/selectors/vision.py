"""Reads for vision rounds. A round page costs the same few queries however many ideas it holds."""

from django.db.models import Count, Q

from ..models import Contribution, Endorsement, Prompt, VisionRound


def vision_rounds(charter):
    """Every round of a charter, newest first, with its number of contributions and who opened it."""
    return (
        VisionRound.objects.filter(charter=charter)
        .select_related("opened_by", "closed_by")
        .annotate(
            contribution_count=Count("contributions", distinct=True),
            used_count=Count("contributions", filter=Q(contributions__used_in_draft=True), distinct=True),
        )
    )


def open_round(charter) -> VisionRound | None:
    return VisionRound.objects.filter(charter=charter, closed_at__isnull=True).first()


def round_prompts(vision_round: VisionRound, *, user) -> list[dict]:
    """The four prompts in order, each with its contributions listed by endorsement.

    Each contribution carries `endorsed_by_me`. Two queries: the contributions
    (with their authors) and the viewer's endorsements in this round.
    """
    contributions = list(
        Contribution.objects.filter(vision_round=vision_round).select_related("author", "author__unit")
    )
    mine: set[int] = set()
    if user is not None and user.is_authenticated and contributions:
        mine = set(
            Endorsement.objects.filter(contribution__vision_round=vision_round, user=user).values_list(
                "contribution_id", flat=True
            )
        )
    by_prompt: dict[str, list[Contribution]] = {p.value: [] for p in Prompt}
    for contribution in contributions:
        contribution.endorsed_by_me = contribution.pk in mine
        by_prompt.setdefault(contribution.prompt, []).append(contribution)
    prompts = []
    for prompt in Prompt:
        name, _, question = prompt.label.partition(": ")
        prompts.append(
            {"value": prompt.value, "name": name, "question": question, "contributions": by_prompt[prompt.value]}
        )
    return prompts
