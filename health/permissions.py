"""Who may see a community's health figures. Built on the community's `Access`."""

from communities.policy import Access


def can_view_health(access: Access) -> bool:
    """Moderators, sponsors and site admins; every member too when the moderators allow it."""
    if access.is_moderator or access.is_sponsor or access.is_site_admin:
        return True
    return access.is_member and access.community.health_visible_to_members


def can_set_health_visibility(access: Access) -> bool:
    """Whether members see the health page is the moderators' choice."""
    return access.can_moderate and access.community.accepts_members


def can_view_sponsor_overview(user) -> bool:
    return bool(user.is_authenticated)
