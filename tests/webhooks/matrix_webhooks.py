"""Permission matrix rows for webhooks and feeds; merged into tests/test_permission_matrix.py.

A community's webhooks are for its moderators (and site admins); platform-wide ones for
site admins only. Feeds need no sign-in: public and listed communities' feeds are open,
a private community's is 404 to everyone (feed readers cannot sign in).
"""

from tests.matrix_common import (
    EVERYONE,
    LISTED,
    LOGIN,
    MODERATOR_ACTION,
    MODERATOR_PAGE,
    OK,
    PRIVATE,
    PUBLIC,
    REDIRECT,
    Row,
    World,
    slug,
)
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook

ADMIN_PAGE = (LOGIN, 403, 403, 403, 403, 403, OK)
ADMIN_ACTION = (LOGIN, 403, 403, 403, 403, 403, REDIRECT)


def _hook(w: World, community) -> Webhook:
    return w.memo(
        f"webhook_{community is None}",
        lambda: Webhook.objects.create(community=community, url="https://hooks.example.org/in"),
    )


def _delivery(w: World, hook: Webhook) -> Delivery:
    return w.memo(
        f"delivery_{hook.pk}",
        lambda: Delivery.objects.create(
            webhook=hook,
            message_id="msg_matrix",
            event=Event.MEMBER_JOINED,
            payload={},
            status=DeliveryStatus.SUCCEEDED,
        ),
    )


def hook(w: World) -> dict:
    return {"slug": w.community.slug, "pk": _hook(w, w.community).pk}


def hook_delivery(w: World) -> dict:
    h = _hook(w, w.community)
    return {"slug": w.community.slug, "pk": h.pk, "delivery_pk": _delivery(w, h).pk}


def platform_hook(w: World) -> dict:
    return {"pk": _hook(w, None).pk}


def platform_delivery(w: World) -> dict:
    h = _hook(w, None)
    return {"pk": h.pk, "delivery_pk": _delivery(w, h).pk}


def form_data(w: World) -> dict:
    return {
        "url": "https://hooks.example.org/matrix",
        "events": [Event.REPLY_CREATED],
        "is_active": "on",
    }


ROWS: dict[str, Row] = {
    "webhooks:list": Row(get=MODERATOR_PAGE, post=MODERATOR_ACTION, kwargs=slug, data=form_data),
    "webhooks:edit": Row(get=MODERATOR_PAGE, post=MODERATOR_ACTION, kwargs=hook, data=form_data),
    "webhooks:delete": Row(post=MODERATOR_ACTION, kwargs=hook),
    "webhooks:log": Row(get=MODERATOR_PAGE, kwargs=hook),
    "webhooks:send_again": Row(post=MODERATOR_ACTION, kwargs=hook_delivery),
    "webhooks:platform_list": Row(get=ADMIN_PAGE, post=ADMIN_ACTION, data=form_data),
    "webhooks:platform_edit": Row(
        get=ADMIN_PAGE, post=ADMIN_ACTION, kwargs=platform_hook, data=form_data
    ),
    "webhooks:platform_delete": Row(post=ADMIN_ACTION, kwargs=platform_hook),
    "webhooks:platform_log": Row(get=ADMIN_PAGE, kwargs=platform_hook),
    "webhooks:platform_send_again": Row(post=ADMIN_ACTION, kwargs=platform_delivery),
    "feeds:community": Row(
        get={PUBLIC: EVERYONE, LISTED: EVERYONE, PRIVATE: (404,) * 7}, kwargs=slug
    ),
    "feeds:help_wanted": Row(get=EVERYONE),
    "feeds:calendar_link": Row(
        get=MODERATOR_PAGE, post=MODERATOR_ACTION, kwargs=slug, data=lambda w: {"action": "reset"}
    ),
    "feeds:community_calendar": Row(
        get=(404,) * 7, kwargs=lambda w: {"token": "made-up-token-that-nobody-has"}
    ),
}
POST_ONLY: set = {
    "webhooks:delete",
    "webhooks:send_again",
    "webhooks:platform_delete",
    "webhooks:platform_send_again",
}
