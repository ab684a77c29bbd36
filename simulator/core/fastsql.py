"""Statements on the per-request hot path, run on the DBAPI cursor of the session's connection.

Every vendor request reads the clock, the caller's credential and the fault rules, and writes
a journal entry. Through SQLAlchemy each of those costs a few hundred microseconds of
execution-context and result machinery — more than the database's own work, and more than
the rest of the request. A `FastStatement` is a Core statement compiled once per dialect; a
call binds values with the column types' own processors (so a value is stored exactly as
SQLAlchemy would store it), executes on the raw cursor, and converts result values the same
way. It runs inside the session's transaction, so it commits or rolls back with the request.

Only for fixed statements with plain bound values (no IN-lists to expand, no ORM entities).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Insert, Select, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]  # bound parameter names, in positional order when the dialect is positional
    defaults: tuple[Any, ...]  # the value a name binds when the call does not give one (literals)
    positional: bool
    binders: tuple[Processor | None, ...]


class FastStatement:
    """A fixed Core statement, compiled once per dialect and executed on the DBAPI cursor."""

    def __init__(self, statement: Select[*tuple[Any, ...]] | Insert) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Prepared] = {}
        # Result converters, made on the first execution: some depend on the driver's type code
        # for the column (psycopg's numerics), which only the cursor's description gives.
        self._readers: dict[str, tuple[Processor | None, ...]] = {}

    def _prepare(self, dialect: Dialect) -> _Prepared:
        prepared = self._by_dialect.get(dialect.name)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect)
            assert isinstance(compiled, SQLCompiler)
            names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
            binders = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
            defaults = tuple(compiled.binds[name].value for name in names)
            prepared = _Prepared(compiled.string, names, defaults, dialect.positional, binders)
            self._by_dialect[dialect.name] = prepared
        return prepared

    @staticmethod
    def _bind(prepared: _Prepared, params: Mapping[str, Any]) -> Any:
        given = (params.get(name, default) for name, default in zip(prepared.names, prepared.defaults, strict=True))
        values = [
            value if bind is None or value is None else bind(value)
            for bind, value in zip(prepared.binders, given, strict=True)
        ]
        return values if prepared.positional else dict(zip(prepared.names, values, strict=True))

    def _cursor(self, session: Session, params: Mapping[str, Any]) -> Any:
        connection = session.connection()  # begins the request's transaction if it has not begun
        prepared = self._prepare(connection.dialect)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(prepared.sql, self._bind(prepared, params))
        return cursor, connection.dialect

    def execute_many(self, dbapi_connection: Any, dialect: Dialect, params: Sequence[Mapping[str, Any]]) -> None:
        """Run once per parameter set on a DBAPI connection, in whatever transaction it is in."""
        prepared = self._prepare(dialect)
        cursor = dbapi_connection.cursor()
        try:
            cursor.executemany(prepared.sql, [self._bind(prepared, one) for one in params])
        finally:
            cursor.close()

    def _make_readers(self, dialect: Dialect, description: Sequence[Sequence[Any]]) -> tuple[Processor | None, ...]:
        columns: Sequence[ColumnElement[Any]] = (
            list(self.statement.selected_columns) if isinstance(self.statement, Select) else []
        )
        return tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(columns, description, strict=True)
        )

    def execute(self, session: Session, params: Mapping[str, Any]) -> None:
        cursor, _ = self._cursor(session, params)
        cursor.close()

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if session.autoflush:
            session.flush()  # as the ORM would before a query: the read must see the session's own changes
        cursor, dialect = self._cursor(session, params)
        try:
            raw = cursor.fetchall()
            readers = self._readers.get(dialect.name)
            if readers is None:
                readers = self._readers[dialect.name] = self._make_readers(dialect, cursor.description)
        finally:
            cursor.close()
        if not any(readers):
            return [tuple(row) for row in raw]
        return [tuple(_read(read, value) for read, value in zip(readers, row, strict=True)) for row in raw]


def _read(read: Processor | None, value: Any) -> Any:
    return value if read is None or value is None else read(value)


def insert_all_columns(table: Table) -> FastStatement:
    """An INSERT binding every column but an autoincrement key; missing values bind as NULL."""
    values: dict[str, Any] = {
        c.name: bindparam(c.name) for c in table.columns if not (c.primary_key and c.autoincrement is True)
    }
    return FastStatement(insert(table).values(values))
