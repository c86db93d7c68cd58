"""The charter's working draft and its review: every write goes through these functions.

The workflow is a small state machine (`TRANSITIONS`): the draft is edited, a
submission freezes it into a `CharterVersion` and puts it in review, and a
sponsor of the community approves the version or asks for changes. Editing an
approved charter or one with changes requested starts a new draft. Every refused
move raises `ValidationError` with a message fit to show the person.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from charter import permissions
from charter.kinds import AuditAction, Kind
from charter.models import Charter, CharterState, CharterVersion, Objective, VersionStatus
from communities.models import Community, Role
from communities.policy import access_for
from communities.services import audit
from notifications.services import notify

User = get_user_model()

SPONSOR_FIELDS = ("purpose",)
STEWARD_FIELDS = ("vision", "strategy", "pitch", "revisit_by", "objectives")
TEXT_FIELDS = ("purpose", "vision", "strategy", "pitch")

# Which states each move may start from, and where it leads.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "edit": (
        frozenset({CharterState.DRAFT, CharterState.APPROVED, CharterState.CHANGES_REQUESTED}),
        CharterState.DRAFT,
    ),
    "submit": (
        frozenset({CharterState.DRAFT, CharterState.CHANGES_REQUESTED}),
        CharterState.IN_REVIEW,
    ),
    "approve": (frozenset({CharterState.IN_REVIEW}), CharterState.APPROVED),
    "request_changes": (frozenset({CharterState.IN_REVIEW}), CharterState.CHANGES_REQUESTED),
}

REFUSALS = {
    ("edit", CharterState.IN_REVIEW): (
        "The charter is in review, so the draft cannot change; "
        "wait for the sponsor's decision or ask them to request changes."
    ),
    ("submit", CharterState.IN_REVIEW): "The charter is already in review.",
    ("submit", CharterState.APPROVED): (
        "The charter is approved and the draft has not changed since; edit it before submitting."
    ),
    ("approve", CharterState.DRAFT): "There is no version in review to approve.",
    ("approve", CharterState.APPROVED): "There is no version in review to approve.",
    ("approve", CharterState.CHANGES_REQUESTED): "There is no version in review to approve.",
    ("request_changes", CharterState.DRAFT): "There is no version in review to send back.",
    ("request_changes", CharterState.APPROVED): "There is no version in review to send back.",
    (
        "request_changes",
        CharterState.CHANGES_REQUESTED,
    ): "There is no version in review to send back.",
}


def _transition(charter: Charter, move: str) -> str:
    """The state `move` leads to from the charter's current state, or a ValidationError."""
    sources, target = TRANSITIONS[move]
    if charter.state not in sources:
        raise ValidationError(
            REFUSALS.get(
                (move, charter.state),
                f"Cannot {move} a charter that is {charter.get_state_display()}.",
            ),
            code="illegal_transition",
        )
    return target


# Snapshots -----------------------------------------------------------------


