"""Webhook events raised by the rules, queued as delivery rows in the same transaction.

A request that fails rolls its events back with everything else, so a subscriber
never hears about a change that did not happen. The delivery worker sends them later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from simulator.core import clock
from simulator.core.store import Statement, Store, as_store
from simulator.vendors.learnlink import delivery
from simulator.vendors.learnlink.models import (
    LearnlinkCredential,
    LearnlinkWebhookDelivery,
    LearnlinkWebhookSubscription,
)
from simulator.vendors.learnlink.values import SUBSCRIPTION_COLUMNS, SubscriptionValues

# Which subscription kind carries which events (docs: webhooks page).
KIND_OF_EVENT_PREFIX = {
    "assignment.": "assignment_subscription",
    "enrolment.": "assignment_subscription",
    "content.": "completion_subscription",
}


def subscription_wants(sub: SubscriptionValues | LearnlinkWebhookSubscription, event: str) -> bool:
    kind = next((k for prefix, k in KIND_OF_EVENT_PREFIX.items() if event.startswith(prefix)), None)
    if kind != sub.kind:
        return False
    for pattern in sub.events:
        if pattern == event or pattern == "*" or (pattern.endswith(".*") and event.startswith(pattern[:-1])):
            return True
    return False


# Every write raises an event or more: who listens is read by compiled statements, and the
# tenant's Tenant ID (the payload's `tenantId`) only when someone does.
_SUBSCRIPTIONS = Statement(
    select(*SUBSCRIPTION_COLUMNS).where(
        LearnlinkWebhookSubscription.tenant == bindparam("tenant"),
        LearnlinkWebhookSubscription.is_active.is_(True),
    )
)
_TENANT_ID = Statement(
    select(LearnlinkCredential.tenant_id).where(LearnlinkCredential.tenant == bindparam("tenant")).limit(1)
)


class Outbox:
    """Queues events of one tenant; loads the tenant's subscriptions once, on first use."""

    def __init__(self, source: Store | Session, tenant: str) -> None:
        self.store = as_store(source)
        self.tenant = tenant
        self._subscriptions: list[SubscriptionValues] | None = None
        self._tenant_id: str | None = None
        self.queued = 0

    def _load(self) -> list[SubscriptionValues]:
        if self._subscriptions is None:
            rows = _SUBSCRIPTIONS.rows(self.store, {"tenant": self.tenant})
            self._subscriptions = [SubscriptionValues._make(row) for row in rows]
            if self._subscriptions:
                self._tenant_id = _TENANT_ID.scalar(self.store, {"tenant": self.tenant})
        return self._subscriptions

    def emit(self, event: str, data: Callable[[], dict[str, Any]], at: dt.datetime) -> None:
        """Queue `event` for every subscription that wants it; `data` renders the payload
        only when someone listens (a clock advance may move thousands of enrolments)."""
        subs = [s for s in self._load() if subscription_wants(s, event)]
        if not subs:
            return
        payload = orjson.dumps(
            {
                "event": event,
                "tenantId": self._tenant_id or self.tenant,
                "timestamp": clock.iso(at, millis=True),
                "data": data(),
            }
        ).decode()
        session = self.store.session
        for sub in subs:
            row = LearnlinkWebhookDelivery(
                tenant=self.tenant, subscription_id=sub.id, event=event, payload=payload, created_at=at
            )
            session.add(row)
            # Sent once the transaction commits; never before, never if it rolls back.
            delivery.enqueue(session, row, sub)
            self.queued += 1
