"""The digest's charters section: charters waiting for their sponsor's review.

Registered from `CharterConfig.ready()`.
"""

from django.db.models import OuterRef, Subquery

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

from .models import Charter, CharterState, CharterVersion


def _prepare(run: DigestRun) -> dict[int, tuple[int, object]]:
    """community -> (latest version number, submitted at) of each charter in review (one query)."""
    latest = CharterVersion.objects.filter(charter=OuterRef("pk")).order_by("-number")
    return {
        cid: (number, submitted)
        for cid, number, submitted in Charter.objects.filter(
            community_id__in=run.community_ids(Audience.SPONSORS), state=CharterState.IN_REVIEW
        )
        .annotate(
            number=Subquery(latest.values("number")[:1]),
            submitted=Subquery(latest.values("created_at")[:1]),
        )
        .values_list("community_id", "number", "submitted")
    }


def _build(in_review: dict, reader: Reader, run: DigestRun) -> Section | None:
    communities = run.communities
    sponsored = sorted(reader.communities(Audience.SPONSORS), key=lambda c: communities[c].name)
    charters = [(cid, *in_review[cid]) for cid in sponsored if cid in in_review]
    if not charters:
        return None
    items = [
        Item(
            title=f"Charter of {communities[cid].name}, version {number}",
            url=run.url("charter:review", communities[cid].slug, number)
            if number
            else run.url("charter:awaiting_review"),
            community=communities[cid].name,
            when=submitted,
        )
        for cid, number, submitted in charters[:SECTION_CAP]
    ]
    return Section(
        "charters",
        "Charters waiting for your review",
        items,
        len(charters),
        [("All charters waiting for you", run.url("charter:awaiting_review"))],
    )


def register_sections() -> None:
    """Called from `CharterConfig.ready()`."""
    register(
        DigestSection(
            key="charters",
            title="Charters waiting for your review",
            order=80,
            audience=Audience.SPONSORS,
            prepare=_prepare,
            build=_build,
        )
    )
