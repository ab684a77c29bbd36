"""What a vendor offers the dashboard: its enrollments as normalised rows, in its own statuses.

A vendor that sets `VendorPlugin.dashboard` lists, searches and opens its enrollments
through these types. Status values stay the vendor's own (Absorb's integers as text,
Learn.link's lowercase words); only the *tone* (the colour family) is shared, so the page
can colour-code every vendor without a common status vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Row, Select, String, cast, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

Tone = Literal["done", "active", "waiting", "late", "ended", "idle"]
Column = ColumnElement[Any] | QueryableAttribute[Any]
AnyRow = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class StatusInfo:
    value: str  # the wire value, as text: "3", "overdue"
    label: str  # how the vendor names it: "Complete", "overdue"
    tone: Tone


@dataclass(frozen=True)
class EnrollmentQuery:
    tenant: str | None = None
    status: str | None = None
    search: str | None = None  # a learner's or course's name, or an id (case-insensitive substring)
    limit: int = 25
    offset: int = 0


@dataclass(frozen=True)
class EnrollmentSummary:
    id: str  # the vendor's id (Docebo: "course:user")
    tenant: str
    status: str  # a StatusInfo.value
    learner: str
    course: str
    progress: float | None = None
    due: dt.datetime | None = None
    updated: dt.datetime | None = None


@dataclass(frozen=True)
class TreeNode:
    """One level of a nested structure (Absorb: chapter > lesson > attempt)."""

    label: str
    status: str | None = None
    note: str = ""
    children: Sequence[TreeNode] = ()


@dataclass(frozen=True)
class EnrollmentDetail:
    summary: EnrollmentSummary
    fields: Sequence[tuple[str, Any]]  # the vendor's own field names and values
    history_title: str = ""
    history: Sequence[dict[str, Any]] = ()  # rows of one table, oldest first
    tree_title: str = ""
    tree: Sequence[TreeNode] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardHooks:
    statuses: Sequence[StatusInfo]  # every status, in the order the vendor lists them
    list_enrollments: Callable[[Session, EnrollmentQuery], tuple[list[EnrollmentSummary], int]]
    get_enrollment: Callable[[Session, str, str], EnrollmentDetail | None]  # (session, tenant, id)
    status_counts: Callable[[Session], dict[str, dict[str, int]]]  # tenant -> status value -> count

    def status(self, value: str) -> StatusInfo:
        for info in self.statuses:
            if info.value == value:
                return info
        return StatusInfo(value, value, "idle")


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally (escape '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def int_status(text: str) -> int | None:
    """A status filter for integer-coded statuses (None: not a number, so nothing matches)."""
    try:
        return int(text)
    except ValueError:
        return None


def page(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    query: EnrollmentQuery,
    *,
    tenant_col: Column,
    status_col: Column,
    search_cols: Sequence[Column],
    order_by: Sequence[Column],
    status_value: Callable[[str], Any] = str,
) -> tuple[list[AnyRow], int]:
    """One page of a listing, filtered and counted in SQL."""
    conditions: list[ColumnElement[bool]] = []
    if query.tenant:
        conditions.append(tenant_col == query.tenant)
    if query.status:
        wanted = status_value(query.status)
        if wanted is None:
            return [], 0
        conditions.append(status_col == wanted)
    if query.search:
        pattern = like_pattern(query.search.strip())
        conditions.append(or_(*(cast(col, String).ilike(pattern, escape="\\") for col in search_cols)))
    stmt = stmt.where(*conditions)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(*order_by).limit(query.limit).offset(query.offset)).all()
    return list(rows), int(total)


def status_counts(session: Session, tenant_col: Column, status_col: Column) -> dict[str, dict[str, int]]:
    """tenant -> status (as text) -> number of enrollments, grouped in SQL."""
    out: dict[str, dict[str, int]] = {}
    for tenant, status, count in session.execute(
        select(tenant_col, status_col, func.count()).group_by(tenant_col, status_col)
    ):
        out.setdefault(str(tenant), {})[str(status)] = int(count)
    return out
