"""Which vendor rows changed since the fixture state was saved, so a reset restores only those.

A reset used to delete every vendor row and copy every saved row back: seconds on a database
of 100,000 enrollments, however little a test changed. On SQLite, every vendor table now has
three triggers that note the rowid of each row inserted, updated or deleted in one small
table (`sim_changed_rows`), so a full reset deletes the noted rows and copies back the saved
rows with the same rowids (the fixture copies keep each row's rowid in `_rowid`): it costs
what was changed since, not what is stored.

The triggers live in the database, so every writer is seen: the API, the control plane,
another process, a script. Rows a cascade deletes are noted by their own table's trigger
as the reset's deletes run, and come back with the rows the reset inserts. Saving the fixture
state starts the notes afresh. PostgreSQL (and a tenant's reset) restore whole tables, as
before.
"""

# Every name in these statements comes from the schema, never from a request.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table

TABLE = "sim_changed_rows"
# Part of the schema fingerprint: a database made without the triggers is rebuilt.
VERSION = "changed-rows-1"


def declare(metadata: MetaData) -> Table:
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(
        TABLE,
        metadata,
        Column("tbl", String(64), primary_key=True),
        Column("rid", Integer, primary_key=True, autoincrement=False),
    )


def install(connection: Connection, tables: Iterable[Table]) -> None:
    """Create the triggers (SQLite only; idempotent)."""
    if connection.dialect.name != "sqlite":
        return
    for table in tables:
        name = table.name
        note = f"INSERT OR IGNORE INTO {TABLE} (tbl, rid) VALUES ('{name}', "
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            body = " ".join(f"{note}{row}.rowid);" for row in rows)
            connection.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {name}__changed_{event.lower()} "
                f"AFTER {event} ON {name} FOR EACH ROW BEGIN {body} END"
            )


def forget(connection: Connection) -> None:
    """Start the notes afresh: the current state is the saved one."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DELETE FROM {TABLE}")


def restore(connection: Connection, pairs: list[tuple[Table, Table]]) -> bool:
    """Put back the saved version of every noted row (live table, fixture copy), then forget
    the notes. False where the database keeps no notes (the caller restores whole tables)."""
    if connection.dialect.name != "sqlite":
        return False
    # The rows come back in table order, children maybe before the parent that a cascade
    # took with them: foreign keys are checked at commit, when all are back.
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    noted = f"SELECT rid FROM {TABLE} WHERE tbl = ?"
    for live, _ in reversed(pairs):
        connection.exec_driver_sql(f"DELETE FROM {live.name} WHERE rowid IN ({noted})", (live.name,))
    for live, copy in pairs:
        names = ", ".join(f'"{c.name}"' for c in live.columns)
        connection.exec_driver_sql(
            f"INSERT INTO {live.name} (rowid, {names}) SELECT _rowid, {names} FROM {copy.name} "
            f"WHERE _rowid IN ({noted})",
            (live.name,),
        )
    forget(connection)
    return True
