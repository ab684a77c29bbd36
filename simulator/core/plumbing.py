"""What every request needs besides the vendor's data, cached in the serving process.

Every vendor request reads the clock, the fault rules and the caller's credential. They
change rarely (the control plane, a token endpoint), so each process keeps a copy and
revalidates it with one cheap read per request: a generation counter (`sim_generation`)
that every change to a watched table bumps, in the same transaction as the change. Several
workers and replicas on one database stay coherent: a change committed by one is seen by
the next request of any other.

Watched: the clock and fault-rule tables, and the tables each vendor names as holding
credentials (`VendorPlugin.credential_tables`: keys, clients, issued tokens). A credential
found once is remembered (`Plumbing.remember`) until the generation moves; one not found
is looked up again every time, so a token issued by another process works at once.

The bump is automatic: session events watch every flush and every INSERT/UPDATE/DELETE
statement run through a session on a watched table (the admin API, reset, snapshot
restore, fixture loads), so no caller has to remember it. Fault-rule hit counters are
written on the connection directly, past the watch: counting a match is not a change of
the rules.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Delete, Insert, Table, Update, event, func, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from simulator.core import clock
from simulator.core.models import ClockRow, FaultRuleRow, GenerationRow
from simulator.core.ratelimit import RateWindows
from simulator.core.store import Store

NAME = "plumbing"
SERVER_PREFIX = "server:"  # one row per serving process, while it serves
# The tables whose changes move the generation; vendors add theirs (`watch_tables`).
WATCHED: set[str] = {ClockRow.__tablename__, FaultRuleRow.__tablename__}
# Remembered credentials per process, at most: a client cycling through fresh tokens must
# not grow the cache without bound (it starts over when full).
REMEMBERED_MAX = 10_000
_READ = "SELECT value FROM sim_generation WHERE name = 'plumbing'"  # on the driver's cursor: once per request
_GENERATION: Table = GenerationRow.__table__  # type: ignore[assignment]
T = TypeVar("T")


def watch_tables(names: Iterable[str]) -> None:
    """Have changes to these tables move the generation too (credentials, tokens)."""
    WATCHED.update(names)


def bump(source: Session | Connection) -> None:
    """Tell every process that the plumbing changed (in the session's transaction)."""
    connection = source.connection() if isinstance(source, Session) else source
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
    remembered: dict[Hashable, Any] = field(default_factory=dict)
    rate_windows: RateWindows = field(default_factory=RateWindows)
    # More than one process serves the database (as last seen): the journal is then written
    # before each answer, since a journal read may reach another process.
    shared: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, store: Store) -> None:
        """Make the copy current: one read of the generation, a reload only when it moved."""
        from simulator.core import faults

        cursor = store.driver_cursor()
        try:
            cursor.execute(_READ)
            row = cursor.fetchone()
        finally:
            cursor.close()
        generation = int(row[0]) if row else 0
        if generation == self.generation:
            return
        session = store.session
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
            self.remembered = {}

    def remember(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """`load()`'s answer for `key`, kept until the generation moves; misses are not kept.

        For lookups whose answer changes only with a watched table (a credential): the key
        must hold everything the answer depends on (the vendor, the tenant, the secret).
        """
        found = self.remembered.get(key)
        if found is None:
            found = load()
            if found is not None:
                if len(self.remembered) >= REMEMBERED_MAX:
                    self.remembered = {}
                self.remembered[key] = found
        return cast("T | None", found)

    def now(self, tenant: str | None) -> dt.datetime:
        """Simulated now for a tenant (its own clock if it has one, else the global clock)."""
        found = (self.clocks.get(tenant) if tenant else None) or self.clocks.get(clock.GLOBAL)
        return clock.wall_now() if found is None else clock.instant(*found)
