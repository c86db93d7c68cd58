"""Meetings' answers to what happens in communities (connected in `MeetingsConfig.ready`)."""

from communities.signals import membership_left

from .services.rsvp import rsvps_withdraw_for_leaver


def _withdraw_rsvps(sender, *, community, user, **kwargs) -> None:
    rsvps_withdraw_for_leaver(community=community, user=user)


def connect() -> None:
    membership_left.connect(_withdraw_rsvps, dispatch_uid="meetings-withdraw-rsvps-of-leaver")
