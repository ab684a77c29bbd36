"""One small handler per operationId of specs/learnlink.yaml."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from simulator.core import clock
from simulator.core.context import Principal, Reply, RequestContext
from simulator.core.errors import ApiError, Violation
from simulator.core.vendor import OperationTable
from simulator.vendors.learnlink import auth, wire
from simulator.vendors.learnlink.backend import assignments, completions, directory, enrolments, tokens
from simulator.vendors.learnlink.errors import validation_error

operations = OperationTable()


def _instant(value: Any, name: str) -> dt.datetime | None:
    """A date-time query or body value (the pipeline checked its format; parse it once more)."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        return clock.parse_instant(str(value))
    except clock.ClockError:
        raise ApiError(422, f"{name}: not an ISO 8601 date-time") from None


def _paging(ctx: RequestContext) -> tuple[int, int]:
    return int(ctx.query.get("page") or 1), int(ctx.query.get("perPage") or 100)


def _body(ctx: RequestContext) -> dict[str, Any]:
    if ctx.body is None:
        return {}
    if not isinstance(ctx.body, dict):
        raise ApiError(422, "body: expected a JSON object")
    return ctx.body


# --- auth ---------------------------------------------------------------------------


# The spec's bound on the token endpoint's Authorization header (the core's validation leaves
# Authorization to each vendor's auth, so the token endpoint checks it itself).
MAX_AUTHORIZATION_LENGTH = 1024


def _client_credentials(ctx: RequestContext, form: dict[str, Any]) -> tuple[str, str]:
    header = ctx.headers.get("authorization", "")
    if len(header) > MAX_AUTHORIZATION_LENGTH:
        too_long = Violation("header.Authorization", f"longer than {MAX_AUTHORIZATION_LENGTH} characters")
        raise validation_error([too_long])
    basic = auth.parse_basic(header.strip())
    if basic is not None:
        return basic
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not client_id or secret is None:
        raise ApiError(401, "invalid_client: client credentials are required", code="invalid_client")
    return str(client_id), str(secret)


@operations("getToken")
def get_token(ctx: RequestContext) -> Reply:
    form = _body(ctx)
    tenant_id = ctx.path_params["tenantId"]
    client_id, secret = _client_credentials(ctx, form)
    credential = tokens.find_credential(ctx.session, tenant_id, secret) if client_id == tenant_id else None
    if credential is None:
        raise ApiError(401, "invalid_client: unknown client or wrong secret", code="invalid_client")
    ctx.authenticate_as(Principal(credential.tenant, credential.tenant_id, frozenset(credential.scopes)))
    requested = form.get("scope")
    scopes = tokens.granted_scopes(credential, str(requested).split() if requested else None)
    token = tokens.issue(ctx.session, credential, scopes, ctx.now())
    body = {
        "access_token": token.token,
        "token_type": "Bearer",
        "expires_in": tokens.TOKEN_LIFETIME_SECONDS,
        "scope": token.scopes,
    }
    return Reply(200, body, headers={"Cache-Control": "no-store"})


# --- enrolments ---------------------------------------------------------------------


@operations("getEnrolment")
def get_enrolment(ctx: RequestContext) -> Reply:
    row = enrolments.get(ctx.store, ctx.tenant, ctx.path_params["assignmentId"], ctx.path_params["enrolmentId"])
    return Reply(200, wire.enrolment(row, enrolments.history(ctx.store, [row.id])[row.id]))


@operations("listEnrolments")
def list_enrolments(ctx: RequestContext) -> Reply:
    assignment = assignments.find(ctx.store, ctx.tenant, ctx.path_params["assignmentId"])
    page, per_page = _paging(ctx)
    status = ctx.query.get("status")
    rows = enrolments.list_for_assignment(
        ctx.store,
        assignment.id,
        # The docs write statuses capitalised (`Overdue`); the API's values are lowercase.
        status=str(status).lower() if status is not None else None,
        updated_from=_instant(ctx.query.get("updatedAtFrom"), "updatedAtFrom"),
        updated_to=_instant(ctx.query.get("updatedAtTo"), "updatedAtTo"),
        page=page,
        per_page=per_page,
    )
    return Reply(200, [wire.enrolment(row, log) for row, log in rows])


# --- assignments --------------------------------------------------------------------


def _assignment_reply(ctx: RequestContext, row: Any, status: int = 200) -> Reply:
    return Reply(status, wire.assignment(row, assignments.alternative_ids(ctx.store, row.id)))


