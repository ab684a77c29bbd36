"""The reads a client needs to find ids: platform users and courses (one tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from simulator.vendors.docebo.models import DoceboCourse, DoceboUser
from simulator.vendors.docebo.reads import text_match

T = TypeVar("T", DoceboCourse, DoceboUser)


def _page(session: Session, query: Select[T], order: Any, page: int, page_size: int) -> tuple[list[T], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(order).limit(page_size).offset((page - 1) * page_size)).all()
    return list(rows), total


def list_users(
    session: Session, tenant: str, *, search: str | None, page: int, page_size: int
) -> tuple[list[DoceboUser], int]:
    conditions: list[ColumnElement[bool]] = [DoceboUser.tenant == tenant]
    if search:
        columns = (DoceboUser.username, DoceboUser.email, DoceboUser.firstname, DoceboUser.lastname)
        conditions.append(text_match(columns, search))
    return _page(session, select(DoceboUser).where(*conditions), DoceboUser.id, page, page_size)


def list_courses(
    session: Session, tenant: str, *, search: str | None, types: Sequence[str], page: int, page_size: int
) -> tuple[list[DoceboCourse], int]:
    conditions: list[ColumnElement[bool]] = [DoceboCourse.tenant == tenant]
    if search:
        conditions.append(text_match((DoceboCourse.name, DoceboCourse.code), search))
    if types:
        conditions.append(DoceboCourse.type.in_(types))
    return _page(session, select(DoceboCourse).where(*conditions), DoceboCourse.id, page, page_size)
