"""How vendors reach the database: one request's connection, statements compiled once, and
an ORM session made only when a handler needs one.

A request runs in one transaction on one connection (`Store`). Most of what a request does
is a handful of fixed statements (the credential, the record asked for, a page of a list);
through the ORM each costs a few hundred microseconds of session, identity-map and result
machinery, more than the database's own work. A `Statement` is a Core statement compiled
once per dialect: a call binds values with the column types' own processors (so a value is
stored exactly as SQLAlchemy would store it), runs on the connection's DBAPI cursor and
converts result values the same way.

Where a write needs the ORM's unit of work, `Store.session` makes a session on the same
connection and in the same transaction, on first use; a read that never asks for it never
pays for it. `Statement`s see the session's pending changes (it is flushed first).

Statements are for fixed shapes with plain bound values: no IN-lists to expand, no ORM
entities. Anything else goes through the session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Insert, Select, Table, Update, bindparam, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.compiler import SQLCompiler

from simulator.core.db import UtcDateTime
from simulator.core.models import MetaRow

_SAVEPOINT = "lms_sim_handler"
Processor = Callable[[Any], Any]
Readers = tuple[tuple[int, Processor], ...]  # (position, converter) of the columns that need one
SessionFactory = Callable[..., Session]


class Store:
    """One request's way into the database: its connection, and its session once needed."""

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        sessions: SessionFactory | None = None,
        session: Session | None = None,
    ) -> None:
        if connection is None and session is None:
            raise ValueError("a store needs a connection or a session")
        self._connection = connection
        self._sessions = sessions
        self._session = session
        self._in_savepoint = False
        self._session_savepoint: SessionTransaction | None = None

    @classmethod
    def of(cls, session: Session) -> Store:
        """A store over a session that already exists (backend code run outside a request)."""
        return cls(session=session)

    @property
    def session(self) -> Session:
        """The ORM session of this transaction, made on first use."""
        if self._session is None:
            assert self._connection is not None and self._sessions is not None
            # Joined to the request's transaction: the pipeline commits or rolls back the
            # connection; a savepoint the handler opens is a savepoint of that transaction.
            self._session = self._sessions(bind=self._connection, join_transaction_mode="rollback_only")
            if self._in_savepoint:
                self._begin_session_savepoint(self._session)
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    @property
    def connection(self) -> Connection:
        if self._connection is not None:
            return self._connection
        assert self._session is not None
        return self._session.connection()  # begins the session's transaction if it has not begun

    @property
    def dialect(self) -> Dialect:
        return self.connection.dialect

    def driver_cursor(self) -> Any:
        """A cursor of the DBAPI connection, inside this transaction."""
        return self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def flush(self) -> None:
        """Write the session's pending changes before a raw read, as the ORM's autoflush would."""
        if self._session is not None and self._session.autoflush:
            self._session.flush()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo everything written inside when it raises: statements and the session's
        changes alike.

        A savepoint of the connection holds the statements' writes; the session, if there is
        one or the handler makes one, gets a savepoint of its own inside it, so that it
        forgets what was undone and its commit and rollback hooks fire as they always did (a
        webhook queued by a write that was undone is never sent). A handler that needs no
        session pays for none."""
        cursor = self.driver_cursor()
        try:
            cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
            self._in_savepoint = True
            if self._session is not None:
                self._begin_session_savepoint(self._session)
            try:
                yield
                if self._session_savepoint is not None:
                    self._session_savepoint.commit()
            except BaseException:
                if self._session_savepoint is not None and self._session_savepoint.is_active:
                    self._session_savepoint.rollback()
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
                cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
                raise
            cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
        finally:
            self._in_savepoint = False
            self._session_savepoint = None
            cursor.close()

    def _begin_session_savepoint(self, session: Session) -> None:
        self._session_savepoint = session.begin_nested()
        session.connection()  # its SAVEPOINT now, not at its first statement

    def finish(self) -> None:
        """Write whatever the session still holds: the transaction is about to commit."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None and self._connection is not None:
            self._session.close()


Source = Store | Session


def as_store(source: Source) -> Store:
    return source if isinstance(source, Store) else Store.of(source)


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]  # bound parameter names, in positional order when the dialect is positional
    defaults: tuple[Any, ...]  # the value a name binds when the call does not give one (literals)
    positional: bool
    binders: tuple[Processor | None, ...]


