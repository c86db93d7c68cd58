"""The REST API, `/api/v1/`: one NinjaAPI with a router per area, the docs served from our own
static files (Swagger UI ships with django-ninja; no CDN, no inline script: CSP holds)."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from . import errors
from .auth import AUTH
from .routes import charter, communities, discussions, health, meetings, notifications

api = NinjaAPI(
    title="Practica API",
    version="1",
    description=(
        "Communities, help requests, meetings, the charter, value stories, health figures and "
        "notifications. Authenticate with a personal access token (`Authorization: Bearer prt_…`, "
        "created under Profile → API tokens) or the site's session (with the CSRF token on writes). "
        'Errors share one body: `{"error": {"status", "code", "message", "messages"}}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
for part in (communities, discussions, meetings, charter, health, notifications):
    api.add_router("", part.router)
