"""The personal calendar feed's secret: created, replaced (which revokes the old address) or removed."""

import secrets


def calendar_token_reset(*, user) -> str:
    """Give the person a new secret feed address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def calendar_token_revoke(*, user) -> None:
    """Turn the personal feed off: the address 404s until a new one is made."""
    user.calendar_token = None
    user.save(update_fields=["calendar_token"])
