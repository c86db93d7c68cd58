import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CommunityCalendarLink(models.Model):
    """The secret address of a community's calendar feed, for calendar apps that cannot sign in.

    Moderators replace it (the old address stops working) or turn it off (the row goes).
    """

    community = models.OneToOneField(
        "communities.Community", on_delete=models.CASCADE, related_name="calendar_link"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Calendar link of {self.community}"
