"""Absorb's error envelope (`GenericErrorResponse`):

    {"validations": [string], "code": int, "message": string, "term": string, "_meta": {string: string}}

`code` repeats the HTTP status (inferred); `term` is "ErrorGeneric" for validation
errors (seen by a real client on 422) and a short name otherwise (inferred).

Requests that break the spec: a malformed or missing body or header is 400 (the
documented /authenticate case), a bad query parameter (paging, filter, enum) is 422, and
a path id that is not a GUID is 404, as the gateway's `{id:guid}` routes do not match it.
"""

from __future__ import annotations

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError, Violation

_UNPROCESSABLE = "A validation error occurred with the provided parameters."
TERMS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestTooLarge",
    422: "ErrorGeneric",
    429: "TooManyRequests",
    500: "InternalServerError",
}


# Operations whose documented statuses have 422 but no 400: a body they cannot bind is a
# validation error there (the excerpt's "Finish attempt" lists 200, 404 and 422).
BODY_ERRORS_ARE_422 = frozenset({"finishAttempt", "finishUserLessonAttempt"})


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    if err.status == 400 and ctx.operation_id in BODY_ERRORS_ARE_422:
        err = ApiError(422, _UNPROCESSABLE, code="ErrorGeneric", details=err.details)
    details = err.details if isinstance(err.details, list) else []
    body = {
        "validations": [str(d) for d in details],
        "code": err.status,
        "message": err.message,
        "term": err.code or TERMS.get(err.status, "ErrorGeneric"),
        "_meta": {"requestId": ctx.request_id},
    }
    return Reply(err.status, body, headers=dict(err.headers))


def validation_error(violations: list[Violation]) -> ApiError:
    messages = [f"{v.location}: {v.message}" for v in violations]
    locations = {v.location.split(".", 1)[0].split("[", 1)[0] for v in violations}
    if locations & {"body", "header"}:
        return ApiError(
            400, "The required body parameters were not included or are invalid.", code="BadRequest", details=messages
        )
    if locations == {"path"}:
        return ApiError(404, "The resource was not found.", code="NotFound", details=messages)
    return ApiError(422, _UNPROCESSABLE, code="ErrorGeneric", details=messages)
