"""What a spec declares that a contract run can cover: links, response statuses, state transitions.

The run report compares what it saw with these, per vendor:
- links: every OpenAPI link of the spec, named the way Schemathesis names a transition
  (`GET /a -> [200] Name -> GET /b`); links Schemathesis infers on its own are counted apart;
- statuses: every (operation, status) pair the spec lists;
- state transitions: what an operation does to the vendor's status machine, declared on the
  operation as `x-state-transitions: {"201": ["(none) -> Enrolled"]}`. A transition counts as
  reached when the stateful phase got that status from that operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.contract.quality import resolve
from simulator.core.spec import operations

TRANSITIONS = "x-state-transitions"


def transition_name(source: str, status: str, name: str, target: str) -> str:
    """Schemathesis's own name of a link (schemathesis.core.errors.format_transition)."""
    return f"{source} -> [{status}] {name} -> {target}"


@dataclass(frozen=True)
class DeclaredLink:
    name: str  # the full transition name
    source_label: str
    status: str
    link: dict[str, Any]  # the link object, `$ref` resolved
    target_label: str | None  # None when the operationId names no operation


@dataclass
class SpecCoverage:
    links: dict[str, DeclaredLink] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=dict)  # operation label -> listed statuses
    # (operation label, status) -> the state transitions that answer means
    transitions: dict[tuple[str, int], list[str]] = field(default_factory=dict)


def declared(doc: dict[str, Any], *, excluded: set[str] | frozenset[str] = frozenset()) -> SpecCoverage:
    """What `doc` declares, leaving out the operations (by operationId) a run excludes."""
    ops = [op for op in operations(doc) if op.operation_id not in excluded]
    labels = {op.operation_id: f"{op.method} {op.path}" for op in ops}
    out = SpecCoverage()
    for op in ops:
        label = labels[op.operation_id]
        responses = op.raw.get("responses", {})
        out.statuses[label] = {int(status) for status in responses if str(status).isdigit()}
        for status, raw in responses.items():
            for key, raw_link in resolve(doc, raw).get("links", {}).items():
                link = resolve(doc, raw_link)
                target = labels.get(str(link.get("operationId")))
                if target is None and link.get("operationId") in {o.operation_id for o in operations(doc)}:
                    continue  # the target is excluded from this run, so the link cannot be followed
                name = transition_name(label, str(status), key, target or str(link.get("operationId")))
                out.links[name] = DeclaredLink(name, label, str(status), link, target)
        for status, names in op.raw.get(TRANSITIONS, {}).items():
            out.transitions[(label, int(status))] = [str(n) for n in names]
    return out
