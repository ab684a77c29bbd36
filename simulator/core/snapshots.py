"""Copies of the whole state (or one tenant's part of it), stored in the database.

A named snapshot holds every vendor table (rows of `TenantScoped` tables), the id counters
and the clock, as JSON. Restoring one deletes the current rows and bulk-inserts the saved ones.

The state right after the fixtures were loaded — what reset returns to, again and again —
is kept differently: in copy tables (`simfix_<table>`, same columns and each row's rowid,
no keys) filled by `INSERT ... SELECT`, all inside the database: no rows cross into Python,
and loading a big document builds no JSON copy of it in memory. On SQLite a full reset
restores only the rows changed since (`core.changes`); elsewhere, and for one tenant, it
deletes and copies back whole tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Column, Integer, Table, delete, insert, select, text
from sqlalchemy.orm import Session

from simulator.core import changes, clock
from simulator.core.db import Base, TenantScoped, UtcDateTime
from simulator.core.models import ClockRow, CounterRow, RateWindowRow, SnapshotRow

FIXTURES = "__fixtures__"
_SHARED_TABLES: tuple[Table, ...] = (
    Base.metadata.tables[CounterRow.__tablename__],
    Base.metadata.tables[ClockRow.__tablename__],
)


def vendor_tables() -> list[Table]:
    """Tables of TenantScoped models, in dependency order."""
    scoped = {
        str(getattr(mapper.class_, "__tablename__", ""))
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    }
    return [t for t in Base.metadata.sorted_tables if t.name in scoped]


FIXTURE_COPY_PREFIX = "simfix_"


ROWID = "_rowid"  # a copy's column for the live row's rowid (SQLite; NULL elsewhere)


def register_fixture_copies() -> None:
    """Declare a copy table for every table reset restores (call once the vendor models are loaded)."""
    changes.declare(Base.metadata)
    for live in [*_SHARED_TABLES, *vendor_tables()]:
        name = FIXTURE_COPY_PREFIX + live.name
        if name not in Base.metadata.tables:
            Table(
                name,
                Base.metadata,
                *(Column(c.name, c.type) for c in live.columns),
                Column(ROWID, Integer, index=True),
            )


def _fixture_copies(shared: bool) -> list[tuple[Table, Table]]:
    lives = [*(_SHARED_TABLES if shared else ()), *vendor_tables()]
    return [(live, Base.metadata.tables[FIXTURE_COPY_PREFIX + live.name]) for live in lives]


def save_fixture_state(session: Session) -> None:
    """Keep the current state as the one reset returns to."""
    session.flush()
    connection = session.connection()
    for live, copy in _fixture_copies(shared=True):
        session.execute(delete(copy))
        names = [c.name for c in live.columns]
        if connection.dialect.name == "sqlite":
            columns = ", ".join(f'"{name}"' for name in names)
            connection.exec_driver_sql(
                f"INSERT INTO {copy.name} ({ROWID}, {columns}) SELECT rowid, {columns} FROM {live.name}"  # noqa: S608 - names come from the schema
            )
        else:
            session.execute(insert(copy).from_select(names, select(live)))
    changes.forget(connection)


def restore_fixture_state(session: Session, tenant: str | None = None) -> None:
    """Back to the saved fixture state: everything, or one tenant's vendor rows."""
    session.flush()
    if tenant is None and changes.restore(session.connection(), _fixture_copies(shared=False)):
        # The vendor rows are back; the counters and the clock are a few rows: copied whole.
        for table in _SHARED_TABLES:
            session.execute(delete(table))
        session.execute(delete(RateWindowRow))
        for live, copy in _fixture_copies(shared=True)[: len(_SHARED_TABLES)]:
            names = [c.name for c in live.columns]
            session.execute(insert(live).from_select(names, select(*(copy.c[name] for name in names))))
        session.expire_all()
        return
    clear(session, tenant)
    for live, copy in _fixture_copies(shared=tenant is None):
        names = [c.name for c in live.columns]
        rows = select(*(copy.c[name] for name in names))
        if tenant is not None:
            rows = rows.where(copy.c.tenant == tenant)
        session.execute(insert(live).from_select(names, rows))
        _advance_sequence(session, live)
    # Objects loaded before the reset must not hide the rows it wrote.
    session.expire_all()


