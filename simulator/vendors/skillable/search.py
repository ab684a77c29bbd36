"""SearchClassEnrollments and SearchClasses: filters, sort and paging, all in SQL.

`sort` is a field name, optionally followed by " DESC" (documented). Of the documented
sort fields the simulator keeps the ones it has data for: Name (the class name), Starts
(class Start), Expires (class End), Size, Used, Created, LastModified. Program,
CompanyOrganization, Owner and Company are not simulated. Ties are broken by Id, so
pages never overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session

from simulator.vendors.skillable.models import SkillableClass, SkillableClassEnrollment

E = SkillableClassEnrollment
C = SkillableClass

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


def _name_contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match with LIKE wildcards escaped.

    SQLite ends a LIKE pattern at a NUL character (so "\\x00" would match everything);
    no stored name contains one, so such a filter simply matches nothing.
    """
    if "\x00" in text:
        return false()
    result: ColumnElement[bool] = column.icontains(text, autoescape=True)
    return result


def _order(columns: dict[str, Any], sort: str, tiebreak: Any) -> list[Any]:
    field, _, direction = sort.partition(" ")
    column = columns[field]
    # Nulls sort as lowest on both databases (SQLite's order; PostgreSQL's default is the opposite).
    return [column.desc().nulls_last() if direction == "DESC" else column.asc().nulls_first(), tiebreak.asc()]


def _paged(session: Session, query: Select[Any], order: Sequence[Any], page: Page) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset(page.index * page.size).limit(page.size))
    return list(rows), int(total)


def search_enrollments(session: Session, tenant: str, where: EnrollmentFilter, page: Page) -> tuple[list[E], int]:
    conditions: list[ColumnElement[bool]] = [E.tenant == tenant]
    if where.class_name:
        conditions.append(_name_contains(C.name, where.class_name))
    if where.class_id is not None:
        conditions.append(E.class_id == where.class_id)
    if where.student_id is not None:
        conditions.append(E.user_id == where.student_id)
    if where.enrollment_status_id is not None:
        conditions.append(E.enrollment_status_id == where.enrollment_status_id)
    if where.created_after is not None:
        conditions.append(E.created > where.created_after)
    if where.created_before is not None:
        conditions.append(E.created < where.created_before)
    query = select(E).join(C, (C.id == E.class_id) & (C.tenant == E.tenant)).where(*conditions)
    return _paged(session, query, _order(_ENROLLMENT_COLUMNS, page.sort, E.id), page)


def search_classes(session: Session, tenant: str, where: ClassFilter, page: Page) -> tuple[list[C], int]:
    conditions: list[ColumnElement[bool]] = [C.tenant == tenant]
    if where.name:
        conditions.append(_name_contains(C.name, where.name))
    if where.confirmation_status_id is not None:
        conditions.append(C.confirmation_status_id == where.confirmation_status_id)
    if where.starts_after is not None:
        conditions.append(C.start > where.starts_after)
    if where.starts_before is not None:
        conditions.append(C.start < where.starts_before)
    query = select(C).where(*conditions)
    return _paged(session, query, _order(_CLASS_COLUMNS, page.sort, C.id), page)
