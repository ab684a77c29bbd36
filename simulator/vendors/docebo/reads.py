"""Docebo's reads: a course, a user, one enrollment, a page of enrollments (one tenant).

Every read is a `Statement` (compiled once, run on the request's connection) rendered
straight from its row by `wire`: a GET never makes an ORM session. Which of a course, a
user and their enrollment is missing picks the 404, from one statement.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from simulator.core.db import UtcDateTime
from simulator.core.store import Source, Statement
from simulator.vendors.docebo import wire
from simulator.vendors.docebo.errors import not_found
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser


def columns_of(model: Any, row: type[tuple[Any, ...]]) -> list[Any]:
    """The model's columns named by a row type's fields, in its order (`wire.CourseRow`...)."""
    return [getattr(model, name) for name in row._fields]  # type: ignore[attr-defined]


_COURSE = Statement(
    select(*columns_of(DoceboCourse, wire.CourseRow)).where(
        DoceboCourse.tenant == bindparam("tenant"), DoceboCourse.id == bindparam("id")
    )
)
_USER = Statement(
    select(*columns_of(DoceboUser, wire.UserRow)).where(
        DoceboUser.tenant == bindparam("tenant"), DoceboUser.id == bindparam("id")
    )
)


def require_course(store: Source, tenant: str, course_id: int) -> wire.CourseRow:
    found = _COURSE.first(store, {"tenant": tenant, "id": course_id})
    if found is None:
        raise not_found(f"Course {course_id} not found")
    return wire.CourseRow(*found)


def require_user(store: Source, tenant: str, user_id: int) -> wire.UserRow:
    found = _USER.first(store, {"tenant": tenant, "id": user_id})
    if found is None:
        raise not_found(f"User {user_id} not found")
    return wire.UserRow(*found)


def _course_user_enrollment(columns: Sequence[Any]) -> Statement:
    """The course (by key), the user (by key) and their enrollment, in one statement: which of
    the three is missing picks the 404. Selects the user's id, a non-null column of the
    enrollment, then `columns`."""
    return Statement(
        select(DoceboUser.id, DoceboEnrollment.status, *columns)
        .select_from(DoceboCourse)
        .outerjoin(DoceboUser, and_(DoceboUser.tenant == DoceboCourse.tenant, DoceboUser.id == bindparam("user_id")))
        .outerjoin(
            DoceboEnrollment,
            and_(
                DoceboEnrollment.tenant == DoceboCourse.tenant,
                DoceboEnrollment.course_id == DoceboCourse.id,
                DoceboEnrollment.user_id == DoceboUser.id,
            ),
        )
        .where(DoceboCourse.tenant == bindparam("tenant"), DoceboCourse.id == bindparam("course_id"))
    )


class wire_date(FunctionElement[str]):
    """A timestamp column as Docebo's wire date, `YYYY-MM-DD HH:MM:SS` UTC, formatted by the
    database: a list renders hundreds of dates, and parsing each into a datetime only to
    format it again costs more than the rest of the row."""

    type = String()
    name = "wire_date"
    inherit_cache = True


@compiles(wire_date)
def _wire_date_sqlite(element: wire_date, compiler: Any, **kw: Any) -> str:
    # SQLite holds a timestamp as naive UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (UtcDateTime).
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 19)"


@compiles(wire_date, "postgresql")
def _wire_date_postgresql(element: wire_date, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"


def _as_wire(column: Any) -> Any:
    """What a statement selects for a column of `wire.ITEM_COLUMNS` / `RECORD_COLUMNS`:
    dates formatted, flags as stored (the renderers take 0/1 too); no per-value conversion."""
    if isinstance(column.type, UtcDateTime):
        return wire_date(column)
    if isinstance(column.type, Boolean):
        return type_coerce(column, Integer())
    return column


_RECORD = _course_user_enrollment([_as_wire(c) for c in wire.RECORD_COLUMNS])
_PAIR = _course_user_enrollment(())


def _pair_row(statement: Statement, store: Source, tenant: str, course_id: int, user_id: int) -> tuple[Any, ...]:
    """The row of a known course and user (404 for an unknown one); its second value is None
    when the user is not enrolled in the course."""
    found = statement.first(store, {"tenant": tenant, "course_id": course_id, "user_id": user_id})
    if found is None:
        raise not_found(f"Course {course_id} not found")
    if found[0] is None:
        raise not_found(f"User {user_id} not found")
    return found


def enrolled(store: Source, tenant: str, course_id: int, user_id: int) -> bool:
    return _pair_row(_PAIR, store, tenant, course_id, user_id)[1] is not None


def enrollment_record(store: Source, tenant: str, course_id: int, user_id: int) -> tuple[Any, ...]:
    """One enrollment as `wire.RECORD_COLUMNS`; 404 for an unknown course, user or pair."""
    found = _pair_row(_RECORD, store, tenant, course_id, user_id)
    if found[1] is None:
        raise not_found(f"User {user_id} is not enrolled in course {course_id}")
    return found[2:]


@dataclass(frozen=True)
class EnrollmentFilter:
    user_ids: Sequence[int] = ()
    course_ids: Sequence[int] = ()
    statuses: Sequence[int] = ()
    types: Sequence[str] = ()
    search: str | None = None


def like_pattern(text: str) -> str | None:
    """A LIKE pattern matching `text` literally (wildcards escaped with a backslash); None for
    a text with a NUL, which SQLite's LIKE would read as the end of the pattern (matching
    everything): no stored name contains one, so it matches nothing."""
    if "\x00" in text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_ITEM = [_as_wire(column) for column in wire.ITEM_COLUMNS]
Search = bool | None  # no search (None), one that matches nothing (False), a pattern (True)


def search_of(text: str | None) -> tuple[Search, str | None]:
    """What a list's search text makes of its statement, and the `pattern` parameter."""
    if not text:
        return None, None
    pattern = like_pattern(text)
    return pattern is not None, pattern


