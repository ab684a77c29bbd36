"""Skillable TMS handlers: one per operationId. Every call is a GET with query parameters.

Parameter names are the documented ones, mixed casing included (`classId` but
`LocationTypeId`). Types, enums and bounds are enforced by the spec before a handler runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulator.core.context import Reply, RequestContext
from simulator.core.db import UTC
from simulator.core.vendor import OperationTable
from simulator.vendors.skillable import backend, search, wire
from simulator.vendors.skillable.states import CompletionStatus, EnrollmentStatus

operations = OperationTable()


def _fields(query: dict[str, Any]) -> backend.EnrollmentFields:
    return backend.EnrollmentFields(
        class_id=int(query["classId"]),
        user_id=int(query["userId"]),
        enrollment_status=EnrollmentStatus(int(query["enrollmentStatusId"])),
        completion_status=CompletionStatus(int(query["completionStatusId"])),
        external_id=query.get("externalId"),
        late_cancel=query.get("lateCancel"),
        retake=query.get("retake"),
        location_type_id=query.get("LocationTypeId"),
        classroom_id=query.get("ClassroomId"),
        hours_spent=query.get("HoursSpent"),
        grade=query.get("Grade"),
    )


def _unix(value: Any) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(int(value), UTC)


def _page(query: dict[str, Any]) -> search.Page:
    return search.Page(
        index=int(query.get("pageIndex", 0)),
        size=int(query.get("pageSize", search.DEFAULT_PAGE_SIZE)),
        sort=str(query.get("sort", search.DEFAULT_SORT)),
    )


@operations("createClassEnrollment")
def create_class_enrollment(ctx: RequestContext) -> Reply:
    row = backend.create_enrollment(ctx.session, ctx.tenant, ctx.now(), _fields(ctx.query))
    return Reply(200, wire.write_result(enrollment_id=row.id))


@operations("updateClassEnrollment")
def update_class_enrollment(ctx: RequestContext) -> Reply:
    enrollment_id = int(ctx.path_params["id"])
    backend.update_enrollment(ctx.session, ctx.tenant, ctx.now(), enrollment_id, _fields(ctx.query))
    return Reply(200, wire.write_result())


@operations("getClassEnrollment")
def get_class_enrollment(ctx: RequestContext) -> Reply:
    row = backend.get_enrollment(ctx.session, ctx.tenant, int(ctx.path_params["id"]))
    return Reply(200, wire.results([wire.class_enrollment(row)]))


@operations("getClassEnrollmentByClassAndUser")
def get_class_enrollment_by_class_and_user(ctx: RequestContext) -> Reply:
    class_id, user_id = int(ctx.query["classId"]), int(ctx.query["userId"])
    row = backend.get_enrollment_by_class_and_user(ctx.session, ctx.tenant, class_id, user_id)
    return Reply(200, wire.results([wire.class_enrollment(row)]))


@operations("searchClassEnrollments")
def search_class_enrollments(ctx: RequestContext) -> Reply:
    q = ctx.query
    where = search.EnrollmentFilter(
        class_name=q.get("className"),
        class_id=q.get("classId"),
        student_id=q.get("studentId"),
        enrollment_status_id=q.get("enrollmentStatusId"),
        created_after=_unix(q.get("createdAfter")),
        created_before=_unix(q.get("createdBefore")),
    )
    rows, total = search.search_enrollments(ctx.session, ctx.tenant, where, _page(q))
    return Reply(200, wire.results((wire.class_enrollment(r) for r in rows), total=total))


@operations("getClass")
def get_class(ctx: RequestContext) -> Reply:
    row = backend.get_class(ctx.session, ctx.tenant, int(ctx.path_params["id"]))
    return Reply(200, wire.results([wire.klass(row)]))


@operations("searchClasses")
def search_classes(ctx: RequestContext) -> Reply:
    q = ctx.query
    where = search.ClassFilter(
        name=q.get("name"),
        confirmation_status_id=q.get("confirmationStatusId"),
        starts_after=_unix(q.get("startsAfter")),
        starts_before=_unix(q.get("startsBefore")),
    )
    rows, total = search.search_classes(ctx.session, ctx.tenant, where, _page(q))
    return Reply(200, wire.results((wire.klass(r) for r in rows), total=total))
