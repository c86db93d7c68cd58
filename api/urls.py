"""The API's routes, each read answered with an ETag (If-None-Match → 304)."""

import functools
import hashlib

from django.urls import URLPattern, include, path
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from .api import api


def with_etag(view):
    """A strong ETag over the body of each successful read, and 304 when the client has it.

    The body is what this caller may see, so the tag varies with who asks (Authorization,
    Cookie) and is cached privately only.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.streaming
        ):
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        patch_vary_headers(response, ("Authorization", "Cookie"))
        patch_cache_control(response, private=True, no_cache=True)
        conditional = get_conditional_response(request, etag=etag, response=response)
        return conditional

    return wrapped


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = with_etag(pattern.callback)
    return patterns


_patterns, _app_name, _namespace = api.urls
urlpatterns = [path("api/v1/", include((_wrapped(_patterns), _app_name), namespace=_namespace))]