def _date(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def objective_dict(objective: Objective) -> dict:
    return {
        "id": objective.pk,
        "title": objective.title,
        "indicator": objective.indicator,
        "target_date": _date(objective.target_date),
    }


def snapshot(source: Charter | CharterVersion, objectives: list[dict] | None = None) -> dict:
    """Every section of a draft or a version in one comparable shape (dates as ISO strings)."""
    if objectives is None:
        if isinstance(source, CharterVersion):
            objectives = list(source.objectives or [])
        else:
            objectives = [objective_dict(o) for o in source.objectives.filter(is_retired=False)]
    return {
        "purpose": source.purpose,
        "vision": source.vision,
        "strategy": source.strategy,
        "pitch": source.pitch,
        "revisit_by": _date(source.revisit_by),
        "objectives": objectives,
    }


def _content(snap: dict) -> dict:
    """What counts as a change: the sections, with objectives compared by their words, not ids."""
    return {
        **snap,
        "objectives": [
            # A date from the form and an ISO string from a snapshot name the same day.
            (o.get("title", ""), o.get("indicator", ""), _date(o.get("target_date")))
            for o in snap["objectives"]
        ],
    }


# Reads the services need ---------------------------------------------------


def charter_get_or_create(*, community: Community) -> Charter:
    charter, _ = Charter.objects.get_or_create(community=community)
    return charter


def _people_with_roles(community: Community, roles):
    return User.objects.filter(
        memberships__community=community,
        memberships__is_active=True,
        memberships__role__in=roles,
        is_active=True,
    ).distinct()


def _locked(charter: Charter) -> Charter:
    # Two people acting on one charter at once must see each other's result, not overwrite it.
    return Charter.objects.select_for_update().select_related("community").get(pk=charter.pk)


# The draft -----------------------------------------------------------------


class DraftConflict(ValidationError):
    """The draft changed since the editor opened it; carries what it is now."""

    def __init__(self, current: Charter):
        self.current = current
        super().__init__(
            "Someone else saved the draft while you were editing. Their changes are shown below; "
            "your text is still in the form. Check it, then save again to replace theirs.",
            code="draft_conflict",
        )


# A hidden field of the editor came back unreadable (edited by hand, or a broken page): the
# person keeps their text and is told, rather than getting the form back without a word.
DRAFT_REVISION_UNREADABLE = (
    "Nothing was saved: the page could not tell which version of the draft you started from. "
    "Your text is still in the form; check it against the charter as it is now, then save again "
    "to replace the draft with it."
)


def _clean_objectives(rows: list[dict]) -> list[dict]:
    cleaned = []
    for row in rows:
        title = (row.get("title") or "").strip()
        if not title:
            raise ValidationError("Every objective needs a title.", code="objective_title")
        cleaned.append(
            {
                "id": row.get("id") or None,
                "title": title[:200],
                "indicator": (row.get("indicator") or "").strip()[:200],
                "target_date": row.get("target_date") or None,
            }
        )
    return cleaned


def _save_objectives(charter: Charter, rows: list[dict]) -> bool:
    """Make the draft's active objectives exactly `rows`, in order. Returns whether anything changed.

    Removed objectives are retired, not deleted, so that value stories linked to them keep the link.
    """
    existing = {o.pk: o for o in charter.objectives.all()}
    changed = False
    kept = set()
    for position, row in enumerate(rows):
        pk = row["id"]
        if pk is not None:
            objective = existing.get(int(pk))
            if objective is None:
                raise ValidationError(
                    "That objective is not part of this charter.", code="foreign_objective"
                )
            kept.add(objective.pk)
            values = {
                "title": row["title"],
                "indicator": row["indicator"],
                "target_date": row["target_date"],
                "position": position,
                "is_retired": False,
            }
            dirty = [f for f, v in values.items() if getattr(objective, f) != v]
            if dirty:
                for f in dirty:
                    setattr(objective, f, values[f])
                objective.save(update_fields=dirty)
                changed = True
        else:
            Objective.objects.create(
                charter=charter,
                position=position,
                title=row["title"],
                indicator=row["indicator"],
                target_date=row["target_date"],
            )
            changed = True
    retired = [pk for pk, o in existing.items() if pk not in kept and not o.is_retired]
    if retired:
        Objective.objects.filter(pk__in=retired).update(is_retired=True)
        changed = True
    return changed


@transaction.atomic
def charter_draft_update(*, charter: Charter, by, data: dict, expected_revision: int) -> Charter:
    """Save an editor's sections to the working draft.

    `data` holds any of purpose, vision, strategy, pitch, revisit_by and objectives
    (an ordered list of {"id", "title", "indicator", "target_date"}; an id of None is a
    new objective, an objective left out is retired). A section the editor may not
    write must come back unchanged. Raises `DraftConflict` if the draft's revision is
    no longer `expected_revision`.
    """
    charter = _locked(charter)
    access = access_for(by, charter.community)
    may = {
        **dict.fromkeys(SPONSOR_FIELDS, permissions.can_edit_purpose(access)),
        **dict.fromkeys(STEWARD_FIELDS, permissions.can_edit_draft(access)),
    }
    if not any(may.values()):
        raise ValidationError("You may not edit this charter.", code="forbidden")
    unknown = set(data) - set(may)
    if unknown:
        raise TypeError(f"Not a charter section: {', '.join(sorted(unknown))}")
    if charter.draft_revision != expected_revision:
        raise DraftConflict(charter)

    current = snapshot(charter)
    data = dict(data)
    if "objectives" in data:
        data["objectives"] = _clean_objectives(data["objectives"])
    changed = []
    for field, value in data.items():
        if field == "objectives":
            differs = (
                _content({**current, "objectives": value})["objectives"]
                != _content(current)["objectives"]
            )
            # Reordering by id is a change too, even with the same words.
            differs = differs or [o["id"] for o in value] != [
                o["id"] for o in current["objectives"]
            ]
        elif field == "revisit_by":
            differs = _date(value) != current["revisit_by"]
        else:
            value = (value or "").replace("\r\n", "\n")
            data[field] = value
            differs = value != current[field]
        if not differs:
            continue
        if not may[field]:
            if field == "purpose":
                raise ValidationError(
                    "Only a sponsor of this community edits the purpose.",
                    code="purpose_is_sponsors",
                )
            raise ValidationError(
                "Only moderators and the core group edit the vision, objectives, strategy and value proposition.",
                code="sections_are_stewards",
            )
        changed.append(field)
    if not changed:
        return charter

    new_state = _transition(charter, "edit")
    update_fields = ["draft_revision", "updated_at", "updated_by", "state"]
    for field in changed:
        if field == "objectives":
            _save_objectives(charter, data["objectives"])
        else:
            setattr(charter, field, data[field] or (None if field == "revisit_by" else ""))
            update_fields.append(field)
    charter.state = new_state
    charter.draft_revision += 1
    charter.updated_at = timezone.now()
    charter.updated_by = by
    charter.save(update_fields=update_fields)
    if "purpose" in changed:
        audit(community=charter.community, actor=by, action=AuditAction.PURPOSE_EDITED)
    return charter


# Submission and review -----------------------------------------------------


def _sponsors(community: Community):
    return _people_with_roles(community, [Role.SPONSOR])


@transaction.atomic
def charter_submit(*, charter: Charter, by, note: str = "") -> CharterVersion:
    """Freeze the draft into the next version and ask the community's sponsors to review it."""
    charter = _locked(charter)
    community = charter.community
    if not permissions.can_submit(access_for(by, community)):
        raise ValidationError(
            "Only the sponsor, moderators and core group of this community submit its charter.",
            code="forbidden",
        )
    new_state = _transition(charter, "submit")
    if not charter.purpose.strip():
        raise ValidationError(
            "The charter needs a purpose before it can be reviewed.", code="no_purpose"
        )
    latest = charter.versions.order_by("-number").first()
    draft = snapshot(charter)
    if latest is not None and _content(snapshot(latest)) == _content(draft):
        raise ValidationError(
            f"Nothing has changed since version {latest.number}; edit the draft before submitting it again.",
            code="unchanged",
        )
    sponsors = list(_sponsors(community))
    if not sponsors:
        raise ValidationError(
            "This community has no sponsor to review its charter; ask a moderator to give someone the sponsor role.",
            code="no_sponsor",
        )
    number = (charter.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CharterVersion.objects.create(
        charter=charter,
        number=number,
        author=by,
        purpose=charter.purpose,
        vision=charter.vision,
        objectives=draft["objectives"],
        strategy=charter.strategy,
        pitch=charter.pitch,
        revisit_by=charter.revisit_by,
        note=note.strip(),
    )
    charter.state = new_state
    charter.save(update_fields=["state"])
    audit(community=community, actor=by, action=AuditAction.CHARTER_SUBMITTED, version=number)
    url = reverse("charter:review", args=[community.slug, number])
    for sponsor in sponsors:
        if sponsor.pk == by.pk:
            continue
        notify(
            recipient=sponsor,
            kind=Kind.CHARTER_SUBMITTED,
            message=f"{by.name} submitted version {number} of the {community.name} charter for your review.",
            url=url,
            actor=by,
            community=community,
        )
    return version


def _decide(*, version: CharterVersion, by, move: str, comment: str) -> CharterVersion:
    charter = _locked(version.charter)
    # Re-read under the lock: a second click, or a second sponsor, must find the decision made.
    version = CharterVersion.objects.select_for_update().get(pk=version.pk)
    community = charter.community
    if not permissions.can_review(access_for(by, community)):
        raise ValidationError(
            "Only a sponsor of this community decides on its charter.", code="forbidden"
        )
    if version.status != VersionStatus.IN_REVIEW:
        raise ValidationError(
            f"Version {version.number} was already decided: {version.get_status_display().lower()}.",
            code="already_decided",
        )
    latest_number = charter.versions.aggregate(n=Max("number"))["n"]
    if version.number != latest_number:
        raise ValidationError(
            f"Version {version.number} is not the latest; only version {latest_number} can be decided.",
            code="not_latest",
        )
    new_state = _transition(charter, move)
    version.status = (
        VersionStatus.APPROVED if move == "approve" else VersionStatus.CHANGES_REQUESTED
    )
    version.reviewed_by = by
    version.reviewed_at = timezone.now()
    version.review_comment = comment
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    charter.state = new_state
    update_fields = ["state"]
    if move == "approve":
        charter.approved_version = version
        update_fields.append("approved_version")
    charter.save(update_fields=update_fields)

    if move == "approve":
        action, kind = AuditAction.CHARTER_APPROVED, Kind.CHARTER_APPROVED
        message = f"{by.name} approved version {version.number} of the {community.name} charter."
        url = reverse("charter:detail", args=[community.slug])
    else:
        action, kind = AuditAction.CHARTER_CHANGES, Kind.CHARTER_CHANGES_REQUESTED
        message = f"{by.name} asked for changes to version {version.number} of the {community.name} charter."
        url = reverse("charter:version", args=[community.slug, version.number])
    audit(community=community, actor=by, action=action, version=version.number, comment=comment)
    for person in _people_with_roles(community, [Role.MODERATOR, Role.CORE]):
        if person.pk == by.pk:
            continue
        notify(recipient=person, kind=kind, message=message, url=url, actor=by, community=community)
    version.charter = charter
    return version


@transaction.atomic
def charter_approve(*, version: CharterVersion, by, comment: str = "") -> CharterVersion:
    """A sponsor approves the version in review: it becomes what readers see."""
    return _decide(version=version, by=by, move="approve", comment=comment.strip())


@transaction.atomic
def charter_request_changes(*, version: CharterVersion, by, comment: str) -> CharterVersion:
    """A sponsor sends the version back, saying what should change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            "Say what should change, so the editors know what to do.", code="comment_required"
        )
    return _decide(version=version, by=by, move="request_changes", comment=comment)
