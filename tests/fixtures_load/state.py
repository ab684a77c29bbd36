"""A digest of everything a fixture load writes, to prove two loaders leave the same state.

Every TenantScoped table, the id counters, the clock and the instance settings are read
back as the driver returns them (the stored form: SQLite keeps date-times as text, and
compares them as text), rows sorted (physical order is not state), floats by repr, and
hashed per table, so a mismatch names the table that differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import orjson
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from simulator.core import snapshots
from simulator.core.db import Base
from simulator.core.models import ClockRow, CounterRow, MetaRow
from simulator.runtime import SCHEMA_KEY

# The fixture snapshot is a copy of the tables digested here, in whatever order they were
# read; comparing the tables themselves says more.
_SKIPPED_META = {SCHEMA_KEY}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(session: Session, table: Table) -> list[list[Any]]:
    # Raw driver values: how a value is stored matters (SQLite compares date-times as text).
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    rows = [
        [_value(v) for v in row] for row in session.connection().exec_driver_sql(f'SELECT {names} FROM "{table.name}"')
    ]
    if table.name == ClockRow.__tablename__:
        # A frozen clock is its instant; the offset beside it is from whatever wall time it was set at.
        offset = [c.name for c in table.columns].index("offset_seconds")
        frozen = [c.name for c in table.columns].index("frozen_at")
        rows = [[None if i == offset and r[frozen] is not None else v for i, v in enumerate(r)] for r in rows]
    return sorted(rows, key=lambda r: orjson.dumps(r, option=orjson.OPT_NON_STR_KEYS))


def table_digests(session: Session) -> dict[str, str]:
    """sha256 of each table's sorted rows (with its column names), by table name."""
    tables = [
        *snapshots.vendor_tables(),
        Base.metadata.tables[CounterRow.__tablename__],
        Base.metadata.tables[ClockRow.__tablename__],
    ]
    out = {}
    for table in tables:
        body = {"columns": [c.name for c in table.columns], "rows": _rows(session, table)}
        out[str(table.name)] = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)).hexdigest()
    meta = {row.key: row.value for row in session.scalars(select(MetaRow)) if row.key not in _SKIPPED_META}
    out["sim_meta"] = hashlib.sha256(orjson.dumps(meta, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return out


def row_counts(session: Session) -> dict[str, int]:
    return {str(t.name): len(session.execute(select(t)).all()) for t in snapshots.vendor_tables()}
