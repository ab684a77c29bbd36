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
    rows, info = backend.list_enrollments(ctx.session, ctx.tenant, page=page, limit=limit, filters=ctx.query)
    return Reply(200, {"data": [wire.enrollment(*r) for r in rows], "pagination": wire.pagination(info)})


@operations("getEnrollment")
def get_enrollment(ctx: RequestContext) -> Reply:
    values = backend.get_enrollment_values(ctx.store, ctx.tenant, ctx.path_params["id"])
    return Reply(200, {"data": wire.enrollment_from_values(values)})


@operations("updateEnrollment")
def update_enrollment(ctx: RequestContext) -> Reply:
    changes = dict(ctx.body or {})
    if changes.get("dueDate") is not None:
        changes["dueDate"] = parse_instant(changes["dueDate"])
    view = backend.update_enrollment(ctx.session, ctx.tenant, ctx.path_params["id"], changes, ctx.now())
    ctx.session.flush()  # write now, so a database error surfaces inside the handler's savepoint
    return Reply(200, {"data": wire.enrollment(*view)})


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
    rows, info = backend.list_certificates(ctx.session, ctx.tenant, page=page, limit=limit, filters=ctx.query)
    return Reply(200, {"data": [wire.certificate(*r) for r in rows], "pagination": wire.pagination(info)})


def _course_reply(ctx: RequestContext, course_ids: list[str]) -> list[dict[str, object]]:
    courses = [backend.get_course(ctx.session, ctx.tenant, cid) for cid in course_ids]
    names = backend.company_names(ctx.session, ctx.tenant, [c.company_id for c in courses])
    counts = backend.enrollment_counts(ctx.session, ctx.tenant, course_ids)
    return [wire.course(c, names.get(c.company_id or ""), counts.get(c.id, 0)) for c in courses]


@operations("listCourses")
def list_courses(ctx: RequestContext) -> Reply:
    page, limit = _paging(ctx)
    courses, info = backend.list_courses(ctx.session, ctx.tenant, page=page, limit=limit)
    data = _course_reply(ctx, [c.id for c in courses])
    return Reply(200, {"data": data, "pagination": wire.pagination(info)})


@operations("getCourse")
def get_course(ctx: RequestContext) -> Reply:
    return Reply(200, {"data": _course_reply(ctx, [ctx.path_params["id"]])[0]})


@operations("updateCourse")
def update_course(ctx: RequestContext) -> Reply:
    course = backend.update_course(ctx.session, ctx.tenant, ctx.path_params["id"], ctx.body or {}, ctx.now())
    ctx.session.flush()
    return Reply(200, {"data": _course_reply(ctx, [course.id])[0]})
