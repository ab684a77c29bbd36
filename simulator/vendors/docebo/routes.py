"""One handler per operationId of specs/docebo.yaml.

Handlers read the validated request, call the backend and render with `wire`. The
pipeline has already checked types, enums, bounds and date patterns against the spec;
the helpers below still refuse values of the wrong type with Docebo's 400, so that a
lax contract mode cannot turn a bad request into a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError
from simulator.core.vendor import OperationTable
from simulator.vendors.docebo import backend, directory, reads, states, tokens, wire
from simulator.vendors.docebo.auth import learner_id
from simulator.vendors.docebo.errors import VERSION_HEADERS, bad_request, not_found_path

operations = OperationTable()

MAX_ID = 2_147_483_647
DEFAULT_PAGE_SIZE = 200
DATE_FIELDS = frozenset(
    {
        "date_complete",
        "date_begin_validity",
        "date_expire_validity",
        "date_inscr",
        "date_first_access",
        "date_last_access",
        "requesting_unsubscribe_date",
    }
)


def _reply(body: Any, status: int = 200) -> Reply:
    return Reply(status, body, headers=dict(VERSION_HEADERS))


def _body(ctx: RequestContext) -> Mapping[str, Any]:
    if ctx.body is None:
        return {}
    if not isinstance(ctx.body, Mapping):
        raise bad_request("The request body must be a JSON object")
    return ctx.body


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _ids(body: Mapping[str, Any], *names: str) -> list[int]:
    """The ids under any of `names` (Docebo's sources spell them `user_ids` and `user_id`)."""
    found: list[int] = []
    given = False
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        given = True
        if not isinstance(value, list) or not all(_is_id(v) for v in value):
            raise bad_request(
                f"{name} must be a list of ids",
                details=[{"field": name, "message": "must be a list of positive integers"}],
            )
        found.extend(value)
    if not given or not found:
        raise bad_request(f"{names[0]} is required", details=[{"field": names[0], "message": "is required"}])
    return found


def _changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """The enrollment fields of a PUT body, dates parsed (an invalid date is a 400)."""
    changes: dict[str, Any] = {}
    for key in backend.UPDATABLE:
        if key not in body or body[key] is None:
            continue
        value = body[key]
        if key in DATE_FIELDS:
            value = wire.parse_date(value, key)
        elif key == "status" and value not in states.STATUS_NAMES:
            raise bad_request(f"Invalid status {value!r}")
        elif key == "level" and value not in states.LEVEL_NAMES:
            raise bad_request(f"Invalid level {value!r}")
        elif key == "enrollment_fields" and not isinstance(value, Mapping):
            raise bad_request("enrollment_fields must be an object")
        changes[key] = value
    return changes


def _new_enrollment(ctx: RequestContext, body: Mapping[str, Any]) -> backend.NewEnrollment:
    level = body.get("level", states.STUDENT)
    if level not in states.LEVEL_NAMES:
        raise bad_request(f"Invalid level {level!r}")
    fields = body.get("enrollment_fields") or {}
    if not isinstance(fields, Mapping):
        raise bad_request("enrollment_fields must be an object")

    def optional_date(name: str) -> Any:
        value = body.get(name)
        return None if value is None else wire.parse_date(value, name)

    subscriber = ctx.principal.extra.get("user_id") if ctx.principal else None
    return backend.NewEnrollment(
        level=level,
        date_begin_validity=optional_date("date_begin_validity"),
        date_expire_validity=optional_date("date_expire_validity"),
        enrollment_fields=dict(fields),
        subscribed_by=subscriber,
    )


def _pair(pair: backend.Pair) -> dict[str, int]:
    return {"course_id": pair[0], "user_id": pair[1]}


def _messages(outcome: backend.Outcome) -> list[str]:
    return [
        f"{reason}: user {user_id}, course {course_id}"
        for reason, pairs in outcome.failed.items()
        for course_id, user_id in pairs
    ]


def _enroll_body(outcome: backend.Outcome) -> dict[str, Any]:
    """Both readings found in public clients (docs/vendors/docebo.md): `enrolled` as the ids of
    the users enrolled (the 2017 SDK), and `errors[0].enrolled` as the pairs enrolled."""
    pairs = [{"id_user": user_id, "id_course": course_id, "waiting": False} for course_id, user_id in outcome.done]
    failures = [
        {"id_user": user_id, "id_course": course_id, "message": reason}
        for reason, failed in outcome.failed.items()
        for course_id, user_id in failed
    ]
    user_ids = backend.unique(user_id for _, user_id in outcome.done)
    return wire.wrap({"enrolled": user_ids, "errors": [{"enrolled": pairs}, *failures]})


def _update_body(outcome: backend.Outcome) -> dict[str, Any]:
    not_updated = [
        {"validation_errors": [{"ids": [{"messages": [reason]}]}], "invalid_enrollments": [_pair(p) for p in pairs]}
        for reason, pairs in outcome.failed.items()
    ]
    return wire.wrap({"updated": [_pair(p) for p in outcome.done], "not_updated": not_updated})


def _list_arg(ctx: RequestContext, name: str) -> Any:
    """A list parameter from the query or, for clients that send one on a GET, the JSON body."""
    value = ctx.query.get(name)
    if value is None and isinstance(ctx.body, Mapping):
        value = ctx.body.get(name)
    return value


def _page_args(ctx: RequestContext) -> tuple[int, int]:
    # page=0 (several clients' default) is the first page, as page=1 is.
    page = _list_arg(ctx, "page") or 1
    page_size = _list_arg(ctx, "page_size") or DEFAULT_PAGE_SIZE
    if not _is_id(page) or not _is_id(page_size) or page_size > DEFAULT_PAGE_SIZE:
        raise bad_request("page must be at least 0 and page_size between 1 and 200")
    return page, page_size


def _query_list(ctx: RequestContext, *names: str) -> list[Any]:
    values: list[Any] = []
    for name in names:
        value = ctx.query.get(name)
        if value is None:
            continue
        values.extend(value if isinstance(value, list) else [value])
    return values


# -- auth ----------------------------------------------------------------------------


@operations("requestToken")
def request_token(ctx: RequestContext) -> Reply:
    # A form or a JSON object: the spec has already checked that every field is a string.
    form = ctx.body if isinstance(ctx.body, Mapping) else {}
    return _reply(tokens.issue(ctx, form))


# -- enrollments ---------------------------------------------------------------------


@operations("listEnrollments")
def list_enrollments(ctx: RequestContext) -> Reply:
    page, page_size = _page_args(ctx)
    user_ids = _query_list(ctx, "id_user", "user_id")
    course_ids = _query_list(ctx, "course_id", "id_course")
    if not all(_is_id(v) for v in user_ids + course_ids):
        raise bad_request("user and course ids must be positive integers")
    statuses = _query_list(ctx, "status")
    if not all(s in states.STATUS_CODES for s in statuses):
        raise bad_request("status must be one of " + ", ".join(states.STATUS_CODES))
    search = ctx.query.get("search")
    own_id = learner_id(ctx)
    if own_id is not None:  # a learner lists only its own enrollments
        # Asking for other users only: filter on id 0, which no user has (ids start at 1).
        user_ids = [own_id] if not user_ids or own_id in user_ids else [0]
    flt = reads.EnrollmentFilter(
        user_ids=user_ids,
        course_ids=course_ids,
        statuses=[states.STATUS_CODES[s] for s in statuses],
        types=[str(t) for t in _query_list(ctx, "type")],
        search=search if isinstance(search, str) else None,
    )
    rows, total = reads.list_enrollments(ctx.store, ctx.tenant, flt, page=page, page_size=page_size)
    items = [wire.enrollment_item_row(row) for row in rows]
    return _reply(wire.page(items, count=total, page_number=page, page_size=page_size))


@operations("enrollUsers")
def enroll_users(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    user_ids, course_ids = _ids(body, "user_ids", "user_id"), _ids(body, "course_ids", "course_id")
    spec = _new_enrollment(ctx, body)
    outcome = backend.enroll_many(ctx.session, ctx.tenant, ctx.now(), course_ids, user_ids, spec)
    return _reply(_enroll_body(outcome))


@operations("updateEnrollments")
def update_enrollments(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    user_ids, course_ids = _ids(body, "user_ids", "user_id"), _ids(body, "course_ids", "course_id")
    outcome = backend.update_many(ctx.session, ctx.tenant, ctx.now(), course_ids, user_ids, _changes(body))
    return _reply(_update_body(outcome))


@operations("unenrollUsers")
def unenroll_users(ctx: RequestContext) -> Reply:
    body = _body(ctx)
    user_ids, course_ids = _ids(body, "user_ids", "user_id"), _ids(body, "course_ids", "course_id")
    outcome = backend.unenroll_many(ctx.session, ctx.tenant, course_ids, user_ids)
    return _reply(wire.wrap({"un_enrolled": [_pair(p) for p in outcome.done], "errors": _messages(outcome)}))


def _path_id(ctx: RequestContext, name: str) -> int:
    value = ctx.path_params.get(name)
    if not isinstance(value, int) or not _is_id(value):
        raise not_found_path(ctx.path)
    return value


def _path_ids(ctx: RequestContext) -> tuple[int, int]:
    return _path_id(ctx, "course_id"), _path_id(ctx, "user_id")


@operations("enrollUser")
def enroll_user(ctx: RequestContext) -> Reply:
    course_id, user_id = _path_ids(ctx)
    spec = _new_enrollment(ctx, _body(ctx))
    backend.enroll_one(ctx.session, ctx.tenant, ctx.now(), course_id, user_id, spec)
    return _reply(_enroll_body(backend.Outcome(done=[(course_id, user_id)])))


@operations("getEnrollment")
def get_enrollment(ctx: RequestContext) -> Reply:
    course_id, user_id = _path_ids(ctx)
    own_id = learner_id(ctx)
    if own_id is not None and own_id != user_id:
        raise ApiError(403, "You do not have permission to view this enrollment")
    row = reads.enrollment_record(ctx.store, ctx.tenant, course_id, user_id)
    return _reply(wire.wrap({"records": wire.enrollment_record_row(row)}))


@operations("updateEnrollment")
def update_enrollment(ctx: RequestContext) -> Reply:
    # A pair of a known course and user that is not enrolled is answered as the multiple
    # update answers it: HTTP 200, the pair in `not_updated`. An unknown course or user in
    # the path is a missing resource (404), as on the view and the unenroll.
    course_id, user_id = _path_ids(ctx)
    changes = _changes(_body(ctx))
    outcome = backend.update_one(ctx.store, ctx.tenant, ctx.now(), course_id, user_id, changes)
    return _reply(_update_body(outcome))


@operations("unenrollUser")
def unenroll_user(ctx: RequestContext) -> Reply:
    course_id, user_id = _path_ids(ctx)
    backend.unenroll_one(ctx.session, ctx.tenant, course_id, user_id)
    return _reply(wire.wrap({"deleted_enrollment": course_id}))


# -- directory -----------------------------------------------------------------------


def _search_text(ctx: RequestContext) -> str | None:
    value = _list_arg(ctx, "search_text")
    return value if isinstance(value, str) and value else None


@operations("listUsers")
def list_users(ctx: RequestContext) -> Reply:
    page, page_size = _page_args(ctx)
    users, total = directory.list_users(ctx.store, ctx.tenant, search=_search_text(ctx), page=page, page_size=page_size)
    return _reply(wire.page([wire.user_item(u) for u in users], count=total, page_number=page, page_size=page_size))


@operations("getSession")
def get_session(ctx: RequestContext) -> Reply:
    user_id = ctx.principal.extra.get("user_id") if ctx.principal else None
    if not isinstance(user_id, int):
        raise ApiError(404, "This access token belongs to no user (client_credentials grant)")
    return _reply(wire.wrap(wire.session(reads.require_user(ctx.store, ctx.tenant, user_id))))


@operations("getUser")
def get_user(ctx: RequestContext) -> Reply:
    user = reads.require_user(ctx.store, ctx.tenant, _path_id(ctx, "user_id"))
    return _reply(wire.wrap({"user_data": wire.user_item(user)}))


@operations("listCourses")
def list_courses(ctx: RequestContext) -> Reply:
    return _course_page(ctx, wire.course_item)


@operations("listLearnCourses")
def list_learn_courses(ctx: RequestContext) -> Reply:
    return _course_page(ctx, wire.learn_course_item)


def _course_page(ctx: RequestContext, item: Callable[[wire.CourseRow], dict[str, Any]]) -> Reply:
    """One page of the tenant's courses, searched and filtered by type, each rendered by `item`
    (the course catalogue and the learner's catalogue show the same courses in two shapes)."""
    page, page_size = _page_args(ctx)
    types = [str(t) for t in _query_list(ctx, "type")]
    courses, total = directory.list_courses(
        ctx.store, ctx.tenant, search=_search_text(ctx), types=types, page=page, page_size=page_size
    )
    return _reply(wire.page([item(c) for c in courses], count=total, page_number=page, page_size=page_size))


@operations("getCourse")
def get_course(ctx: RequestContext) -> Reply:
    course = reads.require_course(ctx.store, ctx.tenant, _path_id(ctx, "course_id"))
    return _reply(wire.wrap(wire.course_item(course)))
