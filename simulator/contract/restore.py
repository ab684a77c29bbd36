"""Leave the server as it was after fuzzing its control API (`lms-sim contract --vendor admin`).

Fuzzing /_sim adds fault rules (one unfiltered `drop` is enough to make every later call answer
nothing), webhook subscriptions, snapshots and cloned tenants, and moves clocks. Before the run
we save the whole state under a snapshot of our own and note the rules, subscriptions and
snapshots that exist; after it we remove every fault rule (a `drop` may be among them, so this
comes first), restore the snapshot, put the original rules back, and remove the subscriptions and
snapshots the run created. This holds whatever `POST /_sim/reset` clears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Fields of a listed fault rule that describe its history rather than the rule (FaultInput has none of them).
FAULT_HISTORY = ("id", "matched", "fired", "createdAt")


class RestoreError(Exception):
    """The server could not be put back as it was; the message says what is left."""


@dataclass
class ControlState:
    client: Any  # an httpx-compatible client
    root: str  # the control API's URL, e.g. http://127.0.0.1:8000/_sim
    headers: dict[str, str]
    snapshot: str = ""
    snapshots: set[str] = field(default_factory=set)
    faults: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)  # tenant -> subscription ids

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = dict(self.headers)
        if method != "GET":
            # The control API takes state-changing calls as declared JSON only, bodiless ones too.
            headers["Content-Type"] = "application/json"
        response = self.client.request(method, self.root + path, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RestoreError(f"{method} {self.root}{path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def take(self) -> None:
        self.snapshots = {s["name"] for s in self._call("GET", "/snapshots")["snapshots"]}
        self.faults = [
            {k: v for k, v in rule.items() if k not in FAULT_HISTORY and v is not None}
            for rule in self._call("GET", "/faults")["faults"]
        ]
        for tenant in self._tenants():
            found = self._call("GET", "/webhooks", params={"tenant": tenant})["subscriptions"]
            self.subscriptions[tenant] = {str(s["id"]) for s in found}
        # A name no existing snapshot has, so saving ours replaces nothing.
        self.snapshot = next(
            name for n in range(len(self.snapshots) + 1) if (name := f"lms-sim-contract-{n}") not in self.snapshots
        )
        self._call("POST", f"/snapshots/{self.snapshot}")

    def _tenants(self) -> list[str]:
        return [str(t["name"]) for t in self._call("GET", "/tenants")["tenants"]]

    def restore(self) -> list[str]:
        """Put the server back; returns what was done, one line each."""
        done = [f"removed {self._call('DELETE', '/faults')['deleted']} fault rules"]
        saved = {s["name"] for s in self._call("GET", "/snapshots")["snapshots"]}
        if self.snapshot in saved:
            self._call("POST", f"/snapshots/{self.snapshot}/restore")
            self._call("DELETE", f"/snapshots/{self.snapshot}")
            done.append("restored the state saved before the run")
        else:
            # The run itself reset the server (which may drop snapshots): the fixtures' state is
            # the best left to return to.
            self._call("POST", "/reset")
            done.append("our snapshot was gone (the run reset the server), so reset it to its fixtures")
        for rule in self.faults:
            self._call("POST", "/faults", json=rule)
        if self.faults:
            done.append(f"put back {len(self.faults)} fault rules")
        for tenant in self._tenants():
            for sub in self._call("GET", "/webhooks", params={"tenant": tenant})["subscriptions"]:
                if str(sub["id"]) not in self.subscriptions.get(tenant, set()):
                    self._call("DELETE", f"/webhooks/{sub['id']}", params={"tenant": tenant})
        new = {s["name"] for s in self._call("GET", "/snapshots")["snapshots"]} - self.snapshots
        for name in sorted(new):
            self._call("DELETE", f"/snapshots/{name}")
        if new:
            done.append(f"deleted {len(new)} snapshots the run saved")
        return done
