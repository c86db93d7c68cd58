"""Builders for hand-made health data sets: people with a membership history, posts at set times.

The denormalised fields the services keep (`HelpRequest.first_reply_at`, the
membership stint, the JOINED/LEFT audit trail) are kept here the same way, so the
figures are tested on data shaped like the platform's own.
"""

from communities.kinds import AuditAction
from communities.models import AuditEvent, Membership, Role
from discussions.models import HelpRequest
from tests.discussions.factories import HelpRequestFactory, ReplyFactory
from tests.factories import UserFactory


def event(community, user, action, at):
    return AuditEvent.objects.create(
        community=community, actor=user, action=action, subject=user, created_at=at
    )


def person_with_history(community, *stints, unit=..., role=Role.MEMBER, audit=True, how=AuditAction.JOINED):
    """A person whose memberships were `stints`: (joined, left or None) pairs, oldest first.

    The Membership row keeps the last stint and the first join, as the services do;
    the audit log gets one join (`how`) and one LEFT event per stint (unless `audit` is off).
    """
    user = UserFactory() if unit is ... else UserFactory(unit=unit)
    last_joined, last_left = stints[-1]
    Membership.objects.create(
        community=community,
        user=user,
        role=role,
        first_joined_at=stints[0][0],
        joined_at=last_joined,
        left_at=last_left,
        is_active=last_left is None,
    )
    if audit:
        for joined, left in stints:
            event(community, user, how, joined)
            if left is not None:
                event(community, user, AuditAction.LEFT, left)
    return user


def ask(community, author, at, *, removed=False, **fields):
    return HelpRequestFactory(
        community=community, author=author, created_at=at, last_activity_at=at, is_removed=removed, **fields
    )


def reply(help_request, author, at, *, removed=False, unit=..., parent=None):
    """A reply at `at`; keeps the request's first reply by someone other than the asker, as posting does."""
    fields = {"author": author, "created_at": at, "is_removed": removed}
    if unit is not ...:
        fields["author_unit"] = unit
    made = (
        ReplyFactory(parent=parent, **fields)
        if parent is not None
        else ReplyFactory(help_request=help_request, **fields)
    )
    if not removed and author != help_request.author and (
        help_request.first_reply_at is None or at < help_request.first_reply_at
    ):
        help_request.first_reply_at = at
        HelpRequest.objects.filter(pk=help_request.pk).update(first_reply_at=at)
    return made


def accept(help_request, answer, at):
    help_request.accepted_reply = answer
    help_request.accepted_at = at
    help_request.status = "solved"
    help_request.save(update_fields=["accepted_reply", "accepted_at", "status"])
    return help_request
