"""Loading one tenant's `absorb` fixture section.

    portal:      {apiKey: GUID, name?, disabled?: false}
    users:       [{id, username, password?, firstName, lastName, emailAddress?, jobTitle?,
                   isAdmin?: false, activeStatus?: 0, dateAdded?}]
    courses:     [{id, name, description?, courseType?: OnlineCourse|InstructorLedCourse,
                   requiresApproval?, passingScore?, credits?, dateAdded?,
                   chapters?: [{id, name, lessons: [{id, name, type?}]}],
                   sessions?: [{id, name, capacity?, dateStart?}]}]
    enrollments: [{id, userId, courseId, status, score?, dateAdded, dateDue?, dateExpires?,
                   isActive?: true, sessionId?, timeSpentTicks?}]

Enrollments get their chapter and lesson enrollments as a real enrollment would. Their
lessons follow the status: Complete/Failed (3/5) finish every lesson (score and time
spread over them) and roll up; InProgress (1) completes the first lesson and rolls up;
any other status leaves the lessons NotStarted. `sessionId` adds an ILC session
enrollment, waitlisted (8) when the session is full.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from simulator.core.fixtures import FixtureContext, FixtureError, check, items, one_of, optional, require
from simulator.vendors.absorb import enrollments, progress, sessions
from simulator.vendors.absorb.models import (
    AbsorbChapter,
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbLesson,
    AbsorbLessonEnrollment,
    AbsorbPortal,
    AbsorbSession,
    AbsorbUser,
)
from simulator.vendors.absorb.states import ALL_STATUSES, TICKS_PER_SECOND, Status

_NUM = (int, float)
COURSE_TYPES = ("OnlineCourse", "InstructorLedCourse")


def _guid(item: Mapping[str, Any], key: str, where: str) -> str:
    value = require(item, key, where, str)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FixtureError(f"{where}.{key}", f"not a GUID: {value!r}") from None


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    where = f"tenants.{tenant}.absorb"
    check(section, where, Mapping)
    _portal(fx, tenant, require(section, "portal", where, Mapping), f"{where}.portal")
    users = {u.id: u for u in (_user(fx, tenant, item, path) for path, item in items(section, "users", where))}
    courses: dict[str, AbsorbCourse] = {}
    for path, item in items(section, "courses", where):
        course = _course(fx, tenant, item, path)
        courses[course.id] = course
    for path, item in items(section, "enrollments", where):
        _enrollment(fx, tenant, item, path, users, courses)
    fx.session.flush()


def _portal(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str) -> None:
    key = _guid(item, "apiKey", where)
    if fx.session.get(AbsorbPortal, key) is not None:
        raise FixtureError(f"{where}.apiKey", "this key is already used by another tenant")
    fx.session.add(
        AbsorbPortal(
            api_key=key,
            tenant=tenant,
            name=optional(item, "name", where, str, ""),
            disabled=optional(item, "disabled", where, bool, False),
        )
    )


def _user(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str) -> AbsorbUser:
    added = fx.time(optional(item, "dateAdded", where, (str, dt.datetime), "@now-P365D"), f"{where}.dateAdded")
    user = AbsorbUser(
        id=_guid(item, "id", where),
        tenant=tenant,
        username=require(item, "username", where, str),
        password=optional(item, "password", where, str),
        first_name=require(item, "firstName", where, str),
        last_name=require(item, "lastName", where, str),
        email_address=optional(item, "emailAddress", where, str),
        job_title=optional(item, "jobTitle", where, str),
        is_admin=optional(item, "isAdmin", where, bool, False),
        active_status=one_of(optional(item, "activeStatus", where, int, 0), (0, 1), f"{where}.activeStatus"),
        date_added=added,
        date_edited=added,
    )
    fx.session.add(user)
    return user


def _course(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str) -> AbsorbCourse:
    added = fx.time(optional(item, "dateAdded", where, (str, dt.datetime), "@now-P365D"), f"{where}.dateAdded")
    course_type = one_of(optional(item, "courseType", where, str, "OnlineCourse"), COURSE_TYPES, f"{where}.courseType")
    passing = optional(item, "passingScore", where, _NUM)
    credits = optional(item, "credits", where, _NUM)
    course = AbsorbCourse(
        id=_guid(item, "id", where),
        tenant=tenant,
        name=require(item, "name", where, str),
        description=optional(item, "description", where, str, ""),
        course_type=course_type,
        requires_approval=optional(item, "requiresApproval", where, bool, False),
        passing_score=None if passing is None else float(passing),
        credits=None if credits is None else float(credits),
        active_status=0,
        date_added=added,
        date_edited=added,
    )
    fx.session.add(course)
    fx.session.flush()
    for position, (path, chapter) in enumerate(items(item, "chapters", where)):
        chapter_row = AbsorbChapter(
            id=_guid(chapter, "id", path),
            tenant=tenant,
            course_id=course.id,
            name=require(chapter, "name", path, str),
            position=position,
        )
        fx.session.add(chapter_row)
        fx.session.flush()
        for lesson_position, (lesson_path, lesson) in enumerate(items(chapter, "lessons", path)):
            fx.session.add(
                AbsorbLesson(
                    id=_guid(lesson, "id", lesson_path),
                    tenant=tenant,
                    course_id=course.id,
                    chapter_id=chapter_row.id,
                    name=require(lesson, "name", lesson_path, str),
                    lesson_type=optional(lesson, "type", lesson_path, str, "ObjectLesson"),
                    position=position * 1000 + lesson_position,
                )
            )
    for path, ilc in items(item, "sessions", where):
        capacity = optional(ilc, "capacity", path, int)
        if capacity is not None and capacity < 0:
            raise FixtureError(f"{path}.capacity", "must not be negative")
        start = optional(ilc, "dateStart", path, (str, dt.datetime))
        fx.session.add(
            AbsorbSession(
                id=_guid(ilc, "id", path),
                tenant=tenant,
                course_id=course.id,
                name=require(ilc, "name", path, str),
                capacity=capacity,
                date_start=None if start is None else fx.time(start, f"{path}.dateStart"),
            )
        )
    fx.session.flush()
    return course


def _enrollment(
    fx: FixtureContext,
    tenant: str,
    item: Mapping[str, Any],
    where: str,
    users: Mapping[str, AbsorbUser],
    courses: Mapping[str, AbsorbCourse],
) -> None:
    user = users.get(_guid(item, "userId", where))
    if user is None:
        raise FixtureError(f"{where}.userId", "no such user in this tenant")
    course = courses.get(_guid(item, "courseId", where))
    if course is None:
        raise FixtureError(f"{where}.courseId", "no such course in this tenant")
    status = one_of(require(item, "status", where, int), ALL_STATUSES, f"{where}.status")
    added = fx.time(require(item, "dateAdded", where, (str, dt.datetime)), f"{where}.dateAdded")
    enrollment_id = _guid(item, "id", where)
    if fx.session.get(AbsorbCourseEnrollment, enrollment_id) is not None:
        raise FixtureError(f"{where}.id", "duplicate enrollment id")
    row = enrollments.create(fx.session, user, course, added, enrollment_id=enrollment_id)
    row.status = status
    row.is_active = optional(item, "isActive", where, bool, True)
    row.date_due = fx.optional_time(item.get("dateDue"), f"{where}.dateDue")
    row.date_expires = fx.optional_time(item.get("dateExpires"), f"{where}.dateExpires")
    score = float(optional(item, "score", where, _NUM, 0.0))
    ticks = int(optional(item, "timeSpentTicks", where, int, 0))
    _replay_lessons(fx, row, status, score, ticks, added)
    session_id = optional(item, "sessionId", where, str)
    if session_id is not None:
        ilc = fx.session.get(AbsorbSession, session_id.lower())
        if ilc is None or ilc.course_id != course.id:
            raise FixtureError(f"{where}.sessionId", "no such session in this course")
        _, session_row = sessions.enroll(fx.session, user, ilc, added, re_enroll=False, cancel_session=False)
        if session_row.status != Status.ON_WAITLIST:
            session_row.status = (
                status if status in (Status.COMPLETE, Status.ABSENT, Status.IN_PROGRESS) else session_row.status
            )
        row.status = status if row.status != Status.ON_WAITLIST else row.status
    fx.session.flush()


def _replay_lessons(
    fx: FixtureContext, row: AbsorbCourseEnrollment, status: int, score: float, ticks: int, added: dt.datetime
) -> None:
    lessons = list(
        fx.session.query(AbsorbLessonEnrollment)
        .filter_by(course_enrollment_id=row.id)
        .order_by(AbsorbLessonEnrollment.position)
    )
    if status in (Status.COMPLETE, Status.FAILED) and lessons:
        done = lessons
    elif status == Status.IN_PROGRESS and lessons:
        done = lessons[:1]
    else:
        row.score, row.time_spent_ticks = score, ticks
        if status == Status.COMPLETE:
            row.progress, row.date_started, row.date_completed = 100.0, added, added + dt.timedelta(days=1)
        elif status == Status.IN_PROGRESS:
            row.date_started = added
        return
    per_lesson = (ticks or 1800 * TICKS_PER_SECOND) // len(lessons)
    finished = added + dt.timedelta(days=1)
    for lesson in done:
        lesson.status, lesson.score, lesson.progress = int(Status.COMPLETE), score, 100.0
        lesson.attempts, lesson.time_spent_ticks = 1, per_lesson
        lesson.date_started = lesson.last_attempt = added
        lesson.date_completed = lesson.date_edited = finished
    fx.session.flush()
    row.status = int(Status.NOT_STARTED)
    progress.roll_up(fx.session, row, finished)
    row.status = status
    if status == Status.COMPLETE:
        row.progress, row.date_completed = 100.0, row.date_completed or finished
    elif status == Status.FAILED:
        row.date_completed = None
