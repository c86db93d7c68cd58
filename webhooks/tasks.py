"""Celery tasks of webhooks: thin; the work is claimed in the database (see `delivery`)."""

from celery import shared_task

from . import delivery


# The hard limit stays below WEBHOOKS_LEASE_SECONDS, so a slow live send is never claimed twice.
@shared_task(acks_late=True, soft_time_limit=30, time_limit=40)
def send_delivery(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def send_due_deliveries() -> int:
    """Every minute: hand out deliveries due for a retry (and ones a dead worker left)."""
    ids = delivery.due_ids()
    for pk in ids:
        send_delivery.delay(pk)
    return len(ids)
