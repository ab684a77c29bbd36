"""Handlers: /authenticate, users, courses, course enrollments (user, course, bulk, my)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, select

from simulator.core.context import Reply, RequestContext
from simulator.vendors.absorb import auth, directory, enrollments, fields, lookups, sessions, wire
from simulator.vendors.absorb.api import (
    collection,
    flag,
    modified_since,
    now,
    operations,
    optional_date,
    path_id,
    user_id,
)
from simulator.vendors.absorb.listing import Collection, page_values, validation
from simulator.vendors.absorb.models import AbsorbCourseEnrollment

CE = AbsorbCourseEnrollment


@operations("authenticate")
def authenticate(ctx: RequestContext) -> Reply:
    return Reply(200, auth.issue_token(ctx, ctx.body))


# -- users and courses ----------------------------------------------------------------


@operations("listUsers")
def list_users(ctx: RequestContext) -> Reply:
    q = collection(ctx)
    rows, total = directory.list_users(ctx.session, ctx.tenant, q)
    return Reply(200, wire.page("users", [wire.user(r) for r in rows], total, q.limit, q.offset))


@operations("getUser")
def get_user(ctx: RequestContext) -> Reply:
    return Reply(200, wire.user(lookups.user(ctx.session, ctx.tenant, path_id(ctx, "userId"))))


@operations("listDepartments")
def list_departments(ctx: RequestContext) -> Reply:
    q = collection(ctx)
    rows, total = directory.list_departments(ctx.session, ctx.tenant, q)
    return Reply(200, wire.page("departments", [wire.department(r) for r in rows], total, q.limit, q.offset))


@operations("getDepartment")
def get_department(ctx: RequestContext) -> Reply:
    return Reply(200, wire.department(lookups.department(ctx.session, ctx.tenant, path_id(ctx, "departmentId"))))


@operations("listCourses")
def list_courses(ctx: RequestContext) -> Reply:
    q = collection(ctx)
    rows, total = directory.list_courses(ctx.session, ctx.tenant, q)
    return Reply(200, wire.page("courses", [wire.course_summary(r) for r in rows], total, q.limit, q.offset))


@operations("getCourse")
def get_course(ctx: RequestContext) -> Reply:
    return Reply(200, directory.course_detail(ctx.session, ctx.tenant, path_id(ctx, "courseId")))


# -- course enrollments ---------------------------------------------------------------


def _enrollments_of(name: str, owner: Any, default_sort: str) -> Collection:
    return Collection(
        name=name,
        columns=wire.COURSE_ENROLLMENT_COLUMNS,
        scope=(CE.tenant == bindparam("tenant"), owner == bindparam("owner")),
        fields=fields.COURSE_ENROLLMENT,
        default_sort=default_sort,
        id_col=CE.id,
        status_col=CE.status,
        edited_col=CE.date_edited,
    )


_OF_USER = _enrollments_of("absorb.user-enrollments", CE.user_id, "courseName")
_OF_COURSE = _enrollments_of("absorb.course-enrollments", CE.course_id, "fullName")


def _page_of_enrollments(ctx: RequestContext, of: Collection, owner: str) -> Reply:
    q = collection(ctx)
    rows, total = page_values(ctx.store, of, q, {"tenant": ctx.tenant, "owner": owner})
    items = [wire.course_enrollment_values(r) for r in rows]
    return Reply(200, wire.page("enrollments", items, total, q.limit, q.offset))


@operations("listUserEnrollments")
def list_user_enrollments(ctx: RequestContext) -> Reply:
    user = lookups.user_id(ctx.store, ctx.tenant, path_id(ctx, "userId"))
    return _page_of_enrollments(ctx, _OF_USER, user)


@operations("listMyEnrollments")
def list_my_enrollments(ctx: RequestContext) -> Reply:
    return _page_of_enrollments(ctx, _OF_USER, user_id(ctx))


@operations("listCourseEnrollments")
def list_course_enrollments(ctx: RequestContext) -> Reply:
    course = lookups.course_id(ctx.store, ctx.tenant, path_id(ctx, "courseId"))
    return _page_of_enrollments(ctx, _OF_COURSE, course)


@operations("getEnrollment")
def get_enrollment(ctx: RequestContext) -> Reply:
    values = lookups.enrollment_values(ctx.store, ctx.tenant, path_id(ctx, "id"))
    return Reply(200, wire.course_enrollment_values(values))


_STATUS = wire.COURSE_ENROLLMENT_KEYS.index("status")
_DATE_EDITED = wire.COURSE_ENROLLMENT_KEYS.index("date_edited")


def _active_matching(ctx: RequestContext, user: str, course: str) -> Reply:
    row = lookups.active_enrollment_values(ctx.store, ctx.tenant, user, course)
    status, since = ctx.query.get("status"), modified_since(ctx)
    if (status is not None and row[_STATUS] != status) or (since is not None and row[_DATE_EDITED] <= since):
        raise lookups.not_found("Enrollment not found.")
    return Reply(200, wire.course_enrollment_values(row))


@operations("getUserCourseEnrollment")
def get_user_course_enrollment(ctx: RequestContext) -> Reply:
    return _active_matching(ctx, path_id(ctx, "userId"), path_id(ctx, "courseId"))


@operations("getMyEnrollment")
def get_my_enrollment(ctx: RequestContext) -> Reply:
    return _active_matching(ctx, user_id(ctx), path_id(ctx, "courseId"))


@operations("listBulkStudentCourses")
def list_bulk_student_courses(ctx: RequestContext) -> Reply:
    users = [u.lower() for u in ctx.query.get("userIds", [])]
    courses = [c.lower() for c in ctx.query.get("courseIds", [])]
    stmt = select(CE).where(CE.tenant == ctx.tenant, CE.is_active.is_(True), CE.user_id.in_(users))
    if courses:
        stmt = stmt.where(CE.course_id.in_(courses))
    rows = ctx.session.scalars(stmt.order_by(CE.full_name, CE.course_name, CE.id))
    return Reply(200, [wire.course_enrollment(r) for r in rows])


def _created(enrollment: AbsorbCourseEnrollment | enrollments.Settable) -> Reply:
    return Reply(201, wire.created(enrollment.id, enrollment.course_id, enrollment.user_id))


def _enroll(ctx: RequestContext, user_key: str, course_key: str, re_enroll: bool) -> Reply:
    tenant = ctx.tenant
    user = lookups.user_id(ctx.store, tenant, user_key)
    course = lookups.course_id(ctx.store, tenant, course_key)
    # Already enrolled and not re-enrolling: the active enrollment, unchanged (no ORM needed).
    existing = None if re_enroll else enrollments.active_settable(ctx.store, tenant, user, course)
    if existing is not None:
        if ctx.settings.option("absorb", "duplicate_enrollment", "existing") == "error":
            raise validation("The user is already enrolled in this course; set reEnroll=true to enroll again.")
        return _created(existing)
    enrollment, _created_now = enrollments.enroll(
        ctx.session,
        lookups.user(ctx.session, tenant, user),
        lookups.course(ctx.session, tenant, course),
        now(ctx),
        re_enroll=re_enroll,
    )
    return _created(enrollment)


@operations("enrollUserInCourse")
def enroll_user_in_course(ctx: RequestContext) -> Reply:
    return _enroll(ctx, path_id(ctx, "userId"), path_id(ctx, "courseId"), flag(ctx, "reEnroll"))


@operations("enrollMe")
def enroll_me(ctx: RequestContext) -> Reply:
    return _enroll(ctx, user_id(ctx), path_id(ctx, "courseId"), False)


@operations("saveUserEnrollment")
def save_user_enrollment(ctx: RequestContext) -> Reply:
    body: dict[str, Any] = ctx.body
    tenant = ctx.tenant
    user = lookups.user_id(ctx.store, tenant, path_id(ctx, "userId"))
    course = lookups.course_id(ctx.store, tenant, str(body["courseId"]).lower())
    dates: dict[str, dt.datetime | None] = {
        name: optional_date(body, name) for name in ("dateCompleted", "dateExpires") if name in body
    }
    instant = now(ctx)
    re_enroll = flag(ctx, "reEnroll")
    # Updating the active enrollment (the usual call) reads and writes its settable values on
    # statements; creating one (or re-enrolling) needs the ORM's unit of work.
    existing = None if re_enroll else enrollments.active_settable(ctx.store, tenant, user, course)
    if existing is not None:
        enrollments.apply_settable(existing, body, dates, instant)
        enrollments.save_settable(ctx.store, existing)
        return _created(existing)
    enrollment, _created_now = enrollments.enroll(
        ctx.session,
        lookups.user(ctx.session, tenant, user),
        lookups.course(ctx.session, tenant, course),
        instant,
        re_enroll=re_enroll,
    )
    enrollments.apply_settable(enrollment, body, dates, instant)
    ctx.session.flush()
    return _created(enrollment)


@operations("unenrollEnrollments")
def unenroll_enrollments(ctx: RequestContext) -> Reply:
    instant = now(ctx)
    freed = enrollments.unenroll(ctx.session, ctx.tenant, list(ctx.body), instant)
    sessions.promote(ctx.session, freed, instant)
    return Reply(204)
