"""Course enrollments: enroll (creating the chapter and lesson enrollments), re-enroll
into history, create-or-update of the settable properties, and un-enroll."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement
from simulator.vendors.absorb import lookups
from simulator.vendors.absorb.listing import validation
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapter,
    AbsorbChapterEnrollment,
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbLesson,
    AbsorbLessonEnrollment,
    AbsorbSessionEnrollment,
    AbsorbUser,
)
from simulator.vendors.absorb.states import Status

# The properties "Create or update course enrollment" may set (the excerpt's list), by wire name.
SETTABLE = (
    "status",
    "dateCompleted",
    "dateExpires",
    "courseVersionId",
    "acceptedTermsAndConditions",
    "enrollmentKeyId",
    "credits",
    "score",
)


@dataclass
class Settable:
    """An active enrollment's identity and the properties "create or update" may change.

    Read and written back on `Statement`s: updating an existing enrollment needs no ORM
    object, only these values (`apply_settable` and `set_status` work on either).
    """

    id: str
    course_id: str
    user_id: str
    status: int
    progress: float
    score: float
    date_started: dt.datetime | None
    date_completed: dt.datetime | None
    date_expires: dt.datetime | None
    course_version_id: str | None
    enrollment_key_id: str | None
    accepted_terms_and_conditions: bool
    credits: float | None
    date_edited: dt.datetime


_SETTABLE_NAMES = tuple(f.name for f in fields(Settable))
_CE_TABLE: Table = AbsorbCourseEnrollment.__table__  # type: ignore[assignment]
_ACTIVE_SETTABLE = Statement(
    select(*(_CE_TABLE.c[name] for name in _SETTABLE_NAMES)).where(
        _CE_TABLE.c.tenant == bindparam("tenant"),
        _CE_TABLE.c.user_id == bindparam("user_id"),
        _CE_TABLE.c.course_id == bindparam("course_id"),
        _CE_TABLE.c.is_active.is_(True),
    )
)
_WRITABLE = _SETTABLE_NAMES[3:]  # not the identity
_SAVE_SETTABLE = Statement(
    update(_CE_TABLE)
    .where(_CE_TABLE.c.id == bindparam("enrollment_id"))
    .values({name: bindparam(name) for name in _WRITABLE})
)


def active_settable(store: Source, tenant: str, user_id: str, course_id: str) -> Settable | None:
    """The user's active enrollment in the course, as its settable values (None: not enrolled)."""
    found = _ACTIVE_SETTABLE.first(store, {"tenant": tenant, "user_id": user_id, "course_id": course_id})
    return None if found is None else Settable(*found)


def save_settable(store: Source, enrollment: Settable) -> None:
    """Write back what `apply_settable` changed (every settable column, in one UPDATE)."""
    values = {name: getattr(enrollment, name) for name in _WRITABLE}
    _SAVE_SETTABLE.execute(store, {"enrollment_id": enrollment.id, **values})


def new_id(session: Session, kind: str) -> str:
    return ids.new_uuid(session, f"absorb.{kind}")


def enroll(
    session: Session, user: AbsorbUser, course: AbsorbCourse, now: dt.datetime, *, re_enroll: bool
) -> tuple[AbsorbCourseEnrollment, bool]:
    """The user's active enrollment in the course and whether it was created now.

    Without `re_enroll` an existing active enrollment is returned unchanged; with it, the
    active one moves to history (`isActive: false`, at whatever state it was) first.
    """
    current = lookups.active_enrollment(session, user.tenant, user.id, course.id)
    if current is not None and not re_enroll:
        return current, False
    if current is not None:
        to_history(session, current, now)
    return create(session, user, course, now), True


