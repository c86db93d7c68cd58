"""The Celery app's wiring, and (when REDIS_URL is set) a real round trip through Redis."""

import os
import uuid

import pytest
from django.core import mail
from kombu import pools

from cop_platform.celery import app
from notifications.models import Notification
from notifications.tasks import send_notification_email

from .factories import NotificationFactory


def test_tasks_use_json_ack_late_and_have_time_limits():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_soft_time_limit and conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_the_app_discovers_the_project_tasks():
    app.loader.import_default_modules()
    assert "notifications.tasks.send_notification_email" in app.tasks
    assert "communities.tasks.send_invitation_email" in app.tasks


def _reset_connections():
    """Drop pooled broker connections so the next task uses the broker now configured."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps a producer pool per connection in a registry of its own, holding the pool
    # just closed: forget those too, or the next task (eager ones included, which take a
    # producer for its serializer) meets "Acquire on closed pool".
    pools.reset()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the full stack)")
@pytest.mark.django_db(transaction=True)
def test_a_worker_consumes_a_task_from_redis_and_sends_once(settings):
    from celery.backends.redis import RedisBackend
    from celery.contrib.testing.worker import start_worker
    from celery.result import AsyncResult

    redis_url = os.environ["REDIS_URL"]
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    old = {k: app.conf[k] for k in keys}
    # A queue of its own, so a worker of another test run on the same Redis cannot take its tasks.
    app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        task_default_queue=f"test-{uuid.uuid4().hex}",
    )
    _reset_connections()
    try:
        notification = NotificationFactory()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # Results are read from Redis explicitly: this thread may hold a result backend
            # cached by earlier eager tests.
            backend = RedisBackend(url=redis_url, app=app)
            first = send_notification_email.delay(notification.pk)
            second = send_notification_email.delay(notification.pk)
            assert AsyncResult(first.id, app=app, backend=backend).get(timeout=20) is True
            # The redelivered copy finds the email already claimed.
            assert AsyncResult(second.id, app=app, backend=backend).get(timeout=20) is False
    finally:
        app.conf.update(old)
        _reset_connections()
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None
