import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier

from charter.models import ValueStory
from communities.services import membership_join
from discussions.services.posting import answer_accept, help_request_create, reply_create
from notifications.models import Notification
from tests.factories import CommunityFactory, UserFactory
from webhooks import delivery
from webhooks.kinds import Kind
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook
from webhooks.targets import check_target

from . import receiver as receiver_module


@pytest.fixture
def receiver():
    rec, server = receiver_module.start()
    yield rec
    server.shutdown()
    server.server_close()


def events_of(rec) -> list[str]:
    return [json.loads(r["body"])["type"] for r in rec.received]


def verify(hook: Webhook, request: dict) -> dict:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    return Verifier(hook.secret).verify(request["body"], headers)


@pytest.mark.django_db(transaction=True)
def test_each_event_reaches_the_receiver_once_signed(receiver, community, moderator, member):
    hook = Webhook.objects.create(community=community, url=receiver.url)
    request = help_request_create(
        community=community, by=member, title="Pods keep restarting", body="Why?"
    )
    reply = reply_create(help_request=request, by=moderator, body="Check the probes.")
    answer_accept(help_request=request, reply=reply, by=member)
    newcomer = UserFactory()
    membership_join(community=community, user=newcomer)
    ValueStory.objects.create(
        community=community,
        author=member,
        title="Saved a day",
        what_happened="x",
        who_benefited="y",
        horizon="short",
        beneficiary="members",
    )
    assert sorted(events_of(receiver)) == sorted(
        [
            Event.HELP_REQUEST_CREATED,
            Event.REPLY_CREATED,
            Event.HELP_REQUEST_ANSWERED,
            Event.HELP_REQUEST_SOLVED,
            Event.MEMBER_JOINED,
            Event.VALUE_STORY_RECORDED,
        ]
    )
    for request_seen in receiver.received:
        payload = verify(hook, request_seen)
        assert payload["data"]["community"]["slug"] == community.slug
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == len(receiver.received)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


@pytest.mark.django_db(transaction=True)
def test_a_hook_gets_only_the_events_it_chose(receiver, community, member):
    Webhook.objects.create(community=community, url=receiver.url, events=[Event.REPLY_CREATED])
    help_request_create(community=community, by=member, title="Only replies please", body="x")
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_private_events_go_only_to_that_communitys_hooks(
    receiver, private_community, community, member
):
    platform = Webhook.objects.create(community=None, url=receiver.url)
    other = Webhook.objects.create(community=community, url=receiver.url)
    own = Webhook.objects.create(community=private_community, url=receiver.url)
    help_request_create(community=private_community, by=member, title="Secret incident", body="x")
    assert Delivery.objects.filter(webhook=own).count() == 1
    assert not Delivery.objects.filter(webhook__in=[platform, other]).exists()
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_platform_hooks_get_public_and_listed_events(receiver, community, member):
    listed = CommunityFactory(visibility="listed", join_policy="request")
    hook = Webhook.objects.create(community=None, url=receiver.url, events=[Event.MEMBER_JOINED])
    membership_join(community=community, user=UserFactory())
    from communities.services import join_request_approve, join_request_create

    asker = UserFactory()
    join_request_approve(join_request=join_request_create(community=listed, user=asker), by=member)
    assert Delivery.objects.filter(webhook=hook).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_500_is_retried_with_backoff_and_then_delivered(receiver, community, member):
    receiver.answers = [500, 500]
    Webhook.objects.create(
        community=community, url=receiver.url, events=[Event.HELP_REQUEST_CREATED]
    )
    help_request_create(community=community, by=member, title="Retry me", body="x")
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.RETRYING and row.response_code == 500
    assert delivery.due_ids() == []  # not before its backoff
    for _ in range(2):
        row.refresh_from_db()
        with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
            assert delivery.due_ids() == [row.pk]
            delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SUCCEEDED and row.attempts == 3
    assert len(receiver.received) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_claimed_by_a_killed_worker_is_not_sent_twice(receiver, community):
    hook = Webhook.objects.create(community=community, url=receiver.url)
    row = Delivery.objects.create(
        webhook=hook, message_id="msg_1", event=Event.MEMBER_JOINED, payload={}
    )
    now = timezone.now()
    # A worker claimed the row and was killed mid-send: its redelivered task, a second
    # worker and the sweep all find the live claim and send nothing.
    assert delivery._claim(row.pk, now)
    assert delivery.deliver(row.pk) == delivery.NOT_CLAIMED
    assert delivery.due_ids() == []
    assert receiver.received == []
    # After the lease the sweep hands it out again, once.
    with time_machine.travel(now + dt.timedelta(seconds=301)):
        assert delivery.due_ids() == [row.pk]
        assert delivery.deliver(row.pk) == delivery.SENT
        assert delivery.deliver(row.pk) == delivery.NOT_CLAIMED
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
@override_settings(WEBHOOKS_DISABLE_AFTER=3)
def test_repeated_failures_turn_the_hook_off_and_tell_the_moderators(
    receiver, community, moderator
):
    receiver.answers = [500] * 10
    hook = Webhook.objects.create(community=community, url=receiver.url)
    for n in range(3):
        row = Delivery.objects.create(
            webhook=hook, message_id=f"msg_{n}", event=Event.MEMBER_JOINED, payload={}
        )
        delivery.deliver(row.pk)
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at
    assert Notification.objects.filter(recipient=moderator, kind=Kind.WEBHOOK_DISABLED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_a_day_after_the_event(receiver, community):
    receiver.answers = [500] * 20
    hook = Webhook.objects.create(community=community, url=receiver.url)
    row = Delivery.objects.create(
        webhook=hook, message_id="msg_x", event=Event.MEMBER_JOINED, payload={}
    )
    with time_machine.travel(row.created_at + dt.timedelta(hours=23, minutes=59, seconds=57)):
        delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED


@override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.0.0.5/x",
        "http://[::1]/x",
        "ftp://example.org/",
    ],
)
def test_loopback_and_private_targets_are_refused(url):
    with pytest.raises(ValidationError):
        check_target(url)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("action", "event"),
    [
        ("meeting_scheduled", Event.MEETING_SCHEDULED),
        ("meeting_moved", Event.MEETING_MOVED),
        ("meeting_cancelled", Event.MEETING_CANCELLED),
        ("charter_submitted", Event.CHARTER_SUBMITTED),
        ("charter_approved", Event.CHARTER_APPROVED),
    ],
)
def test_audited_actions_become_their_events(receiver, community, moderator, action, event):
    from communities.services import audit

    hook = Webhook.objects.create(community=community, url=receiver.url)
    audit(community=community, actor=moderator, action=action, title="Clinic", url="/c/kubernetes/")
    assert events_of(receiver) == [event]
    payload = verify(hook, receiver.received[0])
    assert payload["data"]["detail"]["url"].endswith("/c/kubernetes/")
