"""A live server shared by a whole test session, put back as new before every test.

Starting uvicorn costs about a fifth of a second; emptying the journal a few milliseconds.
`SharedServer.fresh()` restores what a test can change through the API:
the records (fixture state back, clones gone, rate windows emptied), the journal, the
clock (started again as on a fresh start, frozen) and the fault rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, event

from simulator.core.models import JournalRow, RateWindowRow
from simulator.settings import Settings
from simulator.testing.harness import ServerSimulator, _Controls


class SharedServer:
    """One `ServerSimulator` for many tests."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.sim = ServerSimulator(settings)
        self.writes = WriteWatch(self.sim.runtime.db.engine)

    def fresh(self) -> ServerSimulator:
        """The server, as it was when it started.

        A full restore costs more than a fresh in-process simulator, and most tests only
        read: when the last test wrote nothing but journal entries and rate-limit windows
        (which every vendor request updates), emptying those two is all it takes.
        """
        if self.writes.dirty:
            restore(self.sim)
        else:
            self.sim.clear_requests()
            if self.writes.rate_windows:
                with self.sim.runtime.db.transaction() as session:
                    session.execute(delete(RateWindowRow))
        self.writes.dirty = self.writes.rate_windows = False
        return self.sim

    def close(self) -> None:
        self.writes.stop()
        self.sim.close()


class WriteWatch:
    """Notices the statements that change the database: the request journal's and the
    rate-limit windows' apart, anything else makes the state `dirty`.

    Every change a test can make (records, tokens, clones, clock, fault rules and their
    counters, webhook deliveries) is a write through this engine."""

    _WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dirty = False
        self.rate_windows = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if self.dirty or not statement.lstrip().upper().startswith(self._WRITES):
            return
        if RateWindowRow.__tablename__ in statement:
            self.rate_windows = True
        elif JournalRow.__tablename__ not in statement:
            self.dirty = True

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def restore(sim: _Controls) -> None:
    sim.reset()
    sim.clear_faults()
    sim.freeze()


@dataclass
class TenantClone:
    """A fresh copy of a demo tenant, with credentials of its own, for tests that share a server."""

    name: str
    cloned_from: str
    credentials: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def credential(self, vendor: str) -> dict[str, Any]:
        """The clone's most privileged credential for a vendor (the first the simulator lists)."""
        values: dict[str, Any] = self.credentials[vendor][0]
        return values


def clone_tenant(sim: _Controls, source: str = "acme") -> TenantClone:
    created = sim.admin("POST", "/tenants", json={"from": source})
    credentials: dict[str, list[dict[str, Any]]] = {}
    for entry in created["credentials"]:
        credentials.setdefault(entry["vendor"], []).append(entry["values"])
    return TenantClone(created["tenant"], created["clonedFrom"], credentials)
