"""Rows to Docebo's JSON, and Docebo's request values to Python.

Dates on the wire are `YYYY-MM-DD HH:MM:SS` in UTC (the platform's time zone in the
simulator is UTC; the 2017 SDK's examples and its "MYSQL format UTC" say so). On input a
bare `YYYY-MM-DD` is midnight, and the ISO 8601 form clients send (`...T...Z`, offsets)
is accepted too. Lists show statuses and levels as strings, single views as the integer codes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from simulator.core.db import UTC
from simulator.core.errors import ApiError
from simulator.vendors.docebo import states
from simulator.vendors.docebo.errors import API_VERSION, bad_request
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# ASCII digits only (`\d` would take other scripts' digits too), and no trailing newline (\Z).
_DATE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?\Z"
)


def parse_date(value: Any, field: str) -> dt.datetime:
    """A Docebo date (`YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`, UTC) or the ISO 8601 form clients
    send (`2026-03-14T12:00:00Z`, with fractions or an offset), as UTC; anything else is a 400."""
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise _bad_date(field, value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad_date(field, value) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _bad_date(field: str, value: Any) -> ApiError:
    return bad_request(
        f"Invalid date for {field}: {value!r} (expected YYYY-MM-DD HH:MM:SS)",
        details=[{"field": field, "message": "Invalid date format, expected YYYY-MM-DD HH:MM:SS"}],
    )


def date(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime(DATE_FORMAT)


def wrap(data: Any) -> dict[str, Any]:
    """Docebo's response envelope."""
    return {"data": data, "version": API_VERSION, "_links": []}


def page(items: list[dict[str, Any]], *, count: int, page_number: int, page_size: int) -> dict[str, Any]:
    total_pages = math.ceil(count / page_size) if count else 0
    return wrap(
        {
            "items": items,
            "count": count,
            "has_more_data": page_number < total_pages,
            "current_page": page_number,
            "current_page_size": page_size,
            "total_page_count": total_pages,
        }
    )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def enrollment_item(enrollment: DoceboEnrollment, course: DoceboCourse, username: str) -> dict[str, Any]:
    """An entry of `GET /learn/v1/enrollments` (strings for status and level)."""
    return {
        "id": course.id,
        "user_id": enrollment.user_id,
        "username": username,
        "name": course.name,
        "code": course.code,
        "type": course.type,
        "status": states.STATUS_NAMES[enrollment.status],
        "level": states.LEVEL_NAMES[enrollment.level],
        "waiting": enrollment.waiting,
        "score": enrollment.score_given,
        "enroll_date_of_enrollment": date(enrollment.date_inscr),
        "enroll_begin_date": date(enrollment.date_begin_validity),
        "enroll_end_date": date(enrollment.date_expire_validity),
        "course_complete_date": date(enrollment.date_complete),
        "duration": course.duration,
        "lang_code": course.lang_code,
        "slug_name": slug(course.name),
        "description": course.description,
    }


def enrollment_record(enrollment: DoceboEnrollment, course: DoceboCourse) -> dict[str, Any]:
    """`GET /learn/v1/enrollments/{course_id}/{user_id}` (integer codes)."""
    return {
        "id": course.id,
        "user_id": enrollment.user_id,
        "name": course.name,
        "course_code": course.code,
        "type": states.COURSE_TYPE_CODES[course.type],
        "status": enrollment.status,
        "level": enrollment.level,
        "waiting": enrollment.waiting,
        "score": enrollment.score_given,
        "initial_score": enrollment.initial_score_given,
        "absent": enrollment.absent,
        "enroll_date_of_enrollment": date(enrollment.date_inscr),
        "enroll_begin_date": date(enrollment.date_begin_validity),
        "enroll_end_date": date(enrollment.date_expire_validity),
        "date_first_access": date(enrollment.date_first_access),
        "date_last_access": date(enrollment.date_last_access),
        "course_complete_date": date(enrollment.date_complete),
        "lang_code": course.lang_code,
        "enrollment_fields": [
            {"id": key, "value": value} for key, value in sorted(enrollment.enrollment_fields.items())
        ],
    }


def course_item(course: DoceboCourse) -> dict[str, Any]:
    return {
        "id_course": course.id,
        "name": course.name,
        "code": course.code,
        "description": course.description,
        "course_type": course.type,
        "lang_code": course.lang_code,
        "duration": course.duration,
        "slug_name": slug(course.name),
        "date_creation": date(course.created_at),
    }


def learn_course_item(course: DoceboCourse) -> dict[str, Any]:
    """An entry of `GET /learn/v1/courses` (the SDK's LearnCourseIndexItems adds `selling`)."""
    return {**course_item(course), "selling": False}


def session(user: DoceboUser) -> dict[str, Any]:
    """`GET /manage/v1/user/session`, with the keys third-party clients read."""
    return {
        "id": user.id,
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "email": user.email,
        "user_level": user.role,
        "lang_code": "english",
        "timezone": "UTC",
    }


def user_item(user: DoceboUser) -> dict[str, Any]:
    # Docebo's user endpoints render ids and flags as strings.
    return {
        "user_id": str(user.id),
        "username": user.username,
        "first_name": user.firstname,
        "last_name": user.lastname,
        "fullname": f"{user.firstname} {user.lastname}".strip(),
        "email": user.email,
        "level": user.role,
        "status": "1" if user.active else "0",
        "creation_date": date(user.created_at),
    }
