"""Site-wide response middleware: the Permissions-Policy header, and styled 404s in the demo."""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from .views import page_not_found


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response.

    The platform uses no camera, microphone, location, payment or USB: saying so means a
    script that ever got in, or a page that frames us, cannot ask the browser for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        policy: dict[str, list[str]] = getattr(settings, "PERMISSIONS_POLICY", {})
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items()
        )
        if not self.header:
            raise MiddlewareNotUsed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class StyledNotFoundMiddleware:
    """With DEBUG on (`make run`), answer a missing page with the styled 404.

    Django's debug 404 lists every URL pattern of the site; the demo is what newcomers judge
    the product by, and they should see the page production shows. DEBUG stays on for the
    tracebacks of a 500. A developer who wants the debug 404 sets DEBUG_PAGES=true.
    It must come after CommonMiddleware, whose APPEND_SLASH redirect reads our 404.
    """

    def __init__(self, get_response):
        if not settings.DEBUG or getattr(settings, "DEBUG_PAGES", False):
            # Without DEBUG, Django itself renders handler404; nothing to do.
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An address no pattern matches fails before any view runs, so process_exception
        # never hears of it: resolve it here first (DEBUG only, so the cost is the demo's).
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
