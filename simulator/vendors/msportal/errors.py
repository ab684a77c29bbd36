"""MSPortal's error envelope: {"error", "requestId", "details", "code"}, with X-Request-Id."""

from __future__ import annotations

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError, Violation

# The documented ErrorResponse names the fields but not the code strings: these are ours.
CODES = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    body = {
        "error": err.message,
        "requestId": ctx.request_id,
        "details": err.details,
        "code": err.code or CODES.get(err.status, "ERROR"),
    }
    return Reply(err.status, body, headers={**err.headers, "X-Request-Id": ctx.request_id})


def validation_error(violations: list[Violation]) -> ApiError:
    details = [{"field": v.location, "message": v.message} for v in violations]
    return ApiError(400, "Validation error", code="VALIDATION_ERROR", details=details)
