"""Learn.link's error envelope: `{"status": 422, "error": "Unprocessable Content", "message": "..."}`."""

from __future__ import annotations

from http import HTTPStatus

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError, Violation

# Reason phrases as the vendor writes them (RFC 9110 names, e.g. "Unprocessable Content").
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def reason(status: int) -> str:
    if status in REASONS:
        return REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def envelope(status: int, message: str) -> dict[str, object]:
    return {"status": status, "error": reason(status), "message": message}


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    headers = dict(err.headers)
    if err.status == 401:
        headers.setdefault("WWW-Authenticate", 'Basic realm="learn.link", Bearer')
    return Reply(err.status, envelope(err.status, err.message), headers=headers)


def validation_error(violations: list[Violation]) -> ApiError:
    """A request the spec rejects: 422 Unprocessable Content (the status the docs list for
    the enrolment and completion operations); a body that is not JSON at all is 400."""
    errors = [v for v in violations if v.severity == "error"] or violations
    message = "; ".join(f"{v.location}: {v.message}" for v in errors[:5]) or "Invalid request"
    malformed = any(v.location == "body" and "json" in v.message.lower() for v in errors)
    return ApiError(400 if malformed else 422, message, violations=list(violations))
