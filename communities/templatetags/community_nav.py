"""`{% community_tabs as tabs %}`: the community pages' tabs for this viewer (communities/nav.py)."""

from django import template
from django.urls import reverse

from communities import nav

register = template.Library()


@register.simple_tag(takes_context=True)
def community_tabs(context) -> list[dict]:
    community = context["community"]
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return [
        {
            "label": tab.label,
            "href": reverse(tab.url_name, args=[community.slug]),
            "current": match is not None and tab.current(match),
        }
        for tab in nav.tabs_for(context.get("access"))
    ]
