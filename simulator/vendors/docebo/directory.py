"""The reads a client needs to find ids: platform users and courses (one tenant).

Each page and its count are statements compiled once per shape (search or not, how many
course types), rendered from rows (`wire.UserRow`, `wire.CourseRow`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select

from simulator.core.store import Source, Statement
from simulator.vendors.docebo import wire
from simulator.vendors.docebo.models import DoceboCourse, DoceboUser
from simulator.vendors.docebo.reads import PAGE, Search, columns_of, one_of, page_params, search_of, searched


def _paged(
    model: Any, row: type[tuple[Any, ...]], conditions: Sequence[ColumnElement[bool]]
) -> tuple[Statement, Statement]:
    """A page of `row`s by id, and the count, of the tenant's rows meeting `conditions`."""
    where = [model.tenant == bindparam("tenant"), *conditions]
    page = select(*columns_of(model, row)).where(*where).order_by(model.id).limit(PAGE[0]).offset(PAGE[1])
    return Statement(page), Statement(select(func.count()).select_from(model).where(*where))


@functools.lru_cache(maxsize=8)
def _user_statements(search: Search) -> tuple[Statement, Statement]:
    columns = (DoceboUser.username, DoceboUser.email, DoceboUser.firstname, DoceboUser.lastname)
    return _paged(DoceboUser, wire.UserRow, searched(search, columns))


@functools.lru_cache(maxsize=64)
def _course_statements(search: Search, types: int) -> tuple[Statement, Statement]:
    conditions = [*searched(search, (DoceboCourse.name, DoceboCourse.code)), *one_of(DoceboCourse.type, "t", types)]
    return _paged(DoceboCourse, wire.CourseRow, conditions)


def _run(
    statements: tuple[Statement, Statement], store: Source, params: dict[str, Any], page: int, page_size: int
) -> tuple[list[tuple[Any, ...]], int]:
    page_of, count_of = statements
    total = count_of.scalar(store, params) or 0
    return page_of.rows(store, {**params, **page_params(page, page_size)}), int(total)


def list_users(
    store: Source, tenant: str, *, search: str | None, page: int, page_size: int
) -> tuple[list[wire.UserRow], int]:
    kind, pattern = search_of(search)
    rows, total = _run(_user_statements(kind), store, {"tenant": tenant, "pattern": pattern}, page, page_size)
    return [wire.UserRow(*row) for row in rows], total


def list_courses(
    store: Source, tenant: str, *, search: str | None, types: Sequence[str], page: int, page_size: int
) -> tuple[list[wire.CourseRow], int]:
    kind, pattern = search_of(search)
    params: dict[str, Any] = {"tenant": tenant, "pattern": pattern, **{f"t{i}": t for i, t in enumerate(types)}}
    rows, total = _run(_course_statements(kind, len(types)), store, params, page, page_size)
    return [wire.CourseRow(*row) for row in rows], total
