"""Absorb collection reads: `_filter`, `_sort`, `_limit`/`_offset` (a page index), the
deprecated `limit`/`offset`/`status`/`modifiedSince`, and the paged envelope.

Everything happens in SQL: the filter compiles to a WHERE clause over whitelisted
columns, the sort to ORDER BY (with the id as a tie-breaker so pages are stable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement
from simulator.vendors.absorb.odata import Field, QueryError, compile_filter, compile_sort

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_OFFSET = 65535
# Compiled page statements kept per process, at most (a client cycling through filters
# must not grow the cache without bound: it starts over when full).
PAGE_STATEMENTS_MAX = 512


def validation(message: str) -> ApiError:
    return ApiError(422, message, code="ErrorGeneric", details=[message])


@dataclass(frozen=True)
class ListQuery:
    """The collection parameters of one request, already range-checked."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    filter: str | None = None
    sort: str | None = None
    status: int | None = None
    modified_since: dt.datetime | None = None


def _int_param(query: Mapping[str, Any], names: Sequence[str], default: int, low: int, high: int) -> int:
    for name in names:
        value = query.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise validation(f"{name} must be an integer")
        if not low <= value <= high:
            raise validation(f"{name} must be between {low} and {high}")
        return value
    return default


def list_query(query: Mapping[str, Any], modified_since: dt.datetime | None) -> ListQuery:
    """Read the paging/filter parameters; `_limit`/`_offset` win over the deprecated names."""
    return ListQuery(
        limit=_int_param(query, ("_limit", "limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_int_param(query, ("_offset", "offset"), 0, 0, MAX_OFFSET),
        filter=query.get("_filter") or None,
        sort=query.get("_sort") or None,
        status=query.get("status"),
        modified_since=modified_since,
    )


def conditions(
    q: ListQuery, fields: Mapping[str, Field], status_col: Any, edited_col: Any
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if q.status is not None and status_col is not None:
        out.append(status_col == q.status)
    if q.modified_since is not None:
        out.append(edited_col > q.modified_since)
    if q.filter is not None:
        try:
            out.append(compile_filter(q.filter, fields))
        except QueryError as exc:
            raise validation(str(exc)) from None
    return out


def order(q: ListQuery, fields: Mapping[str, Field], default_sort: str, id_col: Any) -> list[Any]:
    try:
        terms: list[Any] = compile_sort(q.sort or default_sort, fields)
    except QueryError as exc:
        raise validation(str(exc)) from None
    return [*terms, id_col.asc()]


def fetch_page(
    session: Session,
    base: Select[Any],
    q: ListQuery,
    fields: Mapping[str, Field],
    *,
    default_sort: str,
    id_col: Any,
    status_col: Any,
    edited_col: Any,
) -> tuple[list[Any], int]:
    """One page of `base` (a select of one entity) and the total number of matches.

    The page is found in two steps: the ids of the page (filter, sort, limit and offset on
    narrow rows, mostly from indexes), then the full rows of just those ids, sorted again.
    Sorting thousands of full rows to keep a hundred is what makes a naive query slow.
    """
    entity = base.column_descriptions[0]["entity"]
    stmt = base.where(*conditions(q, fields, status_col, edited_col))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    terms = order(q, fields, default_sort, id_col)
    page_ids = stmt.with_only_columns(id_col).order_by(*terms).limit(q.limit).offset(q.limit * q.offset).subquery()
    rows = session.scalars(select(entity).join(page_ids, id_col == page_ids.c.id).order_by(*terms))
    return list(rows), int(total)


@dataclass(frozen=True)
class Collection:
    """A collection read on `Statement`s: the columns of one item and how its lists are scoped.

    `scope` is the WHERE of every list of the collection, with bound parameters (the tenant,
    the owning course or user); `columns` are what an item's wire form is rendered from.
    """

    name: str
    columns: tuple[Any, ...]
    scope: tuple[ColumnElement[bool], ...]
    fields: Mapping[str, Field]
    default_sort: str
    id_col: Any
    status_col: Any
    edited_col: Any


@dataclass(frozen=True)
class _PageStatements:
    count: Statement
    page: Statement


_page_statements: dict[tuple[Any, ...], _PageStatements] = {}


def _statements(collection: Collection, q: ListQuery) -> _PageStatements:
    """The count and page statements of one list shape, compiled once per shape.

    A shape is everything that changes the SQL: the filter and sort text (their literals
    become the statement's bound defaults) and which deprecated filters are given. The
    values that vary per request (scope, status, modifiedSince, limit, offset) are bound.
    """
    key = (collection.name, q.filter, q.sort, q.status is not None, q.modified_since is not None)
    found = _page_statements.get(key)
    if found is not None:
        return found
    where = list(collection.scope)
    if q.status is not None and collection.status_col is not None:
        where.append(collection.status_col == bindparam("q_status"))
    if q.modified_since is not None:
        where.append(collection.edited_col > bindparam("q_since", type_=collection.edited_col.type))
    if q.filter is not None:
        try:
            where.append(compile_filter(q.filter, collection.fields))
        except QueryError as exc:
            raise validation(str(exc)) from None
    terms = order(q, collection.fields, collection.default_sort, collection.id_col)
    id_col = collection.id_col
    matching = select(id_col).where(*where)
    page_ids = matching.order_by(*terms).limit(bindparam("q_limit")).offset(bindparam("q_offset")).subquery()
    found = _PageStatements(
        count=Statement(select(func.count()).select_from(matching.subquery())),
        page=Statement(select(*collection.columns).join(page_ids, id_col == page_ids.c.id).order_by(*terms)),
    )
    if len(_page_statements) >= PAGE_STATEMENTS_MAX:
        _page_statements.clear()
    _page_statements[key] = found
    return found


def page_values(
    store: Source, collection: Collection, q: ListQuery, scope: Mapping[str, Any]
) -> tuple[list[tuple[Any, ...]], int]:
    """One page of the collection as rows of its `columns`, and the total number of matches.

    As `fetch_page`: the ids of the page first (filter, sort, limit and offset on narrow
    rows, mostly from indexes), then the full rows of just those ids, sorted again.
    """
    statements = _statements(collection, q)
    params = {**scope, "q_status": q.status, "q_since": q.modified_since}
    total = statements.count.scalar(store, params) or 0
    rows = statements.page.rows(store, {**params, "q_limit": q.limit, "q_offset": q.limit * q.offset})
    return rows, int(total)
