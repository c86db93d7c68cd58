"""Who may do what with a community's charter. Built on the community's `Access`.

Views fetch the community with `community_access_or_404` and ask these
functions; templates read the `CharterAccess` the views pass them.
"""

from dataclasses import dataclass

from communities.models import Visibility
from communities.policy import Access


def can_read_charter(access: Access) -> bool:
    """The approved charter is for everyone who can see the community."""
    return access.can_see


def can_read_draft(access: Access) -> bool:
    """The working draft, the history and the reviews: the people who shape the charter."""
    return access.is_core or access.is_sponsor or access.is_site_admin


def can_edit_purpose(access: Access) -> bool:
    """The purpose is the sponsor's to write."""
    return access.is_sponsor and access.community.accepts_members


def can_edit_draft(access: Access) -> bool:
    """Vision, objectives, strategy, pitch and revisit date: moderators and the core group."""
    return access.is_core and access.community.accepts_members


def can_submit(access: Access) -> bool:
    return (access.is_core or access.is_sponsor) and access.community.accepts_members


def can_review(access: Access) -> bool:
    """Only a sponsor of this community decides on its charter (not a site admin, not a moderator)."""
    return access.is_sponsor and access.community.accepts_members


def can_run_vision_rounds(access: Access) -> bool:
    """Open and close rounds, mark contributions as used in the draft."""
    return access.is_moderator and access.community.accepts_members


def can_contribute_ideas(access: Access) -> bool:
    """Members, and interested signed-in people for public and listed communities."""
    if not (access.is_authenticated and access.can_see and access.community.accepts_members):
        return False
    return access.is_member or access.community.visibility != Visibility.PRIVATE


def can_read_stories(access: Access) -> bool:
    return access.can_see


def can_record_story(access: Access) -> bool:
    return access.can_participate


@dataclass(frozen=True)
class CharterAccess:
    """Everything a charter template may ask, computed once per request."""

    access: Access

    @property
    def can_read(self) -> bool:
        return can_read_charter(self.access)

    @property
    def can_read_draft(self) -> bool:
        return can_read_draft(self.access)

    @property
    def can_edit_purpose(self) -> bool:
        return can_edit_purpose(self.access)

    @property
    def can_edit_draft(self) -> bool:
        return can_edit_draft(self.access)

    @property
    def can_submit(self) -> bool:
        return can_submit(self.access)

    @property
    def can_review(self) -> bool:
        return can_review(self.access)

    @property
    def can_run_vision_rounds(self) -> bool:
        return can_run_vision_rounds(self.access)

    @property
    def can_contribute_ideas(self) -> bool:
        return can_contribute_ideas(self.access)

    @property
    def can_record_story(self) -> bool:
        return can_record_story(self.access)


def can_read_vision_rounds(access: Access) -> bool:
    """The record of how the vision was made: everyone who can see the community (interested
    people of public and listed communities take part, so they must be able to read it)."""
    return access.can_see
