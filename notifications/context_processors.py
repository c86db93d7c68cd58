from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request) -> dict:
    """The bell's unread count: one COUNT query, run only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": SimpleLazyObject(lambda: Notification.objects.for_user(user).unread().count())}
