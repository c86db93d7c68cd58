"""What happened, as webhook events: signal receivers that record deliveries after commit.

No feature app knows of webhooks: they learn of events from `post_save` of the feature
models and of `communities.AuditEvent` (for audited actions). Everything runs in
`transaction.on_commit`, so a rolled-back action sends nothing and the action itself
pays no query for webhooks.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from charter.kinds import AuditAction as CharterAction
from charter.models import ValueStory
from communities.kinds import AuditAction
from communities.models import AuditEvent, Community, CommunityStatus, Visibility
from discussions.models import HelpRequest, Reply, RequestStatus
from meetings.kinds import AuditAction as MeetingAction

from .models import Delivery, Event, Webhook

AUDITED = {
    AuditAction.JOINED: Event.MEMBER_JOINED,
    AuditAction.REQUEST_APPROVED: Event.MEMBER_JOINED,
    MeetingAction.MEETING_SCHEDULED: Event.MEETING_SCHEDULED,
    MeetingAction.MEETING_MOVED: Event.MEETING_MOVED,
    MeetingAction.MEETING_CANCELLED: Event.MEETING_CANCELLED,
    CharterAction.CHARTER_SUBMITTED: Event.CHARTER_SUBMITTED,
    CharterAction.CHARTER_APPROVED: Event.CHARTER_APPROVED,
}


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def webhooks_for(community: Community):
    """Active webhooks that may see this community's events.

    A community's own webhooks always; platform-wide ones only for live communities
    that are not private (a private community's payloads go only to its own webhooks).
    """
    mine = Q(community=community)
    if community.status == CommunityStatus.ACTIVE and community.visibility != Visibility.PRIVATE:
        mine |= Q(community__isnull=True)
    return Webhook.objects.filter(mine, is_active=True)


def record(*, event: str, community_id: int, data: dict) -> list[int]:
    """Create a delivery per interested webhook and enqueue each; returns the delivery ids."""
    from .tasks import send_delivery

    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return []
    hooks = [h for h in webhooks_for(community) if event in (h.events or [])]
    if not hooks:
        return []
    now = timezone.now()
    payload = {
        "type": event,
        "timestamp": now.isoformat(),
        "data": {
            "community": {
                "slug": community.slug,
                "name": community.name,
                "url": _absolute(community.get_absolute_url()),
            },
            **data,
        },
    }
    message_id = f"msg_{uuid.uuid4().hex}"
    rows = Delivery.objects.bulk_create(
        [
            Delivery(
                webhook=h,
                message_id=message_id,
                event=event,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for h in hooks
        ]
    )
    ids = [row.pk for row in rows]
    for pk in ids:
        # robust: a broker outage leaves the row pending for the sweep, and the action stands.
        transaction.on_commit(lambda pk=pk: send_delivery.delay(pk), robust=True)
    return ids


def _later(event: str, community_id: int, build) -> None:
    transaction.on_commit(
        lambda: record(event=event, community_id=community_id, data=build()), robust=True
    )


def _person(user) -> dict | None:
    return None if user is None else {"name": user.name}


def _help_request_data(pk: int) -> dict:
    hr = HelpRequest.objects.select_related("author").get(pk=pk)
    return {
        "help_request": {
            "id": hr.pk,
            "title": hr.title,
            "status": hr.status,
            "url": _absolute(hr.get_absolute_url()),
            "author": _person(hr.author),
            "created_at": hr.created_at.isoformat(),
        }
    }


@receiver(post_save, sender=HelpRequest, dispatch_uid="webhooks_help_request")
def _help_request_saved(sender, instance: HelpRequest, created: bool, update_fields=None, **kwargs):
    if kwargs.get("raw"):
        return
    if created:
        _later(
            Event.HELP_REQUEST_CREATED,
            instance.community_id,
            lambda: _help_request_data(instance.pk),
        )
    elif (
        update_fields
        and "accepted_reply" in update_fields
        and instance.status == RequestStatus.SOLVED
    ):
        _later(
            Event.HELP_REQUEST_SOLVED,
            instance.community_id,
            lambda: _help_request_data(instance.pk),
        )


@receiver(post_save, sender=Reply, dispatch_uid="webhooks_reply")
def _reply_saved(sender, instance: Reply, created: bool, **kwargs):
    if not created or kwargs.get("raw"):
        return
    reply_pk, request_pk = instance.pk, instance.help_request_id

    def build_reply() -> dict:
        reply = Reply.objects.select_related("author", "help_request__community").get(pk=reply_pk)
        data = _help_request_data(request_pk)
        data["reply"] = {
            "id": reply.pk,
            "in_reply_to": reply.in_reply_to_id,
            "author": _person(reply.author),
            "created_at": reply.created_at.isoformat(),
        }
        return data

    def after() -> None:
        hr = HelpRequest.objects.filter(pk=request_pk).values("community_id", "author_id").first()
        if hr is None:
            return
        record(event=Event.REPLY_CREATED, community_id=hr["community_id"], data=build_reply())
        # Answered: the first reply by someone other than the asker.
        reply_author = Reply.objects.filter(pk=reply_pk).values_list("author_id", flat=True).first()
        earlier = (
            Reply.objects.filter(help_request_id=request_pk, pk__lt=reply_pk)
            .exclude(author_id=hr["author_id"])
            .exists()
        )
        if reply_author != hr["author_id"] and not earlier:
            record(
                event=Event.HELP_REQUEST_ANSWERED,
                community_id=hr["community_id"],
                data=build_reply(),
            )

    transaction.on_commit(after, robust=True)


@receiver(post_save, sender=ValueStory, dispatch_uid="webhooks_value_story")
def _value_story_saved(sender, instance: ValueStory, created: bool, **kwargs):
    if not created or kwargs.get("raw"):
        return
    pk = instance.pk

    def build() -> dict:
        story = ValueStory.objects.select_related("author").get(pk=pk)
        return {
            "value_story": {
                "id": story.pk,
                "title": story.title,
                "horizon": story.horizon,
                "beneficiary": story.beneficiary,
                "minutes_saved": story.minutes_saved,
                "author": _person(story.author),
                "created_at": story.created_at.isoformat(),
            }
        }

    _later(Event.VALUE_STORY_RECORDED, instance.community_id, build)


@receiver(post_save, sender=AuditEvent, dispatch_uid="webhooks_audit_event")
def _audited(sender, instance: AuditEvent, created: bool, **kwargs):
    if not created or kwargs.get("raw") or instance.action not in AUDITED:
        return
    event = AUDITED[instance.action]
    pk = instance.pk

    def build() -> dict:
        audit = AuditEvent.objects.select_related("actor", "subject").get(pk=pk)
        detail = dict(audit.detail or {})
        if "url" in detail:
            detail["url"] = _absolute(detail["url"])
        data: dict = {"actor": _person(audit.actor), "detail": detail}
        if event == Event.MEMBER_JOINED:
            data["member"] = _person(audit.subject)
        return data

    _later(event, instance.community_id, build)
