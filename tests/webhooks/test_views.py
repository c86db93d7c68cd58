import pytest
from django.urls import reverse

from tests.test_query_budgets import assert_flat_then_pinned
from webhooks.models import Delivery, DeliveryStatus, Event, Webhook

# Session, user, unread count, the community pages' 3, then the webhooks (list) or
# the webhook, page count and page (log).
LIST_BUDGET = 7
LOG_BUDGET = 9


def test_a_moderator_adds_a_webhook_and_sees_its_secret(client, moderator, community):
    client.force_login(moderator)
    response = client.post(
        reverse("webhooks:list", args=[community.slug]),
        {"url": "https://hooks.example.org/in", "events": [Event.REPLY_CREATED], "is_active": "on"},
    )
    hook = Webhook.objects.get()
    assert response.url == reverse("webhooks:edit", args=[community.slug, hook.pk])
    assert hook.community == community and hook.events == [Event.REPLY_CREATED]
    assert hook.secret.startswith("whsec_")
    assert hook.secret in client.get(response.url).content.decode()


def test_a_bad_target_is_refused_with_a_message_and_nothing_saved(
    client, moderator, community, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(moderator)
    response = client.post(
        reverse("webhooks:list", args=[community.slug]),
        {"url": "http://127.0.0.1:8000/x", "events": [Event.REPLY_CREATED], "is_active": "on"},
    )
    assert response.status_code == 200
    assert "loopback or private address" in response.content.decode()
    assert not Webhook.objects.exists()


def test_send_again_queues_a_failed_delivery(
    client, moderator, community, django_capture_on_commit_callbacks
):
    hook = Webhook.objects.create(community=community, url="http://127.0.0.1:9/none")
    row = Delivery.objects.create(
        webhook=hook,
        message_id="msg_1",
        event=Event.MEMBER_JOINED,
        payload={},
        status=DeliveryStatus.FAILED,
    )
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:send_again", args=[community.slug, hook.pk, row.pk]))
    row.refresh_from_db()
    # Sent again at once (tasks run eagerly in tests); the port refuses, so it waits to retry.
    assert row.attempts == 1 and row.status == DeliveryStatus.RETRYING


def test_another_communitys_webhook_is_404(client, moderator, community):
    from tests.factories import CommunityFactory

    other = Webhook.objects.create(community=CommunityFactory(), url="https://hooks.example.org/x")
    client.force_login(moderator)
    assert client.get(reverse("webhooks:edit", args=[community.slug, other.pk])).status_code == 404


def test_webhook_list_queries_do_not_grow_with_webhooks(
    client, moderator, community, django_assert_max_num_queries
):
    """Guards a query per webhook on the list."""
    client.force_login(moderator)

    def grow(n):
        Webhook.objects.bulk_create(
            [Webhook(community=community, url=f"https://hooks.example.org/{i}") for i in range(n)]
        )

    assert_flat_then_pinned(
        client,
        reverse("webhooks:list", args=[community.slug]),
        grow,
        LIST_BUDGET,
        django_assert_max_num_queries,
    )


@pytest.mark.django_db
def test_delivery_log_queries_do_not_grow_with_deliveries(
    client, moderator, community, django_assert_max_num_queries
):
    """Guards a query per delivery (its webhook) on the log."""
    hook = Webhook.objects.create(community=community, url="https://hooks.example.org/in")
    client.force_login(moderator)
    counter = iter(range(10_000))

    def grow(n):
        Delivery.objects.bulk_create(
            [
                Delivery(
                    webhook=hook,
                    message_id=f"msg_{next(counter)}",
                    event=Event.MEMBER_JOINED,
                    payload={},
                    status=DeliveryStatus.SUCCEEDED,
                    response_code=200,
                    response_ms=12,
                    attempts=2,
                )
                for _ in range(n)
            ]
        )

    assert_flat_then_pinned(
        client,
        reverse("webhooks:log", args=[community.slug, hook.pk]),
        grow,
        LOG_BUDGET,
        django_assert_max_num_queries,
    )


@pytest.mark.django_db(transaction=True)
def test_send_again_repeats_a_delivered_event_with_the_same_id(client, moderator, community):
    from tests.webhooks import receiver as receiver_module
    from webhooks import delivery

    rec, server = receiver_module.start()
    try:
        hook = Webhook.objects.create(community=community, url=rec.url)
        row = Delivery.objects.create(
            webhook=hook, message_id="msg_again", event=Event.MEMBER_JOINED, payload={}
        )
        assert delivery.deliver(row.pk) == delivery.SENT
        client.force_login(moderator)
        client.post(reverse("webhooks:send_again", args=[community.slug, hook.pk, row.pk]))
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SUCCEEDED and row.attempts == 2
        assert [r["headers"]["webhook-id"] for r in rec.received] == ["msg_again", "msg_again"]
    finally:
        server.shutdown()
        server.server_close()
