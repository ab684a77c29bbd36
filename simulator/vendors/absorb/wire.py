"""Rows to Absorb's JSON: camelCase fields, GUID strings, integer statuses, ISO 8601 UTC
dates with a `Z`, and `timeSpent` as a .NET TimeSpan in "c" format beside `timeSpentTicks`."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from typing import Any

from simulator.core.clock import iso
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapter,
    AbsorbChapterEnrollment,
    AbsorbCourse,
    AbsorbCourseEnrollment,
    AbsorbDepartment,
    AbsorbLesson,
    AbsorbLessonEnrollment,
    AbsorbSession,
    AbsorbSessionEnrollment,
    AbsorbUser,
)
from simulator.vendors.absorb.states import TICKS_PER_SECOND

TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND


def timespan(ticks: int) -> str:
    """A .NET TimeSpan "c" string: `[-][d.]hh:mm:ss[.fffffff]` (e.g. "1.13:02:39.9878697")."""
    if not ticks:
        return "00:00:00"  # most rows: nothing spent yet
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rest = divmod(ticks, TICKS_PER_DAY)
    seconds, fraction = divmod(rest, TICKS_PER_SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


def _iso(value: dt.datetime | None) -> str | None:
    """`clock.iso` of a stored date: the database gives UTC back, so no conversion is needed
    (a list renders hundreds of these)."""
    if value is None:
        return None
    if value.tzinfo is dt.UTC:
        return value.isoformat(timespec="seconds")[:-6] + "Z"  # drop "+00:00"
    return iso(value)


def ticks_between(start: dt.datetime, end: dt.datetime) -> int:
    delta = end - start
    return max(0, (delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10)


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 4)


CE = AbsorbCourseEnrollment

# A course enrollment's wire form, column by column, in the order `course_enrollment_values`
# reads them: reads select just these (no ORM entity) and render straight from the row.
COURSE_ENROLLMENT_COLUMNS = (
    CE.id,
    CE.course_id,
    CE.course_name,
    CE.progress,
    CE.score,
    CE.status,
    CE.date_completed,
    CE.date_expires,
    CE.date_edited,
    CE.date_added,
    CE.full_name,
    CE.course_version_id,
    CE.user_id,
    CE.accepted_terms_and_conditions,
    CE.time_spent_ticks,
    CE.date_started,
    CE.enrollment_key_id,
    CE.certificate_id,
    CE.credits,
    CE.is_active,
    CE.date_due,
    CE.access_date,
    CE.job_title,
    CE.course_collection_id,
    CE.avatar,
)
COURSE_ENROLLMENT_KEYS = tuple(column.key for column in COURSE_ENROLLMENT_COLUMNS)
_COURSE_ENROLLMENT_VALUES = operator.attrgetter(*COURSE_ENROLLMENT_KEYS)


def course_enrollment(row: AbsorbCourseEnrollment) -> dict[str, Any]:
    return course_enrollment_values(_COURSE_ENROLLMENT_VALUES(row))


def course_enrollment_values(values: Sequence[Any]) -> dict[str, Any]:
    """The wire form from a row of `COURSE_ENROLLMENT_COLUMNS`."""
    (
        id_,
        course_id,
        course_name,
        progress,
        score,
        status,
        date_completed,
        date_expires,
        date_edited,
        date_added,
        full_name,
        course_version_id,
        user_id,
        accepted_terms,
        time_spent_ticks,
        date_started,
        enrollment_key_id,
        certificate_id,
        credits,
        is_active,
        date_due,
        access_date,
        job_title,
        course_collection_id,
        avatar,
    ) = values
    return {
        "id": id_,
        "courseId": course_id,
        "courseName": course_name,
        "progress": _number(progress),
        "score": _number(score),
        "status": status,
        "dateCompleted": _iso(date_completed),
        "dateExpires": _iso(date_expires),
        "dateEdited": _iso(date_edited),
        "dateAdded": _iso(date_added),
        "fullName": full_name,
        "courseVersionId": course_version_id,
        "userId": user_id,
        "acceptedTermsAndConditions": accepted_terms,
        "timeSpentTicks": time_spent_ticks,
        "timeSpent": timespan(time_spent_ticks),
        "dateStarted": _iso(date_started),
        "enrollmentKeyId": enrollment_key_id,
        "certificateId": certificate_id,
        "credits": _number(credits),
        "isActive": is_active,
        "dateDue": _iso(date_due),
        "accessDate": _iso(access_date),
        "jobTitle": job_title,
        "courseCollectionId": course_collection_id,
        "avatar": avatar,
    }


def created(enrollment_id: str, course_id: str, user_id: str) -> dict[str, Any]:
    return {"enrollmentId": enrollment_id, "courseId": course_id, "userId": user_id}


def chapter_enrollment(row: AbsorbChapterEnrollment, lesson_enrollment_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "courseEnrollmentId": row.course_enrollment_id,
        "chapterId": row.chapter_id,
        "sessionId": None,
        "lessonId": None,
        "name": row.name,
        "userId": row.user_id,
        "fullName": row.full_name,
        "status": row.status,
        "progress": _number(row.progress),
        "score": _number(row.score),
        "timeSpent": timespan(row.time_spent_ticks),
        "dateEnrolled": iso(row.date_enrolled),
        "dateStarted": iso(row.date_started),
        "dateCompleted": iso(row.date_completed),
        "lessonEnrollmentIds": list(lesson_enrollment_ids),
    }


def lesson_enrollment(row: AbsorbLessonEnrollment) -> dict[str, Any]:
    return {
        "id": row.id,
        "chapterEnrollmentId": row.chapter_enrollment_id,
        "type": row.lesson_type,
        "attempts": row.attempts,
        "failures": row.failures,
        "lastAttempt": iso(row.last_attempt),
        "courseEnrollmentId": row.course_enrollment_id,
        "chapterId": row.chapter_id,
        "lessonId": row.lesson_id,
        "name": row.name,
        "userId": row.user_id,
        "fullName": row.full_name,
        "status": row.status,
        "progress": _number(row.progress),
        "score": _number(row.score),
        "timeSpent": timespan(row.time_spent_ticks),
        "dateEnrolled": iso(row.date_enrolled),
        "dateStarted": iso(row.date_started),
        "dateCompleted": iso(row.date_completed),
        "dateEdited": iso(row.date_edited),
        "dateAdded": iso(row.date_added),
    }


def session_enrollment(row: AbsorbSessionEnrollment) -> dict[str, Any]:
    return {
        "id": row.id,
        "sessionId": row.session_id,
        "courseEnrollmentId": row.course_enrollment_id,
        "name": row.name,
        "userId": row.user_id,
        "fullName": row.full_name,
        "status": row.status,
        "progress": _number(row.progress),
        "score": _number(row.score),
        "timeSpent": timespan(row.time_spent_ticks),
        "dateEnrolled": iso(row.date_enrolled),
        "dateStarted": iso(row.date_started),
        "dateCompleted": iso(row.date_completed),
        "dateEdited": iso(row.date_edited),
    }


def attempt(row: AbsorbAttempt) -> dict[str, Any]:
    return {
        "id": row.id,
        "timeSpentTicks": row.time_spent_ticks,
        "status": row.status,
        "score": _number(row.score),
        "startDate": iso(row.start_date),
        "completionDate": iso(row.completion_date),
    }


def user(row: AbsorbUser) -> dict[str, Any]:
    """Absorb's user resource, field for field (custom fields are not simulated: null)."""
    return {
        "id": row.id,
        "departmentId": row.department_id,
        "firstName": row.first_name,
        "middleName": row.middle_name,
        "lastName": row.last_name,
        "username": row.username,
        "emailAddress": row.email_address,
        "externalId": row.external_id,
        "ccEmailAddresses": list(row.cc_email_addresses or []),
        "languageId": row.language_id,
        "gender": row.gender,
        "address": row.address,
        "address2": row.address2,
        "city": row.city,
        "provinceId": row.province_id,
        "countryId": row.country_id,
        "postalCode": row.postal_code,
        "phone": row.phone,
        "employeeNumber": row.employee_number,
        "location": row.location,
        "jobTitle": row.job_title,
        "referenceNumber": row.reference_number,
        "dateHired": iso(row.date_hired),
        "dateTerminated": iso(row.date_terminated),
        "dateEdited": iso(row.date_edited),
        "dateAdded": iso(row.date_added),
        "lastLoginDate": iso(row.last_login_date),
        "notes": row.notes,
        "customFields": None,
        "roleIds": list(row.role_ids or []),
        "activeStatus": row.active_status,
        "isLearner": row.is_learner,
        "isAdmin": row.is_admin,
        "isInstructor": row.is_instructor,
        "isManager": row.is_manager,
        "supervisorId": row.supervisor_id,
        "hasUsername": True,
    }


