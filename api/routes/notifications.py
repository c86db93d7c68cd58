"""My notifications; mark one or all read."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read

from ..auth import require_write
from ..errors import ERRORS
from ..paging import Paged, paged
from .common import Person, person

router = Router(tags=["notifications"])

PER_PAGE = 30


class NotificationOut(Schema):
    id: int
    kind: str
    message: str
    url: str
    community: str | None
    actor: Person | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkedOut(Schema):
    marked: int


def _notification(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "message": n.message,
        "url": n.url,
        "community": n.community.slug if n.community else None,
        "actor": person(n.actor),
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("/notifications", response={200: Paged[NotificationOut], **ERRORS})
def notification_list(request, unread: bool = False, page: int = 1):
    notifications = Notification.objects.for_user(request.user).select_related("actor", "community")
    if unread:
        notifications = notifications.unread()
    return paged(
        notifications.order_by("-created_at", "-pk"),
        page=page,
        per_page=PER_PAGE,
        item=_notification,
    )


@router.post("/notifications/{pk}/read", response={200: NotificationOut, **ERRORS})
def mark_read(request, pk: int):
    require_write(request)
    notification = get_object_or_404(
        Notification.objects.select_related("actor", "community"), pk=pk, recipient=request.user
    )
    return _notification(notification_mark_read(notification=notification))


@router.post("/notifications/read", response={200: MarkedOut, **ERRORS})
def mark_all_read(request):
    require_write(request)
    return {"marked": notifications_mark_all_read(user=request.user)}
