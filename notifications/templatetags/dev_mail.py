from django import template

from notifications import devmail

register = template.Library()


@register.simple_tag
def dev_mail_enabled() -> bool:
    """Whether the development mail viewer exists (emails go to files)."""
    return devmail.enabled()
