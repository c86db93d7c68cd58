"""Reads for the charter pages: each a fixed number of queries, however many versions there are."""

import datetime

from django.db.models import OuterRef, Subquery

from communities.models import Community, CommunityStatus, Role

from ..models import Charter, CharterState, CharterVersion, VersionStatus


def charter_for(community: Community) -> Charter | None:
    """The community's charter with its approved version and who approved it (one query)."""
    return (
        Charter.objects.select_related(
            "approved_version__reviewed_by", "approved_version__author", "updated_by"
        )
        .filter(community=community)
        .first()
    )


def draft_objectives(charter: Charter):
    return charter.objectives.filter(is_retired=False)


def versions(charter: Charter):
    """Every version, newest first, with its author and reviewer (one query)."""
    return charter.versions.select_related("author", "reviewed_by").order_by("-number")


def latest_version(charter: Charter) -> CharterVersion | None:
    return charter.versions.select_related("author").order_by("-number").first()


def version_and_previous(
    charter: Charter, number: int
) -> tuple[CharterVersion | None, CharterVersion | None]:
    """The version numbered `number` and the one before it (one query)."""
    pair = list(
        charter.versions.select_related("author", "reviewed_by")
        .filter(number__lte=number)
        .order_by("-number")[:2]
    )
    if not pair or pair[0].number != number:
        return None, None
    return pair[0], (pair[1] if len(pair) > 1 else None)


def approved_before(charter: Charter, number: int) -> CharterVersion | None:
    """The last version approved before `number`: what a reviewer compares a new version with."""
    return (
        charter.versions.select_related("reviewed_by")
        .filter(number__lt=number, status=VersionStatus.APPROVED)
        .order_by("-number")
        .first()
    )


def awaiting_review(user):
    """Charters in review in the live communities where `user` is a sponsor, with the version to decide."""
    latest = CharterVersion.objects.filter(charter=OuterRef("pk")).order_by("-number")
    return (
        Charter.objects.filter(
            state=CharterState.IN_REVIEW,
            community__memberships__user=user,
            community__memberships__is_active=True,
            community__memberships__role=Role.SPONSOR,
            community__status=CommunityStatus.ACTIVE,
            community__is_archived=False,
        )
        .select_related("community")
        .annotate(
            version_number=Subquery(latest.values("number")[:1]),
            submitted_at=Subquery(latest.values("created_at")[:1]),
            submitted_by=Subquery(latest.values("author__display_name")[:1]),
            submitted_note=Subquery(latest.values("note")[:1]),
        )
        .order_by("submitted_at")
    )


def sponsors_anything(user) -> bool:
    return (
        user.is_authenticated
        and user.memberships.filter(is_active=True, role=Role.SPONSOR).exists()
    )


def version_objectives(version: CharterVersion | None) -> list[dict]:
    """A version's objectives as stored, with target dates as dates for the templates."""
    if version is None:
        return []
    objectives = []
    for stored in version.objectives or []:
        objective = dict(stored)
        try:
            objective["target_date"] = (
                datetime.date.fromisoformat(stored["target_date"])
                if stored.get("target_date")
                else None
            )
        except (TypeError, ValueError):
            objective["target_date"] = None
        objectives.append(objective)
    return objectives
