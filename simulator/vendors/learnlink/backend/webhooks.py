"""Webhook subscriptions and the record of their deliveries.

Thrive documents two subscription kinds: `assignment_subscription` (assignment.* and
enrolment.* events) and `completion_subscription` (content.completed, content.passed).
It documents no public endpoint to manage them here, so they are managed through the
simulator's admin API; these are the functions behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.vendors.learnlink.models import (
    LearnlinkWebhookAttempt,
    LearnlinkWebhookDelivery,
    LearnlinkWebhookSubscription,
)

SUBSCRIPTION_KINDS = ("assignment_subscription", "completion_subscription")
SUBSCRIPTION_IDS = "learnlink.webhook"
SIGNATURE_HEADER = "x-hmac-signature"


def signature(secret: str, body: bytes) -> str:
    """The value of `x-hmac-signature`: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def add_subscription(
    session: Session,
    tenant: str,
    now: dt.datetime,
    *,
    kind: str,
    target_url: str,
    secret: str,
    events: list[str] | None = None,
) -> LearnlinkWebhookSubscription:
    if kind not in SUBSCRIPTION_KINDS:
        raise ApiError(422, f"kind must be one of {', '.join(SUBSCRIPTION_KINDS)}")
    if not target_url.startswith(("http://", "https://")):
        raise ApiError(422, "targetUrl must be an http(s) URL")
    if not secret:
        raise ApiError(422, "secret must not be empty")
    row = LearnlinkWebhookSubscription(
        tenant=tenant,
        id=ids.new_object_id(session, SUBSCRIPTION_IDS),
        kind=kind,
        target_url=target_url,
        secret=secret,
        events=list(events or ["*"]),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def list_subscriptions(session: Session, tenant: str) -> list[LearnlinkWebhookSubscription]:
    return list(
        session.scalars(
            select(LearnlinkWebhookSubscription)
            .where(LearnlinkWebhookSubscription.tenant == tenant, LearnlinkWebhookSubscription.is_active.is_(True))
            .order_by(LearnlinkWebhookSubscription.created_at, LearnlinkWebhookSubscription.id)
        )
    )


def remove_subscription(session: Session, tenant: str, subscription_id: str) -> None:
    """Deactivate a subscription (its delivery record stays)."""
    done = session.execute(
        update(LearnlinkWebhookSubscription)
        .where(LearnlinkWebhookSubscription.tenant == tenant, LearnlinkWebhookSubscription.id == subscription_id)
        .values(is_active=False)
    )
    if not getattr(done, "rowcount", 0):
        raise ApiError(404, "Webhook subscription not found")


def list_deliveries(session: Session, tenant: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries (newest first) with every attempt: status code, latency, error."""
    from simulator.vendors.learnlink import delivery  # the sender imports this module

    delivery.drain(session)
    deliveries = list(
        session.scalars(
            select(LearnlinkWebhookDelivery)
            .where(LearnlinkWebhookDelivery.tenant == tenant)
            .order_by(LearnlinkWebhookDelivery.id.desc())
            .limit(limit)
        )
    )
    attempts: dict[int, list[dict[str, Any]]] = {d.id: [] for d in deliveries}
    if deliveries:
        for a in session.scalars(
            select(LearnlinkWebhookAttempt)
            .where(LearnlinkWebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(LearnlinkWebhookAttempt.delivery_id, LearnlinkWebhookAttempt.number)
        ):
            attempts[a.delivery_id].append(
                {
                    "number": a.number,
                    "statusCode": a.status_code,
                    "latencyMs": round(a.latency_ms, 3),
                    "error": a.error,
                    "at": a.at.isoformat(),
                }
            )
    return [
        {
            "id": d.id,
            "subscriptionId": d.subscription_id,
            "event": d.event,
            "status": d.status,
            "attempts": attempts[d.id],
            "createdAt": d.created_at.isoformat(),
            "finishedAt": d.finished_at.isoformat() if d.finished_at else None,
        }
        for d in deliveries
    ]
