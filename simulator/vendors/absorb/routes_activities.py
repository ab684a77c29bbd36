"""Handlers: chapter, lesson and ILC-session enrollments, and lesson attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from simulator.core.context import Reply, RequestContext
from simulator.vendors.absorb import fields, lookups, progress, sessions, wire
from simulator.vendors.absorb.api import collection, flag, modified_since, now, operations, optional_date, path_id
from simulator.vendors.absorb.listing import fetch_page
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapterEnrollment,
    AbsorbCourseEnrollment,
    AbsorbLessonEnrollment,
    AbsorbSessionEnrollment,
)

LE, CH, SE = AbsorbLessonEnrollment, AbsorbChapterEnrollment, AbsorbSessionEnrollment


def _enrollment(ctx: RequestContext) -> AbsorbCourseEnrollment:
    return lookups.require_active_enrollment(ctx.session, ctx.tenant, path_id(ctx, "userId"), path_id(ctx, "courseId"))


def _status_filters(ctx: RequestContext, status_col: Any, edited_col: Any) -> list[Any]:
    """The `status` and `modifiedSince` query parameters as SQL conditions."""
    out = []
    if ctx.query.get("status") is not None:
        out.append(status_col == ctx.query["status"])
    since = modified_since(ctx)
    if since is not None:
        out.append(edited_col > since)
    return out


def _one(ctx: RequestContext, stmt: Select[Any], message: str) -> Any:
    row = ctx.session.scalar(stmt)
    if row is None:
        raise lookups.not_found(message)
    return row


# -- chapters -------------------------------------------------------------------------


def _chapter_wire(ctx: RequestContext, rows: list[AbsorbChapterEnrollment]) -> list[dict[str, Any]]:
    lesson_ids: dict[str, list[str]] = {r.id: [] for r in rows}
    if rows:
        found = ctx.session.execute(
            select(LE.chapter_enrollment_id, LE.id)
            .where(LE.chapter_enrollment_id.in_(list(lesson_ids)))
            .order_by(LE.position, LE.id)
        )
        for chapter_enrollment_id, lesson_enrollment_id in found:
            lesson_ids[chapter_enrollment_id].append(lesson_enrollment_id)
    return [wire.chapter_enrollment(r, lesson_ids[r.id]) for r in rows]


@operations("listChapterEnrollments")
def list_chapter_enrollments(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    stmt = select(CH).where(CH.course_enrollment_id == enrollment.id, *_status_filters(ctx, CH.status, CH.date_edited))
    return Reply(200, _chapter_wire(ctx, list(ctx.session.scalars(stmt.order_by(CH.position, CH.id)))))


@operations("getChapterEnrollment")
def get_chapter_enrollment(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    chapter = lookups.chapter(ctx.session, ctx.tenant, enrollment.course_id, path_id(ctx, "chapterId"))
    stmt = select(CH).where(
        CH.course_enrollment_id == enrollment.id,
        CH.chapter_id == chapter.id,
        *_status_filters(ctx, CH.status, CH.date_edited),
    )
    return Reply(200, _chapter_wire(ctx, [_one(ctx, stmt, "Chapter enrollment not found.")])[0])


# -- lessons --------------------------------------------------------------------------


def _lessons(ctx: RequestContext, *where: Any) -> Reply:
    stmt = select(LE).where(*where, *_status_filters(ctx, LE.status, LE.date_edited)).order_by(LE.position, LE.id)
    return Reply(200, [wire.lesson_enrollment(r) for r in ctx.session.scalars(stmt)])


@operations("listUserLessonEnrollments")
def list_user_lesson_enrollments(ctx: RequestContext) -> Reply:
    return _lessons(ctx, LE.course_enrollment_id == _enrollment(ctx).id)


@operations("listUserChapterLessonEnrollments")
def list_user_chapter_lesson_enrollments(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    chapter = lookups.chapter(ctx.session, ctx.tenant, enrollment.course_id, path_id(ctx, "chapterId"))
    return _lessons(ctx, LE.course_enrollment_id == enrollment.id, LE.chapter_id == chapter.id)


def _lesson(ctx: RequestContext, *where: Any) -> Reply:
    stmt = select(LE).where(*where, *_status_filters(ctx, LE.status, LE.date_edited))
    return Reply(200, wire.lesson_enrollment(_one(ctx, stmt, "Lesson enrollment not found.")))


@operations("getUserLessonEnrollment")
def get_user_lesson_enrollment(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    return _lesson(ctx, LE.course_enrollment_id == enrollment.id, LE.lesson_id == path_id(ctx, "lessonId"))


@operations("getUserChapterLessonEnrollment")
def get_user_chapter_lesson_enrollment(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    return _lesson(
        ctx,
        LE.course_enrollment_id == enrollment.id,
        LE.chapter_id == path_id(ctx, "chapterId"),
        LE.lesson_id == path_id(ctx, "lessonId"),
    )


@operations("listLessonEnrollments")
def list_lesson_enrollments(ctx: RequestContext) -> Reply:
    course = lookups.course(ctx.session, ctx.tenant, path_id(ctx, "courseId"))
    lesson = lookups.lesson(ctx.session, ctx.tenant, course.id, path_id(ctx, "lessonId"))
    q = collection(ctx)
    base = select(LE).where(
        LE.tenant == ctx.tenant, LE.course_id == course.id, LE.lesson_id == lesson.id, LE.is_active.is_(True)
    )
    rows, total = fetch_page(
        ctx.session,
        base,
        q,
        fields.LESSON_ENROLLMENT,
        default_sort="fullName",
        id_col=LE.id,
        status_col=LE.status,
        edited_col=LE.date_edited,
    )
    items = [wire.lesson_enrollment(r) for r in rows]
    return Reply(200, wire.page("lessonEnrollments", items, total, q.limit, q.offset))


# -- attempts -------------------------------------------------------------------------


@operations("listLessonAttempts")
def list_lesson_attempts(ctx: RequestContext) -> Reply:
    lesson = lookups.lesson_enrollment(ctx.session, _enrollment(ctx), path_id(ctx, "lessonId"))
    return Reply(200, [wire.attempt(a) for a in progress.attempts_of(ctx.session, lesson)])


@operations("startLessonAttempt")
def start_lesson_attempt(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    attempt = progress.start_attempt(ctx.session, enrollment, path_id(ctx, "lessonId"), now(ctx))
    return Reply(200, {"attemptId": attempt.id, "courseId": attempt.course_id, "userId": attempt.user_id})


def _finish(ctx: RequestContext, attempt: AbsorbAttempt) -> Reply:
    body: dict[str, Any] = ctx.body
    progress.finish_attempt(
        ctx.session,
        attempt,
        status=int(body["status"]),
        score=None if body.get("score") is None else float(body["score"]),
        start_date=optional_date(body, "startDate"),
        completion_date=optional_date(body, "completionDate"),
        now=now(ctx),
    )
    return Reply(200, {"attemptId": attempt.id})


@operations("finishAttempt")
def finish_attempt(ctx: RequestContext) -> Reply:
    attempt = ctx.session.get(AbsorbAttempt, path_id(ctx, "attemptId"))
    if attempt is None or attempt.tenant != ctx.tenant:
        raise lookups.not_found("Attempt not found.")
    return _finish(ctx, attempt)


@operations("finishUserLessonAttempt")
def finish_user_lesson_attempt(ctx: RequestContext) -> Reply:
    lesson = lookups.lesson_enrollment(ctx.session, _enrollment(ctx), path_id(ctx, "lessonId"))
    attempt = ctx.session.get(AbsorbAttempt, path_id(ctx, "attemptId"))
    if attempt is None or attempt.lesson_enrollment_id != lesson.id:
        raise lookups.not_found("Attempt not found.")
    return _finish(ctx, attempt)


# -- ILC sessions ---------------------------------------------------------------------


@operations("listUserSessionEnrollments")
def list_user_session_enrollments(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    stmt = select(SE).where(SE.course_enrollment_id == enrollment.id, *_status_filters(ctx, SE.status, SE.date_edited))
    return Reply(200, [wire.session_enrollment(r) for r in ctx.session.scalars(stmt.order_by(SE.date_enrolled, SE.id))])


@operations("getUserSessionEnrollment")
def get_user_session_enrollment(ctx: RequestContext) -> Reply:
    enrollment = _enrollment(ctx)
    ilc = lookups.ilc_session(ctx.session, ctx.tenant, enrollment.course_id, path_id(ctx, "sessionId"))
    stmt = select(SE).where(
        SE.course_enrollment_id == enrollment.id,
        SE.session_id == ilc.id,
        *_status_filters(ctx, SE.status, SE.date_edited),
    )
    return Reply(200, wire.session_enrollment(_one(ctx, stmt, "Session enrollment not found.")))


@operations("enrollUserInSession")
def enroll_user_in_session(ctx: RequestContext) -> Reply:
    user = lookups.user(ctx.session, ctx.tenant, path_id(ctx, "userId"))
    course = lookups.course(ctx.session, ctx.tenant, path_id(ctx, "courseId"))
    ilc = lookups.ilc_session(ctx.session, ctx.tenant, course.id, path_id(ctx, "sessionId"))
    enrollment, row = sessions.enroll(
        ctx.session, user, ilc, now(ctx), re_enroll=flag(ctx, "reEnroll"), cancel_session=flag(ctx, "cancelSession")
    )
    return Reply(
        201,
        {
            "userId": user.id,
            "courseId": course.id,
            "sessionId": ilc.id,
            "enrollmentId": enrollment.id,
            "sessionEnrollmentId": row.id,
        },
    )


@operations("listSessionEnrollments")
def list_session_enrollments(ctx: RequestContext) -> Reply:
    course = lookups.course(ctx.session, ctx.tenant, path_id(ctx, "courseId"))
    ilc = lookups.ilc_session(ctx.session, ctx.tenant, course.id, path_id(ctx, "sessionId"))
    q = collection(ctx)
    base = select(SE).where(SE.tenant == ctx.tenant, SE.session_id == ilc.id, SE.is_active.is_(True))
    rows, total = fetch_page(
        ctx.session,
        base,
        q,
        fields.SESSION_ENROLLMENT,
        default_sort="fullName",
        id_col=SE.id,
        status_col=SE.status,
        edited_col=SE.date_edited,
    )
    return Reply(200, wire.page("enrollments", [wire.session_enrollment(r) for r in rows], total, q.limit, q.offset))
