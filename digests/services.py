"""Writes of the email preferences page: what email a person wants, and which communities
stay out of their digest."""

from django.core.exceptions import ValidationError
from django.db import models, transaction

from accounts.models import DigestFrequency
from communities.models import Membership


def email_preferences_update(
    *,
    user,
    digest_frequency: str,
    digest_hour: int,
    meeting_reminders: bool,
    email_notifications: bool,
    muted_community_ids: set[int] | frozenset[int] = frozenset(),
):
    """Save what email `user` wants, and which of their communities stay out of their digest.

    `muted_community_ids` names the communities to mute; every other active membership
    is unmuted. Ids of communities the person is not an active member of are refused.
    """
    if digest_frequency not in DigestFrequency.values:
        raise ValidationError({"digest_frequency": "Choose daily, weekly or never."})
    if not 0 <= digest_hour <= 23:
        raise ValidationError({"digest_hour": "Choose an hour between 0 and 23."})
    muted = set(muted_community_ids)
    memberships = Membership.objects.active().filter(user=user)
    with transaction.atomic():
        # Locked so that joining or leaving meanwhile cannot slip between the check and the update.
        active = set(memberships.select_for_update().values_list("community_id", flat=True))
        if not muted <= active:
            raise ValidationError({"muted": "You can only mute communities you are a member of."})
        user.digest_frequency = digest_frequency
        user.digest_hour = digest_hour
        user.meeting_reminders = meeting_reminders
        user.email_notifications = email_notifications
        user.save(
            update_fields=[
                "digest_frequency",
                "digest_hour",
                "meeting_reminders",
                "email_notifications",
            ]
        )
        memberships.update(
            digest_muted=models.Case(
                models.When(community_id__in=muted, then=models.Value(True)),
                default=models.Value(False),
            )
        )
    return user