class Statement:
    """A fixed Core statement, compiled once per dialect and executed on the DBAPI cursor."""

    def __init__(self, statement: Select[*tuple[Any, ...]] | Insert | Update) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Prepared] = {}
        # Result converters, made on the first execution: some depend on the driver's type code
        # for the column (psycopg's numerics), which only the cursor's description gives.
        self._readers: dict[str, Readers] = {}

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

    def _run(self, source: Source, params: Mapping[str, Any]) -> tuple[Any, Dialect]:
        store = as_store(source)
        store.flush()  # as the ORM would before a query: the statement must see the session's own changes
        connection = store.connection
        dialect = connection.dialect
        prepared = self._prepare(dialect)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        bound = self._bind(prepared, params)
        # The engine's cursor events fire as they do for Core: whatever watches the statements
        # run (the test kit's write watch, a profiler) sees these too.
        events = connection.dispatch
        events.before_cursor_execute(connection, cursor, prepared.sql, bound, None, False)
        cursor.execute(prepared.sql, bound)
        events.after_cursor_execute(connection, cursor, prepared.sql, bound, None, False)
        return cursor, dialect

    def execute(self, source: Source, params: Mapping[str, Any]) -> int:
        """Run a write; the number of rows it changed."""
        cursor, _ = self._run(source, params)
        try:
            changed = int(cursor.rowcount)
        finally:
            cursor.close()
        table = getattr(self.statement, "table", None)
        if changed and table is not None:
            from simulator.core import plumbing  # plumbing reads through this module

            if getattr(table, "name", None) in plumbing.WATCHED:
                plumbing.bump(as_store(source).connection)
        return changed

    def execute_many(self, dbapi_connection: Any, dialect: Dialect, params: Sequence[Mapping[str, Any]]) -> None:
        """Run once per parameter set on a DBAPI connection, in whatever transaction it is in."""
        prepared = self._prepare(dialect)
        cursor = dbapi_connection.cursor()
        try:
            cursor.executemany(prepared.sql, [self._bind(prepared, one) for one in params])
        finally:
            cursor.close()

    def _make_readers(
        self, dialect: Dialect, description: Sequence[Sequence[Any]]
    ) -> tuple[tuple[int, Processor], ...]:
        """(position, converter) of each column whose values need converting."""
        columns: Sequence[ColumnElement[Any]] = (
            list(self.statement.selected_columns) if isinstance(self.statement, Select) else []
        )
        readers = (
            _fast_reader(column, dialect) or column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(columns, description, strict=True)
        )
        return tuple((i, read) for i, read in enumerate(readers) if read is not None)

    def rows(self, source: Source, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor, dialect = self._run(source, params)
        try:
            raw = cursor.fetchall()
            readers = self._readers.get(dialect.name)
            if readers is None:
                readers = self._readers[dialect.name] = self._make_readers(dialect, cursor.description)
        finally:
            cursor.close()
        if not readers:
            return [tuple(row) for row in raw]
        return [_converted(row, readers) for row in raw]

    def first(self, source: Source, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(source, params)
        return found[0] if found else None

    def scalar(self, source: Source, params: Mapping[str, Any]) -> Any:
        found = self.rows(source, params)
        return found[0][0] if found else None


def _fast_reader(column: ColumnElement[Any], dialect: Dialect) -> Processor | None:
    """A quicker converter for a UTC timestamp read from SQLite (stored as ISO text, naive UTC):
    the C parser instead of the generic one, the same value either way."""
    if dialect.name != "sqlite" or not isinstance(column.type, UtcDateTime):
        return None
    generic = column.type.dialect_impl(dialect).result_processor(dialect, None)
    assert generic is not None

    def read(value: Any) -> Any:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return generic(value)
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)

    return read


def _converted(row: Sequence[Any], readers: Readers) -> tuple[Any, ...]:
    values = list(row)
    for position, read in readers:
        value = values[position]
        if value is not None:
            values[position] = read(value)
    return tuple(values)


# -- settings every process shares -----------------------------------------------------------

_SETTING = Statement(select(MetaRow.value).where(MetaRow.key == bindparam("key")))


def setting(source: Source, key: str) -> Any:
    """A value kept in the database for every process (a run-time switch); None if unset.

    Vendors name theirs `<vendor>.<name>`: a full reset removes those (`admin.reset`)."""
    found = _SETTING.rows(source, {"key": key})
    return found[0][0] if found else None


def set_setting(source: Source, key: str, value: Any) -> None:
    session = as_store(source).session
    row = session.get(MetaRow, key)
    if row is None:
        session.add(MetaRow(key=key, value=value))
    else:
        row.value = value


def insert_all_columns(table: Table) -> Statement:
    """An INSERT binding every column but an autoincrement key; missing values bind as NULL."""
    values: dict[str, Any] = {
        c.name: bindparam(c.name) for c in table.columns if not (c.primary_key and c.autoincrement is True)
    }
    return Statement(insert(table).values(values))