def searched(search: Search, columns: Sequence[Any]) -> list[ColumnElement[bool]]:
    """The condition of a search (see `search_of`) on `columns`, as a parameter `pattern`."""
    if search is None:
        return []
    if not search:
        return [false()]
    pattern = bindparam("pattern", type_=String())
    # ILIKE: case-insensitive (ASCII) on both databases, as SQLite's LIKE is; PostgreSQL's LIKE is not.
    return [or_(*(column.ilike(pattern, escape="\\") for column in columns))]


PAGE = bindparam("limit", type_=Integer()), bindparam("offset", type_=Integer())


def page_params(page: int, page_size: int) -> dict[str, int]:
    return {"limit": page_size, "offset": (page - 1) * page_size}


# A list's statements depend on how many values each filter has (each value its own
# parameter) and on its search: one pair of statements per shape, compiled once.
ListShape = tuple[int, int, int, int, Search]  # users, courses, statuses, types, search


def _list_shape(flt: EnrollmentFilter, search: Search) -> ListShape:
    return len(flt.user_ids), len(flt.course_ids), len(flt.statuses), len(flt.types), search


def _list_params(flt: EnrollmentFilter, tenant: str, pattern: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"tenant": tenant, "pattern": pattern}
    for prefix, values in (("u", flt.user_ids), ("c", flt.course_ids), ("s", flt.statuses), ("t", flt.types)):
        params.update({f"{prefix}{i}": value for i, value in enumerate(values)})
    return params


def one_of(column: Any, prefix: str, count: int) -> list[ColumnElement[bool]]:
    """`column IN (...)` of `count` parameters named `<prefix>0`, `<prefix>1`...; none for 0."""
    if not count:
        return []
    found: ColumnElement[bool] = column.in_([bindparam(f"{prefix}{i}") for i in range(count)])
    return [found]


@functools.lru_cache(maxsize=256)
def _list_statements(shape: ListShape) -> tuple[Statement, Statement]:
    """The page (`wire.ITEM_COLUMNS`, by course id then user id) and the count of one shape."""
    users, courses, statuses, types, search = shape
    conditions = [
        DoceboEnrollment.tenant == bindparam("tenant"),
        *one_of(DoceboEnrollment.user_id, "u", users),
        *one_of(DoceboEnrollment.course_id, "c", courses),
        *one_of(DoceboEnrollment.status, "s", statuses),
        *one_of(DoceboCourse.type, "t", types),
        *searched(search, (DoceboCourse.name, DoceboCourse.code)),
    ]
    course_key = and_(DoceboCourse.tenant == DoceboEnrollment.tenant, DoceboCourse.id == DoceboEnrollment.course_id)
    user_key = and_(DoceboUser.tenant == DoceboEnrollment.tenant, DoceboUser.id == DoceboEnrollment.user_id)

    def joined(*columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .select_from(DoceboEnrollment)
            .join(DoceboCourse, course_key)
            .join(DoceboUser, user_key)
            .where(*conditions)
        )

    page = joined(*_ITEM).order_by(DoceboEnrollment.course_id, DoceboEnrollment.user_id).limit(PAGE[0]).offset(PAGE[1])
    return Statement(page), Statement(joined(func.count()))


def list_enrollments(
    store: Source, tenant: str, flt: EnrollmentFilter, *, page: int, page_size: int
) -> tuple[list[tuple[Any, ...]], int]:
    """One page of enrollments (rows of `wire.ITEM_COLUMNS`, ordered by course id, then user
    id) and the total count."""
    search, pattern = search_of(flt.search)
    page_of, count_of = _list_statements(_list_shape(flt, search))
    params = _list_params(flt, tenant, pattern)
    total = count_of.scalar(store, params) or 0
    rows = page_of.rows(store, {**params, **page_params(page, page_size)})
    return rows, int(total)
