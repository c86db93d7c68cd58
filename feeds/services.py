from django.db import transaction
from django.utils import timezone

from .models import CommunityCalendarLink, new_token


@transaction.atomic
def calendar_link_reset(*, community, by) -> CommunityCalendarLink:
    """A new secret address for the community's calendar; the previous one stops working."""
    link, _ = CommunityCalendarLink.objects.select_for_update().get_or_create(
        community=community, defaults={"created_by": by}
    )
    link.token = new_token()
    link.created_at = timezone.now()
    link.created_by = by
    link.save(update_fields=["token", "created_at", "created_by"])
    return link


def calendar_link_revoke(*, community) -> bool:
    return CommunityCalendarLink.objects.filter(community=community).delete()[0] > 0
