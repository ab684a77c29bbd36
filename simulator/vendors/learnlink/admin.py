"""Learn.link's part of the control API (`/_sim`): what Thrive does in its admin UI, not its API.

Audience membership (inferred: changed in Thrive's UI or HR sync, not through the public
API), completions recorded as if the learner finished content, and webhook subscriptions
with their deliveries (Thrive registers webhooks in its UI). Handlers run inside the
control API's transaction; the tenant comes from the path or the body.
"""

from __future__ import annotations

from typing import Any

from simulator.core import clock
from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError
from simulator.core.vendor import OperationTable
from simulator.vendors.learnlink import receivers, wire
from simulator.vendors.learnlink.backend import completions, directory, enrolments, webhooks
from simulator.vendors.learnlink.models import LearnlinkWebhookSubscription

admin_operations = OperationTable()


def _tenant(ctx: RequestContext, tenant: str) -> Any:
    """Now for the tenant, with its time-driven statuses brought up to it first."""
    now = clock.now(ctx.session, tenant)
    enrolments.catch_up(ctx.store, tenant, now)
    return now


@admin_operations("addLearnlinkAudienceMember")
def add_audience_member(ctx: RequestContext) -> Reply:
    tenant, audience = ctx.path_params["tenant"], ctx.path_params["audienceId"]
    added = directory.add_member(ctx.session, tenant, _tenant(ctx, tenant), audience, ctx.body["userId"])
    return Reply(200, {"added": added})


@admin_operations("removeLearnlinkAudienceMember")
def remove_audience_member(ctx: RequestContext) -> Reply:
    tenant, audience = ctx.path_params["tenant"], ctx.path_params["audienceId"]
    removed = directory.remove_member(ctx.session, tenant, _tenant(ctx, tenant), audience, ctx.path_params["userId"])
    return Reply(200, {"removed": removed})


@admin_operations("recordLearnlinkCompletion")
def record_completion(ctx: RequestContext) -> Reply:
    tenant = ctx.path_params["tenant"]
    now = _tenant(ctx, tenant)
    body = ctx.body
    completed_at = clock.parse_instant(body["completedAt"]) if body.get("completedAt") else now
    row, created = completions.record(
        ctx.session, tenant, now, user_id=body["userId"], content_id=body["contentId"], completed_at=completed_at
    )
    return Reply(201 if created else 200, wire.completion(row))


def _subscription_json(row: LearnlinkWebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenant": row.tenant,
        "kind": row.kind,
        "targetUrl": row.target_url,
        "events": list(row.events or []),
        "createdAt": clock.iso(row.created_at, millis=True),
    }


@admin_operations("listWebhookSubscriptions")
def list_subscriptions(ctx: RequestContext) -> Reply:
    rows = webhooks.list_subscriptions(ctx.session, ctx.query["tenant"])
    return Reply(200, {"subscriptions": [_subscription_json(r) for r in rows]})


@admin_operations("addWebhookSubscription")
def add_subscription(ctx: RequestContext) -> Reply:
    body = ctx.body
    tenant = body["tenant"]
    try:
        receivers.check(body["targetUrl"], receivers.ReceiverPolicy.from_settings(ctx.settings))
    except receivers.TargetRefused as exc:
        raise ApiError(403, str(exc), details={"field": "targetUrl", "option": "--webhook-allow"}) from exc
    try:
        row = webhooks.add_subscription(
            ctx.session,
            tenant,
            clock.now(ctx.session, tenant),
            kind=body["kind"],
            target_url=body["targetUrl"],
            secret=body["secret"],
            events=body.get("events"),
        )
    except ApiError as err:
        raise ApiError(400, err.message) from err
    return Reply(201, _subscription_json(row))


@admin_operations("removeWebhookSubscription")
def remove_subscription(ctx: RequestContext) -> Reply:
    webhooks.remove_subscription(ctx.session, ctx.query["tenant"], ctx.path_params["subscriptionId"])
    return Reply(200, {"removed": ctx.path_params["subscriptionId"]})


@admin_operations("listWebhookDeliveries")
def list_deliveries(ctx: RequestContext) -> Reply:
    found = webhooks.list_deliveries(ctx.session, ctx.query["tenant"], limit=ctx.query.get("limit", 100))
    return Reply(200, {"deliveries": found})
