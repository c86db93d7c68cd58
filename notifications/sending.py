"""Send an email at most once, whichever worker or redelivery gets there first."""

import logging
import smtplib
from collections.abc import Callable

from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)


def send_claimed_email(
    task,
    *,
    queryset: models.QuerySet,
    claim_field: str,
    build: Callable[[], EmailMultiAlternatives],
) -> bool:
    """Claim the row's `claim_field` with a conditional UPDATE, then send `build()`.

    Only the first caller finds the field empty, so a redelivered task or a second
    worker sends nothing. If sending fails the claim is released and `task` retries
    with exponential backoff (at most an hour apart).
    """
    if not queryset.filter(**{f"{claim_field}__isnull": True}).update(**{claim_field: timezone.now()}):
        return False
    try:
        build().send()
    except (smtplib.SMTPException, OSError) as exc:
        queryset.update(**{claim_field: None})
        logger.warning("Email for %s failed: %s", queryset.model.__name__, exc)
        raise task.retry(exc=exc, countdown=min(60 * 2**task.request.retries, 3600)) from exc
    return True
