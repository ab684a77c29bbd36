"""Skillable TMS errors: HTTP 200 with a body status, in the casing of the operation.

ApiError.status is the simulator's internal classification: 401/403 -> body status 30
(Invalid integration key), 404 -> 20 (Not found), anything else a client caused
(400, 413, 422 ...) -> 10 (Error, with the message as `error`), all at HTTP 200.
Statuses that come from infrastructure rather than the API's code keep their HTTP
status, with the operation's body (status 10): 429 (only ever an injected fault; Skillable
documents no rate limit) and 5xx (an injected outage, or a simulator bug that HTTP 200
would hide from tests). [inferred]

Requests that match no operation (unknown path: 404, wrong method: 405 with `Allow`)
never reach the API's own code, so they keep their HTTP status and get a web-framework
style body `{"Message": ...}` (ASP.NET Web API's shape; inferred, not documented).
"""

from __future__ import annotations

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError, Violation
from simulator.vendors.skillable import wire
from simulator.vendors.skillable.states import ApiStatus


def body_status(err: ApiError) -> ApiStatus:
    if err.status in (401, 403):
        return ApiStatus.INVALID_INTEGRATION_KEY
    if err.status == 404:
        return ApiStatus.NOT_FOUND
    return ApiStatus.ERROR


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    if not ctx.operation_id and err.status in (404, 405):
        return Reply(err.status, {"Message": _framework_message(err, ctx)}, headers=dict(err.headers))
    http_status = err.status if err.status >= 500 or err.status == 429 else 200
    return Reply(http_status, wire.failure(ctx.operation_id, body_status(err), err.message), headers=dict(err.headers))


def _framework_message(err: ApiError, ctx: RequestContext) -> str:
    if err.status == 405:
        return f"The requested resource does not support http method '{ctx.method}'."
    return f"No HTTP resource was found that matches the request URI '{ctx.path}'."


def validation_error(violations: list[Violation]) -> ApiError:
    problems = "; ".join(f"{_parameter(v.location)}: {v.message}" for v in violations if v.severity == "error")
    return ApiError(400, f"Invalid request: {problems or 'the request does not match the API'}", violations=violations)


def _parameter(location: str) -> str:
    """'query.classId' -> 'classId' (Skillable parameters are all in the query or the path)."""
    _, _, name = location.partition(".")
    return name or location
