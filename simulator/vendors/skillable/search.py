"""SearchClassEnrollments and SearchClasses: filters, sort and paging, all in SQL.

`sort` is a field name, optionally followed by " DESC" (documented). Of the documented
sort fields the simulator keeps the ones it has data for: Name (the class name), Starts
(class Start), Expires (class End), Size, Used, Created, LastModified. Program,
CompanyOrganization, Owner and Company are not simulated. Ties are broken by Id, so
pages never overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select

from simulator.core.store import Source, Statement
from simulator.vendors.skillable.records import (
    CLASS_COLUMNS,
    ENROLLMENT_COLUMNS,
    C,
    ClassRecord,
    E,
    EnrollmentRecord,
)

SORT_FIELDS = ("Name", "Starts", "Expires", "Size", "Used", "Created", "LastModified")
DEFAULT_SORT = "Name"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

_CLASS_COLUMNS: dict[str, Any] = {
    "Name": C.name,
    "Starts": C.start,
    "Expires": C.end,
    "Size": C.size,
    "Used": C.used,
    "Created": C.created,
    "LastModified": C.last_modified,
}
_ENROLLMENT_COLUMNS: dict[str, Any] = {**_CLASS_COLUMNS, "Created": E.created, "LastModified": E.last_modified}
_LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class Page:
    index: int = 0
    size: int = DEFAULT_PAGE_SIZE
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class EnrollmentFilter:
    class_name: str | None = None
    class_id: int | None = None
    student_id: int | None = None
    enrollment_status_id: int | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


@dataclass(frozen=True)
class ClassFilter:
    name: str | None = None
    confirmation_status_id: int | None = None
    starts_after: dt.datetime | None = None
    starts_before: dt.datetime | None = None


def sort_values() -> list[str]:
    """Every accepted `sort` value (the spec's enum)."""
    return [v for f in SORT_FIELDS for v in (f, f"{f} DESC")]


def _contains_pattern(text: str) -> str:
    """`text` with LIKE's wildcards escaped, so a name filter matches it literally."""
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
    return escaped.replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")


def _name_contains(column: Any, name: str) -> ColumnElement[bool]:
    """Case-insensitive substring match of the bound (escaped) value `name`."""
    result: ColumnElement[bool] = column.icontains(bindparam(name), escape=_LIKE_ESCAPE)
    return result


def _order(columns: dict[str, Any], sort: str, tiebreak: Any) -> list[Any]:
    field, _, direction = sort.partition(" ")
    column = columns[field]
    # Nulls sort as lowest on both databases (SQLite's order; PostgreSQL's default is the opposite).
    return [column.desc().nulls_last() if direction == "DESC" else column.asc().nulls_first(), tiebreak.asc()]


# A search has a few dozen shapes (the filters given, the sort): each is compiled once, on
# first use, and a request binds its values.
_ENROLLMENT_CONDITIONS: dict[str, Any] = {
    "class_name": lambda: _name_contains(C.name, "class_name"),
    "class_id": lambda: E.class_id == bindparam("class_id"),
    "student_id": lambda: E.user_id == bindparam("student_id"),
    "enrollment_status_id": lambda: E.enrollment_status_id == bindparam("enrollment_status_id"),
    "created_after": lambda: E.created > bindparam("created_after"),
    "created_before": lambda: E.created < bindparam("created_before"),
}
_CLASS_CONDITIONS: dict[str, Any] = {
    "name": lambda: _name_contains(C.name, "name"),
    "confirmation_status_id": lambda: C.confirmation_status_id == bindparam("confirmation_status_id"),
    "starts_after": lambda: C.start > bindparam("starts_after"),
    "starts_before": lambda: C.start < bindparam("starts_before"),
}


def _paged(page: Select[Any], count: Select[Any], order: list[Any]) -> tuple[Statement, Statement]:
    return (
        Statement(page.order_by(*order).offset(bindparam("offset")).limit(bindparam("limit"))),
        Statement(count),
    )


@cache  # bounded: one entry per combination of filters and sort
def _enrollment_statements(given: tuple[str, ...], sort: str) -> tuple[Statement, Statement]:
    conditions = [E.tenant == bindparam("tenant"), *(_ENROLLMENT_CONDITIONS[name]() for name in given)]
    joined = (C.id == E.class_id) & (C.tenant == E.tenant)
    return _paged(
        select(*ENROLLMENT_COLUMNS).join(C, joined).where(*conditions),
        select(func.count()).select_from(E).join(C, joined).where(*conditions),
        _order(_ENROLLMENT_COLUMNS, sort, E.id),
    )


@cache
def _class_statements(given: tuple[str, ...], sort: str) -> tuple[Statement, Statement]:
    conditions = [C.tenant == bindparam("tenant"), *(_CLASS_CONDITIONS[name]() for name in given)]
    return _paged(
        select(*CLASS_COLUMNS).where(*conditions),
        select(func.count()).select_from(C).where(*conditions),
        _order(_CLASS_COLUMNS, sort, C.id),
    )


def _values(where: EnrollmentFilter | ClassFilter, text_filter: str) -> dict[str, Any] | None:
    """The filters given, as bound values; None when one can match nothing.

    SQLite ends a LIKE pattern at a NUL character (so "\\x00" would match everything); no
    stored name contains one, so such a filter simply matches nothing.
    """
    given = {name: value for name, value in vars(where).items() if value is not None and value != ""}
    text = given.get(text_filter)
    if text is not None:
        if "\x00" in text:
            return None
        given[text_filter] = _contains_pattern(text)
    return given


Shapes = Callable[[tuple[str, ...], str], tuple[Statement, Statement]]


def _search(
    source: Source, tenant: str, where: EnrollmentFilter | ClassFilter, page: Page, text_filter: str, shapes: Shapes
) -> tuple[list[tuple[Any, ...]], int]:
    """A page of rows and the total; the total is counted only when the page does not tell it."""
    values = _values(where, text_filter)
    if values is None:
        return [], 0
    select_page, count = shapes(tuple(sorted(values)), page.sort)
    values["tenant"] = tenant
    offset = page.index * page.size
    rows = select_page.rows(source, {**values, "offset": offset, "limit": page.size})
    if (rows and len(rows) < page.size) or (not rows and offset == 0):
        return rows, offset + len(rows)  # the last page: nothing beyond it
    return rows, int(count.scalar(source, values) or 0)


def search_enrollments(
    source: Source, tenant: str, where: EnrollmentFilter, page: Page
) -> tuple[list[EnrollmentRecord], int]:
    rows, total = _search(source, tenant, where, page, "class_name", _enrollment_statements)
    return list(map(EnrollmentRecord._make, rows)), total


def search_classes(source: Source, tenant: str, where: ClassFilter, page: Page) -> tuple[list[ClassRecord], int]:
    rows, total = _search(source, tenant, where, page, "name", _class_statements)
    return list(map(ClassRecord._make, rows)), total