@operations("listAssignments")
def list_assignments(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    rows = assignments.list_assignments(
        ctx.session,
        ctx.tenant,
        audience=ctx.query.get("audienceId"),
        updated_since=_instant(ctx.query.get("updatedSince"), "updatedSince"),
        page=page,
        per_page=per_page,
    )
    alternatives = assignments.alternatives(ctx.session, [r.id for r in rows])
    return Reply(200, [wire.assignment(r, alternatives[r.id]) for r in rows])


@operations("getAssignment")
def get_assignment(ctx: RequestContext) -> Reply:
    return _assignment_reply(ctx, assignments.find(ctx.store, ctx.tenant, ctx.path_params["assignmentId"]))


@operations("createAssignment")
def create_assignment(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    row = assignments.create(
        ctx.session,
        ctx.tenant,
        ctx.now(),
        audience_id=body["audienceId"],
        content_id=body["contentId"],
        alternative_content_ids=body.get("alternativeContentIds") or [],
        hide_alternative_content=bool(body.get("hideAlternativeContent", False)),
        completion_period=body.get("completionPeriod") or assignments.DEFAULT_COMPLETION_PERIOD,
        recurrence=body.get("recurrence"),
    )
    return _assignment_reply(ctx, row, 201)


@operations("updateAssignment")
def update_assignment(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    changes = assignments.AssignmentChanges(
        content_id=body.get("contentId"),
        completion_period=body.get("completionPeriod"),
        recurrence=body.get("recurrence"),
        recurrence_given="recurrence" in body,
        alternative_content_ids=body.get("alternativeContentIds"),
        hide_alternative_content=body.get("hideAlternativeContent"),
    )
    row = assignments.update(
        ctx.store, ctx.tenant, ctx.now(), ctx.path_params["assignmentId"], body["audienceId"], changes
    )
    return _assignment_reply(ctx, row)


@operations("deleteAssignment")
def delete_assignment(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    assignments.remove(ctx.session, ctx.tenant, ctx.now(), ctx.path_params["assignmentId"], body.get("audienceId"))
    return Reply(204, None)


# --- completions --------------------------------------------------------------------


@operations("listCompletions")
def list_completions(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    rows = completions.list_completions(
        ctx.session,
        ctx.tenant,
        content_id=ctx.query.get("contentId"),
        user_id=ctx.query.get("userId"),
        is_rpl=ctx.query.get("isRPL"),
        completed_from=_instant(ctx.query.get("completedDateRangeStart"), "completedDateRangeStart"),
        completed_to=_instant(ctx.query.get("completedDateRangeEnd"), "completedDateRangeEnd"),
        page=page,
        per_page=per_page,
    )
    return Reply(200, [wire.completion(r) for r in rows])


@operations("getCompletion")
def get_completion(ctx: RequestContext) -> Reply:
    return Reply(200, wire.completion(completions.get(ctx.session, ctx.tenant, ctx.path_params["completionId"])))


@operations("createCompletion")
def create_completion(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    completed_at = _instant(body["completedAt"], "completedAt")
    if completed_at is None:
        raise ApiError(422, "completedAt: is required")
    row, created = completions.record(
        ctx.session,
        ctx.tenant,
        ctx.now(),
        user_id=body["userId"],
        content_id=body["contentId"],
        completed_at=completed_at,
    )
    return Reply(201 if created else 200, wire.completion_stub(row))


# --- directory ----------------------------------------------------------------------


@operations("listAudiences")
def list_audiences(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    api_controlled = ctx.query.get("apiControlled")
    rows, total = directory.list_audiences(
        ctx.session,
        ctx.tenant,
        api_controlled=api_controlled if isinstance(api_controlled, bool) else None,
        page=page,
        per_page=per_page,
    )
    return Reply(200, wire.results_page([wire.audience(r) for r in rows], total=total, page=page, per_page=per_page))


@operations("getAudience")
def get_audience(ctx: RequestContext) -> Reply:
    row = directory.get_audience(ctx.session, ctx.tenant, ctx.path_params["audienceId"])
    return Reply(200, wire.audience(row, directory.member_ids(ctx.session, row.id)))


@operations("listUsers")
def list_users(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    status = ctx.query.get("status")
    rows, total = directory.list_users(
        ctx.session, ctx.tenant, status=str(status) if status is not None else None, page=page, per_page=per_page
    )
    audiences = directory.audiences_of_users(ctx.session, [r.id for r in rows])
    return Reply(
        200, wire.results_page([wire.user(r, audiences[r.id]) for r in rows], total=total, page=page, per_page=per_page)
    )


@operations("listContents")
def list_contents(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    rows, total = directory.list_contents(ctx.session, ctx.tenant, page=page, per_page=per_page)
    return Reply(200, wire.results_page([wire.content(r) for r in rows], total=total, page=page, per_page=per_page))


_TIMESTAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?\Z"
)


def _timestamp(ctx: RequestContext, name: str) -> dt.datetime | None:
    """`YYYY-MM-DD HH:MM:SS` (UTC, what the airbyte connector sends) or ISO 8601."""
    value = ctx.query.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if _TIMESTAMP.match(text) is None:  # ASCII digits only: fromisoformat would take others
        raise ApiError(422, f"{name}: not a date-time (YYYY-MM-DD HH:MM:SS or ISO 8601)")
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, f"{name}: not a date-time (YYYY-MM-DD HH:MM:SS or ISO 8601)") from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


@operations("listActivities")
def list_activities(ctx: RequestContext) -> Reply:
    page, per_page = _paging(ctx)
    rows, total = directory.list_activities(
        ctx.session,
        ctx.tenant,
        date_from=_timestamp(ctx, "timestampFrom"),
        date_to=_timestamp(ctx, "timestampTo"),
        page=page,
        per_page=per_page,
    )
    kinds = directory.content_types(ctx.session, [r.content_id for r in rows])
    results = [wire.activity(r, kinds.get(r.content_id)) for r in rows]
    return Reply(200, wire.results_page(results, total=total, page=page, per_page=per_page))