def department(row: AbsorbDepartment) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "useDepartmentContactDetails": row.use_department_contact_details,
        "companyName": row.company_name,
        "phoneNumber": row.phone_number,
        "emailAddress": row.email_address,
        "externalId": row.external_id,
        "parentId": row.parent_id,
        "currencyId": row.currency_id,
        "dateEdited": iso(row.date_edited),
        "dateAdded": iso(row.date_added),
    }


def course_summary(row: AbsorbCourse) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "courseType": row.course_type,
        "activeStatus": row.active_status,
        "requiresApproval": row.requires_approval,
        "passingScore": _number(row.passing_score),
        "credits": _number(row.credits),
        "dateAdded": iso(row.date_added),
        "dateEdited": iso(row.date_edited),
    }


def course_detail(
    row: AbsorbCourse,
    chapters: Sequence[AbsorbChapter],
    lessons: Sequence[AbsorbLesson],
    sessions: Sequence[AbsorbSession],
) -> dict[str, Any]:
    by_chapter: dict[str, list[dict[str, Any]]] = {}
    for lesson in lessons:
        by_chapter.setdefault(lesson.chapter_id, []).append(
            {"id": lesson.id, "name": lesson.name, "type": lesson.lesson_type}
        )
    return {
        **course_summary(row),
        "chapters": [{"id": c.id, "name": c.name, "lessons": by_chapter.get(c.id, [])} for c in chapters],
        "sessions": [
            {"id": s.id, "name": s.name, "capacity": s.capacity, "dateStart": iso(s.date_start)} for s in sessions
        ],
    }


def page(key: str, items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"totalItems": total, "returnedItems": len(items), "limit": limit, "offset": offset, key: items}
