"""Skillable TMS handlers: one per operationId. Every call is a GET with query parameters.

Parameter names are the documented ones, mixed casing included (`classId` but
`LocationTypeId`); clients may send them in any case (`classid`, `CLASSID`), as ASP.NET
binds them: the pipeline folds them to the spec's spelling before a handler runs. Types,
enums and bounds are enforced by the spec; `params` re-checks what a handler relies on,
for lax contract mode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulator.core.context import Reply, RequestContext
from simulator.core.db import UTC
from simulator.core.vendor import OperationTable
from simulator.vendors.skillable import backend, search, wire
from simulator.vendors.skillable import params as p
from simulator.vendors.skillable.states import CompletionStatus, EnrollmentStatus

operations = OperationTable()


def _fields(query: dict[str, Any]) -> backend.EnrollmentFields:
    return backend.EnrollmentFields(
        class_id=p.required_int(query, "classId"),
        user_id=p.required_int(query, "userId"),
        enrollment_status=p.required_code(query, "enrollmentStatusId", EnrollmentStatus),
        completion_status=p.required_code(query, "completionStatusId", CompletionStatus),
        external_id=p.optional_str(query, "externalId"),
        late_cancel=p.optional_bool(query, "lateCancel"),
        retake=p.optional_bool(query, "retake"),
        location_type_id=p.optional_int(query, "LocationTypeId"),
        classroom_id=p.optional_int(query, "ClassroomId"),
        hours_spent=p.optional_int(query, "HoursSpent"),
        grade=p.optional_int(query, "Grade"),
    )


def _unix(query: dict[str, Any], name: str) -> dt.datetime | None:
    value = p.optional_int(query, name, p.UNIX_SECONDS)
    return None if value is None else dt.datetime.fromtimestamp(value, UTC)


def _page(query: dict[str, Any]) -> search.Page:
    sort = p.optional_str(query, "sort") or search.DEFAULT_SORT
    if sort not in search.sort_values():
        raise backend.invalid(f"Invalid request: sort: {sort!r} is not a supported sort")
    return search.Page(
        index=p.optional_int(query, "pageIndex") or 0,
        size=p.optional_int(query, "pageSize") or search.DEFAULT_PAGE_SIZE,
        sort=sort,
    )


def _strict(ctx: RequestContext) -> bool:
    """The `strict_transitions` vendor option (off by default: the documents refuse no code)."""
    value = ctx.settings.option("skillable", "strict_transitions", False)
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


@operations("createClassEnrollment")
def create_class_enrollment(ctx: RequestContext) -> Reply:
    row = backend.create_enrollment(ctx.store, ctx.tenant, ctx.now(), _fields(ctx.query), strict=_strict(ctx))
    return Reply(200, wire.write_result(enrollment_id=row.id))


@operations("updateClassEnrollment")
def update_class_enrollment(ctx: RequestContext) -> Reply:
    enrollment_id = p.required_int(ctx.path_params, "id")
    fields = _fields(ctx.query)
    backend.update_enrollment(ctx.store, ctx.tenant, ctx.now(), enrollment_id, fields, strict=_strict(ctx))
    return Reply(200, wire.write_result())


@operations("getClassEnrollment")
def get_class_enrollment(ctx: RequestContext) -> Reply:
    row = backend.get_enrollment(ctx.store, ctx.tenant, p.required_int(ctx.path_params, "id"))
    return Reply(200, wire.results([wire.class_enrollment(row)]))


@operations("getClassEnrollmentByClassAndUser")
def get_class_enrollment_by_class_and_user(ctx: RequestContext) -> Reply:
    class_id, user_id = p.required_int(ctx.query, "classId"), p.required_int(ctx.query, "userId")
    row = backend.get_enrollment_by_class_and_user(ctx.store, ctx.tenant, class_id, user_id)
    return Reply(200, wire.results([wire.class_enrollment(row)]))


@operations("searchClassEnrollments")
def search_class_enrollments(ctx: RequestContext) -> Reply:
    q = ctx.query
    where = search.EnrollmentFilter(
        class_name=p.optional_str(q, "className"),
        class_id=p.optional_int(q, "classId"),
        student_id=p.optional_int(q, "studentId"),
        enrollment_status_id=p.optional_int(q, "enrollmentStatusId"),
        created_after=_unix(q, "createdAfter"),
        created_before=_unix(q, "createdBefore"),
    )
    rows, total = search.search_enrollments(ctx.store, ctx.tenant, where, _page(q))
    return Reply(200, wire.results((wire.class_enrollment(r) for r in rows), total=total))


@operations("getClass")
def get_class(ctx: RequestContext) -> Reply:
    row = backend.get_class(ctx.store, ctx.tenant, p.required_int(ctx.path_params, "id"))
    return Reply(200, wire.results([wire.klass(row)]))


@operations("searchClasses")
def search_classes(ctx: RequestContext) -> Reply:
    q = ctx.query
    where = search.ClassFilter(
        name=p.optional_str(q, "name"),
        confirmation_status_id=p.optional_int(q, "confirmationStatusId"),
        starts_after=_unix(q, "startsAfter"),
        starts_before=_unix(q, "startsBefore"),
    )
    rows, total = search.search_classes(ctx.store, ctx.tenant, where, _page(q))
    return Reply(200, wire.results((wire.klass(r) for r in rows), total=total))
