"""Filters that ask discussions.permissions what the moderation tools may show.

`{% if access|may_remove:reply %}`: templates never decide a rule themselves.
"""

from django import template

from discussions import permissions

register = template.Library()


@register.filter
def may_flag(access, post) -> bool:
    return access is not None and permissions.can_flag_post(access, post)


@register.filter
def may_remove(access, post) -> bool:
    return access is not None and permissions.can_remove_post(access, post)


@register.filter
def may_moderate(access) -> bool:
    return access is not None and permissions.can_moderate(access)
