"""MSPortal training operations: one handler per operationId of specs/msportal.yaml."""

from __future__ import annotations

from simulator.core.clock import parse_instant
from simulator.core.context import Reply, RequestContext
from simulator.core.vendor import OperationTable
from simulator.vendors.msportal import backend, wire

operations = OperationTable()


def _paging(ctx: RequestContext) -> tuple[int, int]:
    return int(ctx.query.get("page", 1)), int(ctx.query.get("limit", 25))


@operations("listEnrollments")
def list_enrollments(ctx: RequestContext) -> Reply:
    page, limit = _paging(ctx)
    rows, info = backend.list_enrollment_values(ctx.store, ctx.tenant, page=page, limit=limit, filters=ctx.query)
    return Reply(200, {"data": [wire.enrollment_from_values(r) for r in rows], "pagination": wire.pagination(info)})


@operations("getEnrollment")
def get_enrollment(ctx: RequestContext) -> Reply:
    values = backend.get_enrollment_values(ctx.store, ctx.tenant, ctx.path_params["id"])
    return Reply(200, {"data": wire.enrollment_from_values(values)})


@operations("updateEnrollment")
def update_enrollment(ctx: RequestContext) -> Reply:
    changes = dict(ctx.body or {})
    if changes.get("dueDate") is not None:
        changes["dueDate"] = parse_instant(changes["dueDate"])
    values = backend.update_enrollment(ctx.store, ctx.tenant, ctx.path_params["id"], changes, ctx.now())
    return Reply(200, {"data": wire.enrollment_from_values(values)})


@operations("bulkEnrollUsers")
def bulk_enroll_users(ctx: RequestContext) -> Reply:
    body = ctx.body
    due = parse_instant(body["dueDate"]) if body.get("dueDate") else None
    enrolled, skipped, total = backend.bulk_enroll(
        ctx.session,
        ctx.tenant,
        course_id=body["courseId"],
        user_ids=body["userIds"],
        company_id=body.get("companyId"),
        due_date=due,
        now=ctx.now(),
    )
    return Reply(201, {"data": {"enrolled": enrolled, "skipped": skipped, "total": total}})


@operations("listCertificates")
def list_certificates(ctx: RequestContext) -> Reply:
    page, limit = _paging(ctx)
    rows, info = backend.list_certificate_values(ctx.store, ctx.tenant, page=page, limit=limit, filters=ctx.query)
    return Reply(200, {"data": [wire.certificate_from_values(r) for r in rows], "pagination": wire.pagination(info)})


@operations("listCourses")
def list_courses(ctx: RequestContext) -> Reply:
    page, limit = _paging(ctx)
    rows, info = backend.list_course_values(ctx.store, ctx.tenant, page=page, limit=limit)
    return Reply(200, {"data": [wire.course_from_values(r) for r in rows], "pagination": wire.pagination(info)})


@operations("getCourse")
def get_course(ctx: RequestContext) -> Reply:
    return Reply(
        200, {"data": wire.course_from_values(backend.get_course_values(ctx.store, ctx.tenant, ctx.path_params["id"]))}
    )


@operations("updateCourse")
def update_course(ctx: RequestContext) -> Reply:
    course = backend.update_course(ctx.session, ctx.tenant, ctx.path_params["id"], ctx.body or {}, ctx.now())
    # The answer is read back on the cursor, which sees the change (the session is flushed first).
    return Reply(200, {"data": wire.course_from_values(backend.get_course_values(ctx.store, ctx.tenant, course.id))})
