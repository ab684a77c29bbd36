"""Loading one tenant's `absorb` fixture section.

    portal:      {apiKey: GUID, name?, disabled?: false}
    departments: [{id, name, parentId?, externalId?, companyName?, phoneNumber?, emailAddress?, dateAdded?}]
    users:       [{id, username, password?, firstName, middleName?, lastName, emailAddress?, jobTitle?,
                   departmentId?, externalId?, employeeNumber?, location?, phone?, city?, postalCode?,
                   referenceNumber?, notes?, supervisorId?, dateHired?, dateTerminated?, lastLoginDate?,
                   isAdmin?: false, isInstructor?: false, isManager?: false, activeStatus?: 0, dateAdded?}]
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
enrollment, waitlisted (8) when the session is full; it needs the user's one active
enrollment in the course (the row itself).

The section is read into plain rows and written with one bulk insert per table: the
enrollment trees and roll-ups are computed in `fixture_trees`, by the API's rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from simulator.core.fixtures import FixtureContext, FixtureError, check, items, one_of, optional, require
from simulator.vendors.absorb.fixture_trees import Catalog, EnrollmentTrees, Row
from simulator.vendors.absorb.models import (
    AbsorbChapter,
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbDepartment,
    AbsorbLesson,
    AbsorbPortal,
    AbsorbSession,
    AbsorbUser,
)
from simulator.vendors.absorb.states import ALL_STATUSES

_NUM = (int, float)
COURSE_TYPES = ("OnlineCourse", "InstructorLedCourse")


def _guid(item: Mapping[str, Any], key: str, where: str) -> str:
    value = require(item, key, where, str)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FixtureError(f"{where}.{key}", f"not a GUID: {value!r}") from None


def _seconds(fx: FixtureContext, value: Any, where: str) -> dt.datetime:
    """A fixture time at the precision Absorb shows (see `api.now`)."""
    return fx.time(value, where).replace(microsecond=0)


def _optional_seconds(fx: FixtureContext, value: Any, where: str) -> dt.datetime | None:
    return None if value is None else _seconds(fx, value, where)


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    where = f"tenants.{tenant}.absorb"
    check(section, where, Mapping)
    _portal(fx, tenant, require(section, "portal", where, Mapping), f"{where}.portal")
    catalog = Catalog()
    departments = {}
    for path, item in items(section, "departments", where):
        department = _department(fx, tenant, item, path)
        departments[department["id"]] = department
    fx.insert(AbsorbDepartment, list(departments.values()))
    for path, item in items(section, "users", where):
        user = _user(fx, tenant, item, path, departments)
        catalog.users[user["id"]] = user
    for path, item in items(section, "courses", where):
        _course(fx, tenant, item, path, catalog)
    # Enrollment ids are unique across tenants: those already loaded count as taken.
    trees = EnrollmentTrees(tenant, catalog, fx.existing(AbsorbCourseEnrollment.__table__.c.id, _ids(section)))
    for path, item in items(section, "enrollments", where):
        _enrollment(fx, item, path, trees)
    for model, rows in (
        (AbsorbUser, list(catalog.users.values())),
        (AbsorbCourse, list(catalog.courses.values())),
        (AbsorbChapter, catalog.chapters),
        (AbsorbLesson, catalog.lessons),
        (AbsorbSession, list(catalog.sessions.values())),
    ):
        fx.insert(model, rows)
    trees.write(fx)


def _ids(section: Mapping[str, Any]) -> list[str]:
    """The enrollment ids of the section that are GUIDs (the others fail validation later)."""
    out = []
    for entry in section.get("enrollments") or []:
        value = entry.get("id") if isinstance(entry, Mapping) else None
        try:
            out.append(str(uuid.UUID(value)))
        except (TypeError, ValueError, AttributeError):
            continue
    return out


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


def _department(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str) -> Row:
    added = _seconds(fx, optional(item, "dateAdded", where, (str, dt.datetime), "@now-P400D"), f"{where}.dateAdded")
    parent = optional(item, "parentId", where, str)
    return {
        "id": _guid(item, "id", where),
        "tenant": tenant,
        "name": require(item, "name", where, str),
        "parent_id": None if parent is None else _guid(item, "parentId", where),
        "external_id": optional(item, "externalId", where, str),
        "company_name": optional(item, "companyName", where, str),
        "phone_number": optional(item, "phoneNumber", where, str),
        "email_address": optional(item, "emailAddress", where, str),
        "use_department_contact_details": False,
        "currency_id": None,
        "date_added": added,
        "date_edited": added,
    }


_USER_TEXT = {
    "middle_name": "middleName",
    "external_id": "externalId",
    "employee_number": "employeeNumber",
    "location": "location",
    "phone": "phone",
    "address": "address",
    "city": "city",
    "postal_code": "postalCode",
    "reference_number": "referenceNumber",
    "notes": "notes",
    "email_address": "emailAddress",
    "job_title": "jobTitle",
}


def _user(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str, departments: Mapping[str, Row]) -> Row:
    added = _seconds(fx, optional(item, "dateAdded", where, (str, dt.datetime), "@now-P365D"), f"{where}.dateAdded")
    department = optional(item, "departmentId", where, str)
    if department is not None and _guid(item, "departmentId", where) not in departments:
        raise FixtureError(f"{where}.departmentId", "no such department in this tenant")
    supervisor = optional(item, "supervisorId", where, str)
    row: Row = {
        "id": _guid(item, "id", where),
        "tenant": tenant,
        "username": require(item, "username", where, str),
        "password": optional(item, "password", where, str),
        "department_id": None if department is None else _guid(item, "departmentId", where),
        "first_name": require(item, "firstName", where, str),
        "last_name": require(item, "lastName", where, str),
        "language_id": None,
        "gender": None,
        "address2": None,
        "province_id": None,
        "country_id": None,
        "cc_email_addresses": [],
        "role_ids": [],
        "supervisor_id": None if supervisor is None else _guid(item, "supervisorId", where),
        "avatar": None,
        "is_admin": optional(item, "isAdmin", where, bool, False),
        "is_learner": True,
        "is_instructor": optional(item, "isInstructor", where, bool, False),
        "is_manager": optional(item, "isManager", where, bool, False),
        "active_status": one_of(optional(item, "activeStatus", where, int, 0), (0, 1), f"{where}.activeStatus"),
        "date_added": added,
        "date_edited": added,
    }
    for column, key in _USER_TEXT.items():
        row[column] = optional(item, key, where, str)
    for column, key in (
        ("date_hired", "dateHired"),
        ("date_terminated", "dateTerminated"),
        ("last_login_date", "lastLoginDate"),
    ):
        row[column] = _optional_seconds(fx, item.get(key), f"{where}.{key}")
    return row


def _course(fx: FixtureContext, tenant: str, item: Mapping[str, Any], where: str, catalog: Catalog) -> None:
    added = _seconds(fx, optional(item, "dateAdded", where, (str, dt.datetime), "@now-P365D"), f"{where}.dateAdded")
    course_type = one_of(optional(item, "courseType", where, str, "OnlineCourse"), COURSE_TYPES, f"{where}.courseType")
    passing = optional(item, "passingScore", where, _NUM)
    credits = optional(item, "credits", where, _NUM)
    course: Row = {
        "id": _guid(item, "id", where),
        "tenant": tenant,
        "name": require(item, "name", where, str),
        "description": optional(item, "description", where, str, ""),
        "course_type": course_type,
        "requires_approval": optional(item, "requiresApproval", where, bool, False),
        "passing_score": None if passing is None else float(passing),
        "credits": None if credits is None else float(credits),
        "active_status": 0,
        "date_added": added,
        "date_edited": added,
    }
    catalog.courses[course["id"]] = course
    for position, (path, chapter) in enumerate(items(item, "chapters", where)):
        chapter_row: Row = {
            "id": _guid(chapter, "id", path),
            "tenant": tenant,
            "course_id": course["id"],
            "name": require(chapter, "name", path, str),
            "position": position,
        }
        catalog.add_chapter(chapter_row)
        for lesson_position, (lesson_path, lesson) in enumerate(items(chapter, "lessons", path)):
            catalog.add_lesson(
                {
                    "id": _guid(lesson, "id", lesson_path),
                    "tenant": tenant,
                    "course_id": course["id"],
                    "chapter_id": chapter_row["id"],
                    "name": require(lesson, "name", lesson_path, str),
                    "lesson_type": optional(lesson, "type", lesson_path, str, "ObjectLesson"),
                    "position": position * 1000 + lesson_position,
                }
            )
    for path, ilc in items(item, "sessions", where):
        capacity = optional(ilc, "capacity", path, int)
        if capacity is not None and capacity < 0:
            raise FixtureError(f"{path}.capacity", "must not be negative")
        start = optional(ilc, "dateStart", path, (str, dt.datetime))
        session_row: Row = {
            "id": _guid(ilc, "id", path),
            "tenant": tenant,
            "course_id": course["id"],
            "name": require(ilc, "name", path, str),
            "capacity": capacity,
            "date_start": None if start is None else _seconds(fx, start, f"{path}.dateStart"),
        }
        catalog.sessions[session_row["id"]] = session_row


def _enrollment(fx: FixtureContext, item: Mapping[str, Any], where: str, trees: EnrollmentTrees) -> None:
    user = trees.catalog.users.get(_guid(item, "userId", where))
    if user is None:
        raise FixtureError(f"{where}.userId", "no such user in this tenant")
    course = trees.catalog.courses.get(_guid(item, "courseId", where))
    if course is None:
        raise FixtureError(f"{where}.courseId", "no such course in this tenant")
    status = one_of(require(item, "status", where, int), ALL_STATUSES, f"{where}.status")
    added = _seconds(fx, require(item, "dateAdded", where, (str, dt.datetime)), f"{where}.dateAdded")
    enrollment_id = _guid(item, "id", where)
    if not trees.claim_id(enrollment_id):
        raise FixtureError(f"{where}.id", "duplicate enrollment id")
    row = trees.add(
        enrollment_id,
        user,
        course,
        added,
        status=status,
        is_active=optional(item, "isActive", where, bool, True),
        date_due=_optional_seconds(fx, item.get("dateDue"), f"{where}.dateDue"),
        date_expires=_optional_seconds(fx, item.get("dateExpires"), f"{where}.dateExpires"),
        score=float(optional(item, "score", where, _NUM, 0.0)),
        ticks=int(optional(item, "timeSpentTicks", where, int, 0)),
    )
    session_id = optional(item, "sessionId", where, str)
    if session_id is not None:
        ilc = trees.catalog.sessions.get(session_id.lower())
        if ilc is None or ilc["course_id"] != course["id"]:
            raise FixtureError(f"{where}.sessionId", "no such session in this course")
        if not trees.is_the_active_enrollment(row):
            raise FixtureError(
                f"{where}.sessionId", "a session enrollment needs the user's one active enrollment in the course"
            )
        trees.take_seat(row, user, ilc, status, added)
