"""What every request needs besides the vendor's data, cached in the serving process.

Every vendor request reads the clock and the fault rules. Both change only through the
control plane, so each process keeps a copy and revalidates it with one cheap read per
request: a generation counter (`sim_generation`) that every change to those tables bumps,
in the same transaction as the change. Several workers and replicas on one database stay
coherent: a change committed by one is seen by the next request of any other.

The bump is automatic: session events watch every flush and every INSERT/UPDATE/DELETE
statement run through a session on a watched table (the admin API, reset, snapshot
restore, fixture loads), so no caller has to remember it. Fault-rule hit counters are
written on the connection directly, past the watch: counting a match is not a change of
the rules.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Delete, Insert, Table, Update, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from simulator.core import clock
from simulator.core.models import ClockRow, FaultRuleRow, GenerationRow
from simulator.core.ratelimit import RateWindows

NAME = "plumbing"
SERVER_PREFIX = "server:"  # one row per serving process, while it serves
WATCHED = frozenset({ClockRow.__tablename__, FaultRuleRow.__tablename__})
_READ = "SELECT value FROM sim_generation WHERE name = 'plumbing'"  # on the driver's cursor: once per request
_GENERATION: Table = GenerationRow.__table__  # type: ignore[assignment]


def bump(session: Session) -> None:
    """Tell every process that the plumbing changed (in the session's transaction)."""
    connection = session.connection()
    table = _GENERATION
    changed = connection.execute(update(table).where(table.c.name == NAME).values(value=table.c.value + 1))
    if not changed.rowcount:
        connection.execute(insert(table).values(name=NAME, value=1))


def watch(sessions: sessionmaker[Session]) -> None:
    """Bump the generation whenever a session changes a watched table."""

    @event.listens_for(sessions, "before_flush")
    def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if getattr(obj, "__tablename__", None) in WATCHED:
                bump(session)
                return

    @event.listens_for(sessions, "do_orm_execute")
    def _on_execute(state: ORMExecuteState) -> None:
        statement = state.statement
        if isinstance(statement, Insert | Update | Delete):
            table = getattr(statement.table, "name", None)
            if table in WATCHED:
                bump(state.session)


def register_server(session: Session, server: str, *, serving: bool) -> int:
    """Record that a process starts (or stops) serving this database; every process notices.

    Returns how many other processes were registered as serving it."""
    table = _GENERATION
    name = SERVER_PREFIX + server
    connection = session.connection()
    connection.execute(table.delete().where(table.c.name == name))
    others = connection.execute(
        select(func.count()).select_from(table).where(table.c.name.startswith(SERVER_PREFIX))
    ).scalar_one()
    if serving:
        connection.execute(insert(table).values(name=name, value=1))
    bump(session)
    return int(others)


@dataclass
class Plumbing:
    """One process's copy of the clock and the fault rules, and its rate windows."""

    generation: int | None = None
    clocks: dict[str, tuple[float, dt.datetime | None]] = field(default_factory=dict)
    rules: list[Any] = field(default_factory=list)
    rate_windows: RateWindows = field(default_factory=RateWindows)
    # More than one process serves the database (as last seen): the journal is then written
    # before each answer, since a journal read may reach another process.
    shared: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, session: Session) -> None:
        """Make the copy current: one read of the generation, a reload only when it moved."""
        from simulator.core import faults

        connection = session.connection()
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_READ)
            row = cursor.fetchone()
        finally:
            cursor.close()
        generation = int(row[0]) if row else 0
        if generation == self.generation:
            return
        clocks = {
            scope: (offset, frozen)
            for scope, offset, frozen in session.execute(
                select(ClockRow.scope, ClockRow.offset_seconds, ClockRow.frozen_at)
            )
        }
        rules = faults.load_rules(session)
        servers = session.execute(
            select(func.count()).select_from(_GENERATION).where(_GENERATION.c.name.startswith(SERVER_PREFIX))
        ).scalar_one()
        with self._lock:
            self.clocks, self.rules, self.shared, self.generation = clocks, rules, servers > 1, generation

    def now(self, tenant: str | None) -> dt.datetime:
        """Simulated now for a tenant (its own clock if it has one, else the global clock)."""
        found = (self.clocks.get(tenant) if tenant else None) or self.clocks.get(clock.GLOBAL)
        return clock.wall_now() if found is None else clock.instant(*found)
