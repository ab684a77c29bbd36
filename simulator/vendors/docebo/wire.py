"""Rows to Docebo's JSON, and Docebo's request values to Python.

Dates on the wire are `YYYY-MM-DD HH:MM:SS` in UTC (the platform's time zone in the
simulator is UTC; the 2017 SDK's examples and its "MYSQL format UTC" say so). On input a
bare `YYYY-MM-DD` is midnight, and the ISO 8601 form clients send (`...T...Z`, offsets)
is accepted too. Lists show statuses and levels as strings, single views as the integer codes.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple

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
    """A Docebo date, `YYYY-MM-DD HH:MM:SS` in UTC: the head of the ISO form (the year always
    four digits, as the statements' `reads.wire_date` gives it)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:19]


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


@functools.lru_cache(maxsize=4096)
def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# Handlers render straight from a statement's row: these are the columns, in the order the
# renderers below unpack them. A statement selects dates already formatted (strings) and
# flags as stored (0/1 on SQLite); the dashboard passes ORM objects (`_values`).
E, C, U = DoceboEnrollment, DoceboCourse, DoceboUser
ITEM_COLUMNS = (
    C.id,
    E.user_id,
    U.username,
    C.name,
    C.code,
    C.type,
    E.status,
    E.level,
    E.waiting,
    E.score_given,
    E.date_inscr,
    E.date_begin_validity,
    E.date_expire_validity,
    E.date_complete,
    C.duration,
    C.lang_code,
    C.description,
)
RECORD_COLUMNS = (
    C.id,
    E.user_id,
    C.name,
    C.code,
    C.type,
    E.status,
    E.level,
    E.waiting,
    E.score_given,
    E.initial_score_given,
    E.absent,
    E.date_inscr,
    E.date_begin_validity,
    E.date_expire_validity,
    E.date_first_access,
    E.date_last_access,
    E.date_complete,
    C.lang_code,
    E.enrollment_fields,
)


def _values(columns: Sequence[Any], objects: Mapping[type, Any]) -> tuple[Any, ...]:
    """The row a statement of `columns` gives, read from ORM objects (by their class)."""
    values = (getattr(objects[column.class_], column.key) for column in columns)
    return tuple(date(value) if isinstance(value, dt.datetime) else value for value in values)


def enrollment_item_row(row: Sequence[Any]) -> dict[str, Any]:
    """An entry of `GET /learn/v1/enrollments` (strings for status and level), from `ITEM_COLUMNS`."""
    (
        course_id,
        user_id,
        username,
        name,
        code,
        course_type,
        status,
        level,
        waiting,
        score,
        date_inscr,
        date_begin,
        date_end,
        date_complete,
        duration,
        lang_code,
        description,
    ) = row
    return {
        "id": course_id,
        "user_id": user_id,
        "username": username,
        "name": name,
        "code": code,
        "type": course_type,
        "status": states.STATUS_NAMES[status],
        "level": states.LEVEL_NAMES[level],
        "waiting": bool(waiting),
        "score": score,
        "enroll_date_of_enrollment": date_inscr,
        "enroll_begin_date": date_begin,
        "enroll_end_date": date_end,
        "course_complete_date": date_complete,
        "duration": duration,
        "lang_code": lang_code,
        "slug_name": slug(name),
        "description": description,
    }


def enrollment_item(enrollment: DoceboEnrollment, course: DoceboCourse, username: str) -> dict[str, Any]:
    user = SimpleNamespace(username=username)  # only the name is rendered
    return enrollment_item_row(_values(ITEM_COLUMNS, {E: enrollment, C: course, U: user}))


def enrollment_record_row(row: Sequence[Any]) -> dict[str, Any]:
    """`GET /learn/v1/enrollments/{course_id}/{user_id}` (integer codes), from `RECORD_COLUMNS`."""
    (
        course_id,
        user_id,
        name,
        code,
        course_type,
        status,
        level,
        waiting,
        score,
        initial_score,
        absent,
        date_inscr,
        date_begin,
        date_end,
        date_first_access,
        date_last_access,
        date_complete,
        lang_code,
        fields,
    ) = row
    return {
        "id": course_id,
        "user_id": user_id,
        "name": name,
        "course_code": code,
        "type": states.COURSE_TYPE_CODES[course_type],
        "status": status,
        "level": level,
        "waiting": bool(waiting),
        "score": score,
        "initial_score": initial_score,
        "absent": bool(absent),
        "enroll_date_of_enrollment": date_inscr,
        "enroll_begin_date": date_begin,
        "enroll_end_date": date_end,
        "date_first_access": date_first_access,
        "date_last_access": date_last_access,
        "course_complete_date": date_complete,
        "lang_code": lang_code,
        "enrollment_fields": [{"id": key, "value": value} for key, value in sorted(fields.items())],
    }


def enrollment_record(enrollment: DoceboEnrollment, course: DoceboCourse) -> dict[str, Any]:
    return enrollment_record_row(_values(RECORD_COLUMNS, {E: enrollment, C: course}))


class CourseRow(NamedTuple):
    """A course as the reads select it (`reads.COURSE`): the fields `course_item` renders."""

    id: int
    code: str
    name: str
    description: str
    type: str
    lang_code: str
    duration: int
    created_at: dt.datetime


class UserRow(NamedTuple):
    """A user as the reads select it (`reads.USER`): the fields `user_item` and `session` render."""

    id: int
    username: str
    firstname: str
    lastname: str
    email: str
    role: str
    active: bool
    created_at: dt.datetime


def course_item(course: CourseRow) -> dict[str, Any]:
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


def learn_course_item(course: CourseRow) -> dict[str, Any]:
    """An entry of `GET /learn/v1/courses` (the SDK's LearnCourseIndexItems adds `selling`)."""
    return {**course_item(course), "selling": False}


def session(user: UserRow) -> dict[str, Any]:
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


def user_item(user: UserRow) -> dict[str, Any]:
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
