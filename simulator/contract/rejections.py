"""Statuses a vendor answers schema-valid requests with, for rules no schema can express.

Absorb's `_filter` is an OData expression over the resource's fields: every string is
schema-valid, yet one that does not parse is 422; starting a lesson attempt while one is open is
422 too. A spec says so with `x-schema-valid-rejections: {"422": "why"}` on the parameter or the
operation; the contract run then lets Schemathesis's positive_data_acceptance check accept that
status for those operations only, and the summary prints each one with its reason, so nothing is
accepted silently.
"""

from __future__ import annotations

from typing import Any

from simulator.contract.quality import resolve
from simulator.core.spec import operations

EXTENSION = "x-schema-valid-rejections"


def schema_valid_rejections(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """operationId -> {status: reason}, for every operation that declares (or whose parameters declare) any."""
    out: dict[str, dict[str, str]] = {}
    for op in operations(doc):
        shared = doc["paths"][op.path].get("parameters", [])
        holders = [op.raw, *(resolve(doc, p) for p in [*shared, *op.raw.get("parameters", [])])]
        declared: dict[str, str] = {}
        for holder in holders:
            for status, reason in holder.get(EXTENSION, {}).items():
                known = declared.get(str(status))
                declared[str(status)] = f"{known}; {reason}" if known and reason not in known else str(reason)
        if declared:
            out[op.operation_id] = declared
    return out


def rejection_problems(doc: dict[str, Any]) -> list[str]:
    """A declared status must also be a listed response of the operation (the spec stays honest)."""
    problems = []
    by_id = {op.operation_id: op for op in operations(doc)}
    for op_id, declared in schema_valid_rejections(doc).items():
        listed = set(map(str, by_id[op_id].raw.get("responses", {})))
        unlisted = [status for status in declared if status not in listed]
        problems += [f"{op_id}: {EXTENSION} names {status}, which is not a listed response" for status in unlisted]
    return problems
