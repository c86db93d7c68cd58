"""One error body for every refusal: `{"error": {"status", "code", "message", "messages"}}`.

Services refuse with `ValidationError` worded for the person; the API passes the
same words on. 404 and 403 come from the same policy as the pages.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError

from discussions.ratelimit import RateLimited as PostingRateLimited

from .auth import RateLimited


class ErrorDetail(Schema):
    status: int
    code: str
    message: str
    messages: list[str]


class ErrorBody(Schema):
    error: ErrorDetail


# Documented on every operation; each refusal comes with this body.
ERRORS = {
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    422: ErrorBody,
    429: ErrorBody,
}


def error_response(
    api: NinjaAPI, request, *, status: int, code: str, messages: list[str], **headers
):
    body = {
        "error": {
            "status": status,
            "code": code,
            "message": " ".join(messages),
            "messages": messages,
        }
    }
    response = api.create_response(request, body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _denied_message(error: PermissionDenied) -> str:
    text = str(error)
    return text or "You may not do this."


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Http404)
    def not_found(request, error):
        return error_response(
            api, request, status=404, code="not_found", messages=[str(error) or "Not found."]
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request, error):
        return error_response(
            api, request, status=403, code="forbidden", messages=[_denied_message(error)]
        )

    @api.exception_handler(PostingRateLimited)
    def posting_limited(request, error):
        return error_response(
            api,
            request,
            status=429,
            code="rate_limited",
            messages=error.messages,
            Retry_After=str(max(1, error.retry_after)),
        )

    @api.exception_handler(ValidationError)
    def refused(request, error):
        code = getattr(error, "code", None) or "refused"
        return error_response(api, request, status=400, code=code, messages=error.messages)

    @api.exception_handler(InputError)
    def bad_input(request, error):
        messages = []
        for item in error.errors:
            where = ".".join(
                str(part) for part in item.get("loc", ()) if part not in ("body", "payload")
            )
            messages.append(
                f"{where}: {item.get('msg', 'invalid')}" if where else item.get("msg", "invalid")
            )
        return error_response(api, request, status=422, code="invalid_input", messages=messages)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, error):
        response = error_response(
            api,
            request,
            status=401,
            code="unauthenticated",
            messages=["Send a personal access token (Authorization: Bearer …) or sign in."],
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(RateLimited)
    def too_many(request, error):
        return error_response(
            api,
            request,
            status=429,
            code="rate_limited",
            messages=[str(error)],
            Retry_After=str(error.retry_after),
        )

    @api.exception_handler(HttpError)
    def http_error(request, error):
        code = "csrf_failed" if "CSRF" in str(error) else "error"
        return error_response(
            api, request, status=error.status_code, code=code, messages=[str(error)]
        )