def create(
    session: Session, user: AbsorbUser, course: AbsorbCourse, now: dt.datetime, *, enrollment_id: str | None = None
) -> AbsorbCourseEnrollment:
    status = Status.PENDING_APPROVAL if course.requires_approval else Status.NOT_STARTED
    enrollment = AbsorbCourseEnrollment(
        id=enrollment_id or new_id(session, "enrollment"),
        tenant=user.tenant,
        course_id=course.id,
        user_id=user.id,
        course_name=course.name,
        full_name=user.full_name,
        job_title=user.job_title,
        avatar=user.avatar,
        status=int(status),
        progress=0.0,
        score=0.0,
        is_active=True,
        date_added=now,
        date_edited=now,
        time_spent_ticks=0,
        accepted_terms_and_conditions=False,
        credits=course.credits,
    )
    session.add(enrollment)
    session.flush()  # the child rows reference it; no ORM relationships order the inserts
    create_activities(session, enrollment, now)
    return enrollment


def create_activities(session: Session, enrollment: AbsorbCourseEnrollment, now: dt.datetime) -> None:
    """One chapter enrollment per chapter and one lesson enrollment per lesson of the course.

    Their ids derive from the enrollment's (seeded) id and the chapter or lesson id, so they
    are reproducible without taking a counter value per row.
    """
    chapters = session.scalars(
        select(AbsorbChapter)
        .where(AbsorbChapter.tenant == enrollment.tenant, AbsorbChapter.course_id == enrollment.course_id)
        .order_by(AbsorbChapter.position, AbsorbChapter.id)
    ).all()
    lessons = session.scalars(
        select(AbsorbLesson)
        .where(AbsorbLesson.tenant == enrollment.tenant, AbsorbLesson.course_id == enrollment.course_id)
        .order_by(AbsorbLesson.position, AbsorbLesson.id)
    ).all()
    chapter_enrollments = {
        chapter.id: AbsorbChapterEnrollment(
            id=ids.derived_uuid("absorb.chapter-enrollment", enrollment.id, chapter.id),
            tenant=enrollment.tenant,
            course_enrollment_id=enrollment.id,
            chapter_id=chapter.id,
            course_id=enrollment.course_id,
            user_id=enrollment.user_id,
            name=chapter.name,
            full_name=enrollment.full_name,
            position=chapter.position,
            status=int(Status.NOT_STARTED),
            progress=0.0,
            score=0.0,
            time_spent_ticks=0,
            date_enrolled=now,
            date_edited=now,
        )
        for chapter in chapters
    }
    session.add_all(chapter_enrollments.values())
    session.flush()  # lesson enrollments reference them; no ORM relationships order the inserts
    session.add_all(
        AbsorbLessonEnrollment(
            id=ids.derived_uuid("absorb.lesson-enrollment", enrollment.id, lesson.id),
            tenant=enrollment.tenant,
            course_enrollment_id=enrollment.id,
            chapter_enrollment_id=chapter_enrollments[lesson.chapter_id].id,
            chapter_id=lesson.chapter_id,
            lesson_id=lesson.id,
            course_id=enrollment.course_id,
            user_id=enrollment.user_id,
            name=lesson.name,
            full_name=enrollment.full_name,
            lesson_type=lesson.lesson_type,
            position=lesson.position,
            is_active=True,
            attempts=0,
            failures=0,
            status=int(Status.NOT_STARTED),
            progress=0.0,
            score=0.0,
            time_spent_ticks=0,
            date_enrolled=now,
            date_added=now,
            date_edited=now,
        )
        for lesson in lessons
        if lesson.chapter_id in chapter_enrollments
    )
    session.flush()


def to_history(session: Session, enrollment: AbsorbCourseEnrollment, now: dt.datetime) -> list[str]:
    """Retire an active enrollment; returns the ILC sessions whose seat it gave up."""
    enrollment.is_active = False
    enrollment.date_edited = now
    session.execute(
        update(AbsorbLessonEnrollment)
        .where(AbsorbLessonEnrollment.course_enrollment_id == enrollment.id)
        .values(is_active=False)
    )
    seats = list(
        session.scalars(
            select(AbsorbSessionEnrollment.session_id).where(
                AbsorbSessionEnrollment.course_enrollment_id == enrollment.id,
                AbsorbSessionEnrollment.is_active.is_(True),
            )
        )
    )
    session.execute(
        update(AbsorbSessionEnrollment)
        .where(AbsorbSessionEnrollment.course_enrollment_id == enrollment.id)
        .values(is_active=False, date_edited=now)
    )
    session.flush()
    return seats


