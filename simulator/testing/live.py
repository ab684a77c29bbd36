"""A live server shared by a whole test session, put back as new before every test.

Starting uvicorn costs about a fifth of a second; restoring the state costs a few
milliseconds. `SharedServer.fresh()` restores what a test can change through the API:
the records (fixture state back, clones gone, rate windows emptied), the journal, the
clock (started again as on a fresh start, frozen) and the fault rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.settings import Settings
from simulator.testing.harness import ServerSimulator, _Controls


class SharedServer:
    """One `ServerSimulator` for many tests."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.sim = ServerSimulator(settings)
        self.dirty = False

    def fresh(self) -> ServerSimulator:
        """The server, as it was when it started (restored only if a test has used it since)."""
        if self.dirty:
            restore(self.sim)
        self.dirty = True
        return self.sim

    def close(self) -> None:
        self.sim.close()


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
