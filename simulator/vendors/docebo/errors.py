"""Docebo's error bodies.

Docebo publishes no error schema (the "error codes" section of its API general
information page is not retrievable), so the shapes are inferred:

- API errors (400, 404, 413, 429, 500): `{"message": str, "version": "1.0.0", "_links": []}`,
  the envelope every Docebo API response carries, plus `errors: [{field, message}]`
  for requests that do not match the spec.
- The OAuth2 layer (the token endpoint, and 401 on API calls) speaks RFC 6749:
  `{"error": "invalid_client", "error_description": "..."}`. A 401 on an API call
  carries both the OAuth2 keys and the API envelope, so a client that reads either
  finds its message, plus a `WWW-Authenticate: Bearer` challenge.

Every reply, errors included, carries `X-Docebo-Api-Version: 1.0.0`.
"""

from __future__ import annotations

from typing import Any

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError, Violation

API_VERSION = "1.0.0"
VERSION_HEADERS = {
    "X-Docebo-Api-Version": API_VERSION,
    "Access-Control-Expose-Headers": "X-Docebo-Api-Version",
}
TOKEN_OPERATION = "requestToken"  # noqa: S105 - an operationId, not a secret
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_token",
    }
)
MAX_USERS_PER_CALL = 1000


def envelope(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "version": API_VERSION, "_links": [], **extra}


def bad_request(message: str, **kwargs: Any) -> ApiError:
    return ApiError(400, message, **kwargs)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def not_found_path(path: str) -> ApiError:
    """A path no operation serves. Docebo's routes only match numeric ids, so
    `/course/v1/courses/enrollments` is not a course view with a bad id but an unknown path."""
    return ApiError(404, f"Page not found: {path}")


def oauth_error(status: int, code: str, description: str) -> ApiError:
    return ApiError(status, description, code=code)


def invalid_token(description: str) -> ApiError:
    return ApiError(
        401,
        description,
        code="invalid_token",
        headers={
            "WWW-Authenticate": f'Bearer realm="Service", error="invalid_token", error_description="{description}"'
        },
    )


def too_many_users(count: int) -> ApiError:
    return bad_request(f"You can process at most {MAX_USERS_PER_CALL} users per call; {count} were given")


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    headers = {**VERSION_HEADERS, **err.headers}
    on_token_endpoint = ctx.operation_id == TOKEN_OPERATION
    code = err.code if err.code in OAUTH_ERRORS else None
    if code is None and on_token_endpoint and err.status == 400:
        code = "invalid_request"  # a malformed token request is an OAuth2 invalid_request
    body: dict[str, Any]
    if code is not None:
        body = {"error": code, "error_description": err.message}
        if not on_token_endpoint:
            body.update(envelope(err.message))
    else:
        body = envelope(err.message)
        if err.details is not None:
            body["errors"] = err.details
    return Reply(err.status, body, headers=headers)


def validation_error(violations: list[Violation]) -> ApiError:
    if any(v.location.startswith("path.") and v.severity == "error" for v in violations):
        # A path segment that is not an id matches no Docebo route: 404, not a 400 about a parameter.
        return ApiError(404, "Page not found", violations=violations)
    errors = [{"field": _field(v.location), "message": v.message} for v in violations if v.severity == "error"]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "Invalid request"
    return ApiError(400, f"Invalid parameters: {summary}", details=errors, violations=violations)


def _field(location: str) -> str:
    # "body.user_ids" -> "user_ids"; "query.page" -> "page"
    return location.split(".", 1)[1] if "." in location else location