def apply_settable(
    enrollment: AbsorbCourseEnrollment | Settable,
    body: Mapping[str, Any],
    dates: Mapping[str, dt.datetime | None],
    now: dt.datetime,
) -> None:
    """Set only the properties the API documents as settable; everything else is ignored."""
    if "status" in body and body["status"] is not None:
        set_status(enrollment, int(body["status"]), now)
    if "dateCompleted" in dates:
        enrollment.date_completed = dates["dateCompleted"]
    if "dateExpires" in dates:
        enrollment.date_expires = dates["dateExpires"]
    for wire_name, attr in (
        ("courseVersionId", "course_version_id"),
        ("enrollmentKeyId", "enrollment_key_id"),
    ):
        if wire_name in body:
            value = body[wire_name]
            setattr(enrollment, attr, value.lower() if isinstance(value, str) else None)
    if body.get("acceptedTermsAndConditions") is not None:
        enrollment.accepted_terms_and_conditions = bool(body["acceptedTermsAndConditions"])
    if "credits" in body:
        enrollment.credits = None if body["credits"] is None else float(body["credits"])
    if body.get("score") is not None:
        enrollment.score = float(body["score"])
    enrollment.date_edited = now


def set_status(enrollment: AbsorbCourseEnrollment | Settable, status: int, now: dt.datetime) -> None:
    """An administrator's status change: stamps what the new status implies."""
    enrollment.status = status
    if status == Status.IN_PROGRESS and enrollment.date_started is None:
        enrollment.date_started = now
    if status == Status.COMPLETE:
        enrollment.progress = 100.0
        enrollment.date_started = enrollment.date_started or now
        enrollment.date_completed = enrollment.date_completed or now


def unenroll(session: Session, tenant: str, enrollment_ids: Sequence[str], now: dt.datetime) -> list[str]:
    """Remove the listed active enrollments and everything under them (all or nothing).

    Returns the ILC sessions that gained a free seat. Unknown or historical ids: 422
    listing them, and nothing changes.
    """
    wanted = list(dict.fromkeys(i.lower() for i in enrollment_ids))
    found = {
        row.id: row
        for row in session.scalars(
            select(AbsorbCourseEnrollment).where(
                AbsorbCourseEnrollment.tenant == tenant,
                AbsorbCourseEnrollment.id.in_(wanted),
                AbsorbCourseEnrollment.is_active.is_(True),
            )
        )
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        err = validation("No active enrollment was found for some of the provided ids.")
        err.details = [f"Enrollment {i} was not found." for i in missing]
        raise err
    freed = list(
        session.scalars(
            select(AbsorbSessionEnrollment.session_id).where(
                AbsorbSessionEnrollment.course_enrollment_id.in_(wanted),
                AbsorbSessionEnrollment.is_active.is_(True),
                AbsorbSessionEnrollment.status != int(Status.ON_WAITLIST),
            )
        )
    )
    delete_tree(session, wanted)
    return freed


def delete_tree(session: Session, enrollment_ids: Sequence[str]) -> None:
    lesson_ids = select(AbsorbLessonEnrollment.id).where(
        AbsorbLessonEnrollment.course_enrollment_id.in_(enrollment_ids)
    )
    session.execute(delete(AbsorbAttempt).where(AbsorbAttempt.lesson_enrollment_id.in_(lesson_ids)))
    for model in (AbsorbLessonEnrollment, AbsorbChapterEnrollment, AbsorbSessionEnrollment):
        session.execute(delete(model).where(model.course_enrollment_id.in_(enrollment_ids)))
    session.execute(delete(AbsorbCourseEnrollment).where(AbsorbCourseEnrollment.id.in_(enrollment_ids)))
    session.expire_all()


def require_not_blocked(enrollment: AbsorbCourseEnrollment) -> None:
    if enrollment.status in (Status.PENDING_APPROVAL, Status.DECLINED, Status.ON_WAITLIST):
        raise ApiError(
            422,
            "The enrollment cannot be started while it is pending approval, declined or on a waitlist.",
            code="ErrorGeneric",
        )
