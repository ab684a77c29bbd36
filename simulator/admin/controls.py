"""Control API handlers for test controls: fault rules, verification, violations, snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from simulator.core import clock, faults, snapshots
from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError
from simulator.core.models import FaultRuleRow, JournalRow, SnapshotRow
from simulator.core.vendor import OperationTable
from simulator.core.verification import count_matches, expectation

VIOLATION_SCAN_LIMIT = 5_000


def register(ops: OperationTable) -> None:
    for operation_id, handler in _HANDLERS.items():
        ops(operation_id)(handler)


def _fault(ctx: RequestContext) -> FaultRuleRow:
    row = ctx.session.get(FaultRuleRow, ctx.path_params["faultId"])
    if row is None:
        raise ApiError(404, f"no fault rule {ctx.path_params['faultId']}")
    return row


def _fault_json(row: FaultRuleRow) -> dict[str, Any]:
    return faults.to_wire(row, clock.iso(row.created_at, millis=True))


def _fill(row: FaultRuleRow, body: dict[str, Any]) -> FaultRuleRow:
    try:
        return faults.apply_input(row, body)
    except faults.FaultRuleError as exc:
        raise ApiError(400, str(exc)) from exc


def list_faults(ctx: RequestContext) -> Reply:
    rows = ctx.session.scalars(select(FaultRuleRow).order_by(FaultRuleRow.id))
    return Reply(200, {"faults": [_fault_json(r) for r in rows]})


def add_fault(ctx: RequestContext) -> Reply:
    row = _fill(faults.new_rule(clock.now(ctx.session)), ctx.body)
    ctx.session.add(row)
    ctx.session.flush()
    return Reply(201, _fault_json(row))


def get_fault(ctx: RequestContext) -> Reply:
    return Reply(200, _fault_json(_fault(ctx)))


def replace_fault(ctx: RequestContext) -> Reply:
    row = _fill(_fault(ctx), ctx.body)
    row.matched, row.fired = 0, 0
    return Reply(200, _fault_json(row))


def delete_fault(ctx: RequestContext) -> Reply:
    ctx.session.delete(_fault(ctx))
    return Reply(200, {"deleted": 1})


def clear_faults(ctx: RequestContext) -> Reply:
    deleted = ctx.session.execute(delete(FaultRuleRow)).rowcount  # type: ignore[attr-defined]
    return Reply(200, {"deleted": int(deleted or 0)})


def verify_requests(ctx: RequestContext) -> Reply:
    matcher = ctx.body
    if "count" in matcher and ("atLeast" in matcher or "atMost" in matcher):
        raise ApiError(400, "give count, or atLeast/atMost, not both")
    described, low, high = expectation(matcher)
    matched, near = count_matches(ctx.session, matcher)
    holds = (low is None or matched >= low) and (high is None or matched <= high)
    return Reply(
        200 if holds else 409, {"matched": matched, "expected": described, "nearMisses": [] if holds else near}
    )


def list_violations(ctx: RequestContext) -> Reply:
    q = ctx.query
    conditions = [JournalRow.violation_count > 0]
    if "vendor" in q:
        conditions.append(JournalRow.vendor == q["vendor"])
    if "tenant" in q:
        conditions.append(JournalRow.tenant == q["tenant"])
    rows = ctx.session.scalars(
        select(JournalRow).where(*conditions).order_by(JournalRow.id.desc()).limit(VIOLATION_SCAN_LIMIT)
    )
    found = []
    for row in rows:
        for v in row.violations or []:
            if "severity" in q and v.get("severity") != q["severity"]:
                continue
            found.append(
                {
                    "requestId": row.request_id,
                    "at": clock.iso(row.at, millis=True),
                    "vendor": row.vendor,
                    "tenant": row.tenant,
                    "operationId": row.operation_id,
                    "method": row.method,
                    "path": row.path,
                    "status": row.status,
                    "location": v.get("location", ""),
                    "message": v.get("message", ""),
                    "severity": v.get("severity", "error"),
                }
            )
    return Reply(200, {"violations": found[: q.get("limit", 100)], "total": len(found)})


def _snapshot_json(row: SnapshotRow) -> dict[str, Any]:
    return {"name": row.name, "createdAt": clock.iso(row.created_at, millis=True), "bytes": len(row.data)}


def list_snapshots(ctx: RequestContext) -> Reply:
    return Reply(200, {"snapshots": [_snapshot_json(r) for r in snapshots.listing(ctx.session)]})


def save_snapshot(ctx: RequestContext) -> Reply:
    name = ctx.path_params["name"]
    snapshots.save(ctx.session, name, snapshots.capture(ctx.session), clock.now(ctx.session))
    ctx.session.flush()
    row = ctx.session.get(SnapshotRow, name)
    assert row is not None
    return Reply(201, _snapshot_json(row))


def _snapshot_blob(ctx: RequestContext) -> bytes:
    name = ctx.path_params["name"]
    blob = snapshots.load(ctx.session, name) if name != snapshots.FIXTURES else None
    if blob is None:
        raise ApiError(404, f"no snapshot named {name!r}")
    return blob


def restore_snapshot(ctx: RequestContext) -> Reply:
    snapshots.restore(ctx.session, _snapshot_blob(ctx))
    return Reply(200, {"restored": ctx.path_params["name"]})


def delete_snapshot(ctx: RequestContext) -> Reply:
    _snapshot_blob(ctx)
    ctx.session.execute(delete(SnapshotRow).where(SnapshotRow.name == ctx.path_params["name"]))
    return Reply(200, {"deleted": ctx.path_params["name"]})


_HANDLERS = {
    "listFaults": list_faults,
    "addFault": add_fault,
    "getFault": get_fault,
    "replaceFault": replace_fault,
    "deleteFault": delete_fault,
    "clearFaults": clear_faults,
    "verifyRequests": verify_requests,
    "listViolations": list_violations,
    "listSnapshots": list_snapshots,
    "saveSnapshot": save_snapshot,
    "restoreSnapshot": restore_snapshot,
    "deleteSnapshot": delete_snapshot,
}
