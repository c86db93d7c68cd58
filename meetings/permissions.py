"""Who may do what with a community's meetings. Built on the community's `Access`.

Views fetch the community with `community_access_or_404` and ask these
functions; templates read the `MeetingAccess` the views pass them.
"""

from dataclasses import dataclass

from communities.policy import Access


def can_read_meetings(access: Access) -> bool:
    """Meetings are community content: whoever may read the community (members; anyone signed in if public)."""
    return access.can_read


def can_rsvp(access: Access) -> bool:
    """Members of a live, unarchived community answer going, maybe or not going."""
    return access.can_participate


def can_manage_meetings(access: Access) -> bool:
    """Schedule series, move or cancel one meeting, write agendas and notes, record attendance:
    the core group and moderators (site admins too)."""
    return (access.is_core or access.is_site_admin) and access.community.accepts_members


def can_set_reminders(access: Access) -> bool:
    """When reminders go out is the moderators' choice for their community."""
    return access.can_moderate and access.community.accepts_members


@dataclass(frozen=True)
class MeetingAccess:
    """What a template may offer, computed once per request."""

    can_read: bool
    can_rsvp: bool
    can_manage: bool
    can_set_reminders: bool

    @classmethod
    def of(cls, access: Access) -> "MeetingAccess":
        return cls(
            can_read=can_read_meetings(access),
            can_rsvp=can_rsvp(access),
            can_manage=can_manage_meetings(access),
            can_set_reminders=can_set_reminders(access),
        )