def _datetime_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, UtcDateTime)]


def issued_secret_tables() -> frozenset[str]:
    """Tables of tokens the vendors' APIs issued (see `TenantScoped.issued_secrets`)."""
    return frozenset(
        str(getattr(mapper.class_, "__tablename__", ""))
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantScoped) and mapper.class_.issued_secrets
    )


def capture(session: Session, tenant: str | None = None, *, leave_out: frozenset[str] = frozenset()) -> bytes:
    data: dict[str, list[dict[str, Any]]] = {}
    for table in vendor_tables():
        if table.name in leave_out:
            continue
        stmt = select(table)
        if tenant is not None:
            stmt = stmt.where(table.c.tenant == tenant)
        data[table.name] = [dict(row._mapping) for row in session.execute(stmt)]
    if tenant is None:
        for table in _SHARED_TABLES:
            data[table.name] = [dict(row._mapping) for row in session.execute(select(table))]
    return orjson.dumps(
        {"version": 1, "tenant": tenant, "tables": data}, option=orjson.OPT_NON_STR_KEYS, default=_encode
    )


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise TypeError(f"cannot snapshot a {type(value).__name__}")


def clear(session: Session, tenant: str | None = None) -> None:
    """Delete all vendor rows (of one tenant, or all of them with the counters, clock and rate windows)."""
    for table in reversed(vendor_tables()):
        stmt = delete(table)
        if tenant is not None:
            stmt = stmt.where(table.c.tenant == tenant)
        session.execute(stmt)
    if tenant is None:
        for table in _SHARED_TABLES:
            session.execute(delete(table))
        session.execute(delete(RateWindowRow))


def restore(session: Session, blob: bytes, tenant: str | None = None) -> None:
    """Replace the current state (all of it, or one tenant's rows) with a snapshot's."""
    doc = orjson.loads(blob)
    tables = doc["tables"]
    scoped = vendor_tables()
    clear(session, tenant)
    for table in [*(_SHARED_TABLES if tenant is None else ()), *scoped]:
        rows = tables.get(table.name, [])
        if tenant is not None:
            rows = [r for r in rows if r.get("tenant") == tenant]
        if not rows:
            continue
        for name in _datetime_columns(table):
            for row in rows:
                if row.get(name) is not None:
                    row[name] = _parse_time(row[name])
        session.execute(insert(table), rows)
        _advance_sequence(session, table)


def _advance_sequence(session: Session, table: Table) -> None:
    """Move a PostgreSQL serial key's sequence past the ids just inserted with explicit values.

    SQLite picks max(rowid) + 1 by itself; PostgreSQL would hand out ids that now exist.
    """
    column = table._autoincrement_column  # no public name for "the SERIAL key" in SQLAlchemy 2
    if column is None or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608 - names come from the schema
            f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
        ),
        {"table": table.name, "column": column.name},
    )


def _parse_time(value: str) -> dt.datetime:
    return clock.parse_instant(value)


def save(session: Session, name: str, blob: bytes, now: dt.datetime) -> None:
    row = session.get(SnapshotRow, name)
    if row is None:
        session.add(SnapshotRow(name=name, created_at=now, data=blob))
    else:
        row.data, row.created_at = blob, now


def load(session: Session, name: str) -> bytes | None:
    row = session.get(SnapshotRow, name)
    return None if row is None else row.data


def listing(session: Session) -> list[SnapshotRow]:
    return list(session.scalars(select(SnapshotRow).where(SnapshotRow.name != FIXTURES).order_by(SnapshotRow.name)))
