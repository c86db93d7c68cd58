from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 in render_markdown


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for paging and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(list(params.lists()), doseq=True) if params else "?"


@register.filter(name="ago")
def ago(moment) -> str:
    """ "3 hours ago", or "just now" where Django's timesince would say "0 minutes"."""
    if not moment:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter(name="first_paragraph")
def first_paragraph(text: str) -> str:
    """The Markdown up to the first blank line: an excerpt that ends where its author paused."""
    return (text or "").strip().split("\n\n", 1)[0]
