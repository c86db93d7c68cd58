"""Writes of the health app: the moderators' choice of who sees the health page."""

from django.db import transaction

from communities.kinds import AuditAction
from communities.models import Community
from communities.services import audit


@transaction.atomic
def health_visibility_set(*, community: Community, by, visible: bool) -> Community:
    """Open the health page to every member (`visible`) or keep it for moderators and sponsors.

    Setting what is already set changes nothing and records nothing.
    """
    visible = bool(visible)
    # Lock the row: two moderators switching at once each see the other's outcome, not a stale one.
    current = (
        Community.objects.select_for_update()
        .values_list("health_visible_to_members", flat=True)
        .get(pk=community.pk)
    )
    community.health_visible_to_members = visible
    if current == visible:
        return community
    community.save(update_fields=["health_visible_to_members"])
    audit(
        community=community,
        actor=by,
        action=AuditAction.SETTINGS_CHANGED,
        fields=["health_visible_to_members"],
        visible=visible,
    )
    return community
