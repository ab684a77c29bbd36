"""Finding one tenant's rows by id; a missing (or other tenant's) row is Absorb's 404."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement
from simulator.vendors.absorb.models import (
    AbsorbChapter,
    AbsorbChapterEnrollment,
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbDepartment,
    AbsorbLesson,
    AbsorbLessonEnrollment,
    AbsorbSession,
    AbsorbUser,
)
from simulator.vendors.absorb.wire import COURSE_ENROLLMENT_COLUMNS

T = TypeVar("T")


def not_found(message: str) -> ApiError:
    return ApiError(404, message, code="NotFound")


def _get(session: Session, model: type[T], tenant: str, key: str, message: str) -> T:
    row: Any = session.get(model, key.lower())
    if row is None or row.tenant != tenant:
        raise not_found(message)
    return row  # type: ignore[no-any-return]


def user(session: Session, tenant: str, user_id: str) -> AbsorbUser:
    return _get(session, AbsorbUser, tenant, user_id, "User not found.")


def department(session: Session, tenant: str, department_id: str) -> AbsorbDepartment:
    return _get(session, AbsorbDepartment, tenant, department_id, "Department not found.")


def course(session: Session, tenant: str, course_id: str) -> AbsorbCourse:
    return _get(session, AbsorbCourse, tenant, course_id, "Course not found.")


def enrollment(session: Session, tenant: str, enrollment_id: str) -> AbsorbCourseEnrollment:
    return _get(session, AbsorbCourseEnrollment, tenant, enrollment_id, "Enrollment not found.")


# Reads that need a row's values (or only that it exists), not an ORM object: built once and
# run on the request's connection (see `core.store`), so a GET never makes a session.
_USER_EXISTS = Statement(
    select(AbsorbUser.id).where(AbsorbUser.id == bindparam("id"), AbsorbUser.tenant == bindparam("tenant"))
)
_COURSE_EXISTS = Statement(
    select(AbsorbCourse.id).where(AbsorbCourse.id == bindparam("id"), AbsorbCourse.tenant == bindparam("tenant"))
)
_ENROLLMENT_VALUES = Statement(
    select(*COURSE_ENROLLMENT_COLUMNS).where(
        AbsorbCourseEnrollment.id == bindparam("id"), AbsorbCourseEnrollment.tenant == bindparam("tenant")
    )
)


def _exists(statement: Statement, store: Source, tenant: str, key: str, message: str) -> str:
    found = statement.scalar(store, {"id": key.lower(), "tenant": tenant})
    if found is None:
        raise not_found(message)
    return str(found)


def user_id(store: Source, tenant: str, user_id: str) -> str:
    """The id of the tenant's user, or Absorb's 404."""
    return _exists(_USER_EXISTS, store, tenant, user_id, "User not found.")


def course_id(store: Source, tenant: str, course_id: str) -> str:
    """The id of the tenant's course, or Absorb's 404."""
    return _exists(_COURSE_EXISTS, store, tenant, course_id, "Course not found.")


def enrollment_values(store: Source, tenant: str, enrollment_id: str) -> tuple[Any, ...]:
    """One course enrollment as a row of `wire.COURSE_ENROLLMENT_COLUMNS`, or Absorb's 404."""
    found = _ENROLLMENT_VALUES.first(store, {"id": enrollment_id.lower(), "tenant": tenant})
    if found is None:
        raise not_found("Enrollment not found.")
    return found


_ACTIVE_ENROLLMENT_VALUES = Statement(
    select(*COURSE_ENROLLMENT_COLUMNS).where(
        AbsorbCourseEnrollment.tenant == bindparam("tenant"),
        AbsorbCourseEnrollment.user_id == bindparam("user_id"),
        AbsorbCourseEnrollment.course_id == bindparam("course_id"),
        AbsorbCourseEnrollment.is_active.is_(True),
    )
)


def active_enrollment_values(store: Source, tenant: str, user_key: str, course_key: str) -> tuple[Any, ...]:
    """The user's current enrollment in the course as a row of `wire.COURSE_ENROLLMENT_COLUMNS`,
    checking that both exist first (as `require_active_enrollment`)."""
    found = _ACTIVE_ENROLLMENT_VALUES.first(
        store,
        {
            "tenant": tenant,
            "user_id": user_id(store, tenant, user_key),
            "course_id": course_id(store, tenant, course_key),
        },
    )
    if found is None:
        raise not_found("Enrollment not found.")
    return found


def chapter(session: Session, tenant: str, course_id: str, chapter_id: str) -> AbsorbChapter:
    row = _get(session, AbsorbChapter, tenant, chapter_id, "Chapter not found.")
    if row.course_id != course_id:
        raise not_found("Chapter not found.")
    return row


def lesson(session: Session, tenant: str, course_id: str, lesson_id: str) -> AbsorbLesson:
    row = _get(session, AbsorbLesson, tenant, lesson_id, "Lesson not found.")
    if row.course_id != course_id:
        raise not_found("Lesson not found.")
    return row


def ilc_session(session: Session, tenant: str, course_id: str, session_id: str) -> AbsorbSession:
    row = _get(session, AbsorbSession, tenant, session_id, "Session not found.")
    if row.course_id != course_id:
        raise not_found("Session not found.")
    return row


def active_enrollment(session: Session, tenant: str, user_id: str, course_id: str) -> AbsorbCourseEnrollment | None:
    return session.scalar(
        select(AbsorbCourseEnrollment).where(
            AbsorbCourseEnrollment.tenant == tenant,
            AbsorbCourseEnrollment.user_id == user_id,
            AbsorbCourseEnrollment.course_id == course_id,
            AbsorbCourseEnrollment.is_active.is_(True),
        )
    )


def require_active_enrollment(session: Session, tenant: str, user_id: str, course_id: str) -> AbsorbCourseEnrollment:
    """The user's current enrollment in the course, checking that both exist first."""
    user(session, tenant, user_id)
    course(session, tenant, course_id)
    found = active_enrollment(session, tenant, user_id, course_id)
    if found is None:
        raise not_found("Enrollment not found.")
    return found


def lesson_enrollment(session: Session, enrollment: AbsorbCourseEnrollment, lesson_id: str) -> AbsorbLessonEnrollment:
    row = session.scalar(
        select(AbsorbLessonEnrollment).where(
            AbsorbLessonEnrollment.course_enrollment_id == enrollment.id,
            AbsorbLessonEnrollment.lesson_id == lesson_id.lower(),
        )
    )
    if row is None:
        raise not_found("Lesson enrollment not found.")
    return row


def chapter_enrollment(
    session: Session, enrollment: AbsorbCourseEnrollment, chapter_id: str
) -> AbsorbChapterEnrollment:
    row = session.scalar(
        select(AbsorbChapterEnrollment).where(
            AbsorbChapterEnrollment.course_enrollment_id == enrollment.id,
            AbsorbChapterEnrollment.chapter_id == chapter_id.lower(),
        )
    )
    if row is None:
        raise not_found("Chapter enrollment not found.")
    return row
