"""What a reset clears beside the vendors' records: everything the control API created.

`POST /_sim/reset` returns the simulator to a state that answers as a freshly started one
(as WireMock's reset clears its stubs and its journal). The runtime restores the vendor
records, the clock, the id counters and the tenant list and empties the journal; this adds
the control plane's own state:
- fault rules (those of the tenant, for `?tenant=`);
- rate-limit counters and run-time rate-limit profiles (`PUT /_sim/vendors/{v}/rate-limit`),
  so the vendor options given at start-up apply again;
- webhook deliveries still being sent: their subscriptions are gone.
Kept: named snapshots (`/_sim/snapshots`), which exist to outlive resets, and dashboard sign-ins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from simulator.core.models import FaultRuleRow, MetaRow, RateWindowRow

if TYPE_CHECKING:
    from simulator.runtime import Runtime


def clear_control_state(session: Session, runtime: Runtime, tenant: str | None) -> None:
    if tenant is not None:
        session.execute(delete(FaultRuleRow).where(FaultRuleRow.tenant == tenant))
        return
    session.execute(delete(FaultRuleRow))
    session.execute(delete(RateWindowRow))
    # Vendors keep run-time overrides in sim_meta under "<vendor>.<name>" (e.g. docebo.rate_limit).
    overrides = [MetaRow.key.startswith(f"{name}.") for name in runtime.vendors]
    if overrides:
        session.execute(delete(MetaRow).where(or_(*overrides)))
    for vendor in runtime.vendors.values():
        discard = vendor.extra.get("discard_pending_work")
        if discard is not None:
            discard(session)
