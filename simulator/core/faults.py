"""Fault injection: rules that make matching requests fail in chosen ways.

A rule matches on vendor, operationId, method, path pattern (a glob, relative to the
vendor's prefix or including it) and tenant, and fires with a probability, on the Nth
match, after N matches, and/or a limited number of times. Decisions are seeded (seed,
rule id, match count), so a run with the same seed fails the same calls; counters live
in the database, so every worker process agrees.

Kinds:
- `error`: the vendor's own error envelope with any status (429 adds `Retry-After`);
  the handler does not run, so nothing changes.
- `latency`: the request is served normally after a delay (`latency`: `{"ms": N}`, or
  `{"min": a, "max": b}` uniform, or `{"mean": m, "stddev": s}` normal, in ms).
- `drop`: the connection is closed without a response; the handler does not run.
- `hang`: nothing is answered for `hangSeconds`, then the connection is closed.
- `empty`: the request is served, but the body is empty (status kept, or `status`).
- `malformed`: the request is served, but its JSON body is cut in half.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.models import FaultRuleRow

KINDS = ("error", "latency", "drop", "hang", "empty", "malformed")
SKIPS_HANDLER = frozenset({"error", "drop", "hang"})


@dataclass(frozen=True)
class FaultEffect:
    rule_id: int
    kind: str
    status: int | None
    message: str
    delay_seconds: float
    retry_after: int

    @property
    def label(self) -> str:
        return f"rule {self.rule_id}: {self.kind}" + (f" {self.status}" if self.status else "")


def _unit(seed: int, rule_id: int, n: int, salt: str) -> float:
    """A reproducible number in [0, 1) for the n-th match of a rule."""
    digest = hashlib.sha256(f"{seed}:{rule_id}:{n}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _path_matches(pattern: str, vendor: str, path: str) -> bool:
    prefix = f"/{vendor}"
    if pattern.startswith(prefix + "/"):
        pattern = pattern[len(prefix) :]
    return fnmatch.fnmatchcase(path, pattern)


class RuleView(NamedTuple):
    """A rule as read on the hot path: the stored columns, without an ORM object."""

    id: int
    vendor: str | None
    operation_id: str | None
    method: str | None
    path: str | None
    tenant: str | None
    probability: float
    nth: int | None
    after: int | None
    times: int | None
    kind: str
    status: int | None
    message: str | None
    latency: Any
    hang_seconds: float | None
    retry_after: int | None
    matched: int
    fired: int
    created_at: dt.datetime


Rule = FaultRuleRow | RuleView


def _matches(rule: Rule, vendor: str, operation_id: str | None, method: str, path: str, tenant: str | None) -> bool:
    return (
        (rule.vendor is None or rule.vendor == vendor)
        and (rule.operation_id is None or rule.operation_id == operation_id)
        and (rule.method is None or rule.method.upper() == method)
        and (rule.tenant is None or rule.tenant == tenant)
        and (rule.path is None or _path_matches(rule.path, vendor, path))
    )


def _delay(rule: Rule, seed: int, n: int) -> float:
    if rule.kind == "hang":
        return float(rule.hang_seconds or 30.0)
    spec: dict[str, Any] = rule.latency or {}
    if "ms" in spec:
        return float(spec["ms"]) / 1000
    u = _unit(seed, rule.id, n, "latency")
    if "min" in spec and "max" in spec:
        return (float(spec["min"]) + u * (float(spec["max"]) - float(spec["min"]))) / 1000
    if "mean" in spec:
        value = ids.seeded_random(u).gauss(float(spec["mean"]), float(spec.get("stddev", 0)))
        return max(0.0, value) / 1000
    return 0.0


# Matching rows, not ORM objects: the rules are cached per process (see `core.plumbing`).
_RULES = select(FaultRuleRow.__table__).order_by(FaultRuleRow.id)
if RuleView._fields != tuple(c.name for c in FaultRuleRow.__table__.columns):
    raise RuntimeError("faults.RuleView must list sim_fault_rules' columns in table order")
_TABLE: Table = FaultRuleRow.__table__  # type: ignore[assignment]


def load_rules(session: Session) -> list[RuleView]:
    return [RuleView(*row) for row in session.execute(_RULES)]


def _count(session: Session, rule_id: int, **values: Any) -> tuple[int, int]:
    """Add to a rule's counters; (matched, fired) after. On the connection, past the plumbing
    watch: counting a match is not a change of the rules."""
    counted = update(_TABLE).where(_TABLE.c.id == rule_id).values(**values)
    row = session.connection().execute(counted.returning(_TABLE.c.matched, _TABLE.c.fired)).one_or_none()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def decide(
    session: Session,
    seed: int,
    rules: list[RuleView],
    *,
    vendor: str,
    operation_id: str | None,
    method: str,
    path: str,
    tenant: str | None,
) -> FaultEffect | None:
    """Count this request against every matching rule; return the first that fires.

    `rules` is the process's cached copy; the counters are read and written in the database,
    so every worker agrees on the Nth match."""
    chosen: FaultEffect | None = None
    for rule in rules:
        if not _matches(rule, vendor, operation_id, method, path, tenant):
            continue
        n, fired = _count(session, rule.id, matched=_TABLE.c.matched + 1)
        if n == 0 or chosen is not None or not _fires(rule, seed, n, fired):
            continue
        _count(session, rule.id, fired=_TABLE.c.fired + 1)
        chosen = FaultEffect(
            rule_id=rule.id,
            kind=rule.kind,
            status=rule.status,
            message=rule.message or f"Injected fault (rule {rule.id})",
            delay_seconds=_delay(rule, seed, n),
            retry_after=rule.retry_after or 1,
        )
    return chosen


def _fires(rule: Rule, seed: int, n: int, fired: int) -> bool:
    if rule.nth is not None and n != rule.nth:
        return False
    if rule.after is not None and n <= rule.after:
        return False
    if rule.times is not None and fired >= rule.times:
        return False
    return rule.probability >= 1.0 or _unit(seed, rule.id, n, "fire") < rule.probability


# -- the wire form used by the admin API -------------------------------------------------

_WIRE = {
    "vendor": "vendor",
    "operationId": "operation_id",
    "method": "method",
    "path": "path",
    "tenant": "tenant",
    "probability": "probability",
    "nth": "nth",
    "after": "after",
    "times": "times",
    "kind": "kind",
    "status": "status",
    "message": "message",
    "latency": "latency",
    "hangSeconds": "hang_seconds",
    "retryAfter": "retry_after",
}


_DEFAULTS: dict[str, Any] = {"probability": 1.0}


class FaultRuleError(ValueError):
    pass


def apply_input(row: FaultRuleRow, body: dict[str, Any]) -> FaultRuleRow:
    """Fill a rule from its wire form (the admin API has already checked types and bounds)."""
    for wire, attr in _WIRE.items():
        setattr(row, attr, body.get(wire, _DEFAULTS.get(wire)))
    if row.method:
        row.method = row.method.upper()
    if row.kind is None:
        if row.status is None:
            raise FaultRuleError("give a kind (" + ", ".join(KINDS) + "), or a status for an error")
        row.kind = "error"
    if row.kind == "error" and row.status is None:
        row.status = 500
    if row.probability is None:
        row.probability = 1.0
    return row


def to_wire(row: FaultRuleRow, created: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id}
    out.update({wire: getattr(row, attr) for wire, attr in _WIRE.items()})
    out.update({"matched": row.matched, "fired": row.fired, "createdAt": created})
    return out


def new_rule(now: dt.datetime) -> FaultRuleRow:
    return FaultRuleRow(created_at=now, matched=0, fired=0)
