"""Handlers of the control API. Each runs inside the request's transaction (`ctx.session`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator import __version__
from simulator.admin import controls, reset
from simulator.core import clock, journal
from simulator.core.context import Reply, RequestContext
from simulator.core.errors import ApiError
from simulator.core.fixtures import FixtureError
from simulator.core.vendor import OperationTable

if TYPE_CHECKING:
    from simulator.runtime import Runtime


MAX_ADVANCE_SECONDS = 2000 * 365.25 * 86400


def _clock_json(ctx: RequestContext, tenant: str | None) -> dict[str, Any]:
    return {
        "now": clock.iso(clock.now(ctx.session, tenant), millis=True),
        "frozen": clock.is_frozen(ctx.session, tenant),
        "tenant": tenant,
    }


def _base_url(ctx: RequestContext) -> str:
    host = ctx.headers.get("host", "127.0.0.1:8000")
    return f"http://{host}"


def build_operations(runtime: Runtime) -> OperationTable:
    ops = OperationTable()

    def known_tenant(ctx: RequestContext) -> str | None:
        tenant = ctx.query.get("tenant")
        if tenant is not None and tenant not in runtime.tenants(ctx.session):
            raise ApiError(404, f"unknown tenant: {tenant}")
        return tenant

    @ops("getHealth")
    def get_health(ctx: RequestContext) -> Reply:
        return Reply(
            200,
            {
                "status": "ok",
                "version": __version__,
                "vendors": sorted(runtime.vendors),
                "tenants": runtime.tenants(ctx.session),
            },
        )

    @ops("listVendors")
    def list_vendors(ctx: RequestContext) -> Reply:
        base = _base_url(ctx)
        out = []
        for vendor in runtime.vendors.values():
            creds = vendor.credentials(ctx.session) if vendor.credentials else []
            out.append(
                {
                    "name": vendor.name,
                    "title": vendor.title,
                    "baseUrl": f"{base}/{vendor.name}",
                    "specUrl": f"{base}/{vendor.name}/openapi.json",
                    "upstreamUrl": vendor.upstream_url,
                    "credentials": [
                        {"tenant": c.tenant, "kind": c.kind, "values": dict(c.values), "note": c.note} for c in creds
                    ],
                }
            )
        return Reply(200, {"vendors": out})

    @ops("setRateLimitProfile")
    def set_rate_limit_profile(ctx: RequestContext) -> Reply:
        vendor = runtime.vendors.get(ctx.path_params["vendor"])
        setter = vendor.extra.get("set_rate_limit_profile") if vendor else None
        if vendor is None or setter is None:
            raise ApiError(404, f"{ctx.path_params['vendor']!r} has no rate-limit profiles")
        profiles = list(vendor.extra.get("rate_limit_profiles", []))
        profile = ctx.body["profile"]
        if profile not in profiles:
            raise ApiError(404, f"{vendor.name} has no rate-limit profile {profile!r}; choose one of {profiles}")
        setter(ctx.session, profile)
        return Reply(200, {"vendor": vendor.name, "profile": profile, "profiles": profiles})

    @ops("listTenants")
    def list_tenants(ctx: RequestContext) -> Reply:
        clones = runtime.clones(ctx.session)
        names = runtime.tenants(ctx.session)
        return Reply(200, {"tenants": [{"name": n, "clonedFrom": clones.get(n, {}).get("from")} for n in names]})

    @ops("cloneTenant")
    def clone_tenant(ctx: RequestContext) -> Reply:
        src = ctx.body["from"]
        if src not in runtime.tenants(ctx.session):
            raise ApiError(404, f"unknown tenant: {src}")
        if ctx.body.get("name") in runtime.tenants(ctx.session):
            raise ApiError(409, f"tenant {ctx.body['name']!r} already exists")
        try:
            with ctx.session.begin_nested():
                dst = runtime.clone_tenant(ctx.session, src, ctx.body.get("name"))
        except FixtureError as exc:
            raise ApiError(409, str(exc)) from exc
        credentials = [
            {"vendor": vendor.name, "kind": c.kind, "values": dict(c.values), "note": c.note}
            for vendor in runtime.vendors.values()
            for c in (vendor.credentials(ctx.session) if vendor.credentials else [])
            if c.tenant == dst
        ]
        return Reply(201, {"tenant": dst, "clonedFrom": src, "credentials": credentials})

    @ops("getClock")
    def get_clock(ctx: RequestContext) -> Reply:
        return Reply(200, _clock_json(ctx, known_tenant(ctx)))

    @ops("setClock")
    def set_clock(ctx: RequestContext) -> Reply:
        tenant = known_tenant(ctx)
        body = ctx.body or {}
        try:
            to = clock.parse_instant(body["now"]) if "now" in body else None
            clock.set_clock(ctx.session, scope=tenant or clock.GLOBAL, to=to, frozen=body.get("frozen"))
            runtime.catch_up_all(ctx.session)
        except clock.ClockError as exc:
            raise ApiError(409, str(exc)) from exc
        return Reply(200, _clock_json(ctx, tenant))

    @ops("advanceClock")
    def advance_clock(ctx: RequestContext) -> Reply:
        tenant = known_tenant(ctx)
        body = ctx.body or {}
        if ("seconds" in body) == ("duration" in body):
            raise ApiError(400, "give exactly one of seconds or duration")
        try:
            seconds = float(body["seconds"]) if "seconds" in body else clock.parse_duration(body["duration"])
        except clock.ClockError as exc:
            raise ApiError(400, str(exc)) from exc
        if not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            raise ApiError(400, "the advance must be between 0 seconds and 2,000 years")
        try:
            clock.advance(ctx.session, seconds, scope=tenant or clock.GLOBAL)
            runtime.catch_up_all(ctx.session)
        except clock.ClockError as exc:
            raise ApiError(409, str(exc)) from exc
        return Reply(200, _clock_json(ctx, tenant))

    @ops("listRequests")
    def list_requests(ctx: RequestContext) -> Reply:
        q = ctx.query
        since = clock.parse_instant(q["since"]) if "since" in q else None
        rows, total = journal.query_entries(
            ctx.session,
            vendor=q.get("vendor"),
            operation=q.get("operation"),
            status=q.get("status"),
            tenant=q.get("tenant"),
            since=since,
            limit=q.get("limit", 100),
        )
        return Reply(200, {"requests": [journal.entry_json(r) for r in rows], "total": total})

    @ops("clearRequests")
    def clear_requests(ctx: RequestContext) -> Reply:
        return Reply(200, {"deleted": journal.clear(ctx.session)})

    @ops("resetState")
    def reset_state(ctx: RequestContext) -> Reply:
        tenant = known_tenant(ctx)
        try:
            runtime.reset(ctx.session, tenant)
            reset.clear_control_state(ctx.session, runtime, tenant)
        except FixtureError as exc:
            raise ApiError(409, str(exc)) from exc
        return Reply(200, {"reset": tenant or "all"})

    @ops("loadFixtures")
    def load_fixtures(ctx: RequestContext) -> Reply:
        mode = ctx.query.get("mode", "replace")
        try:
            with ctx.session.begin_nested():
                loaded = runtime.load_document(ctx.session, ctx.body, replace=mode == "replace")
        except FixtureError as exc:
            raise ApiError(400, str(exc), details={"field": exc.where}) from exc
        return Reply(200, {"loaded": loaded})

    controls.register(ops)
    for vendor in runtime.vendors.values():
        for operation_id, handler in (vendor.admin_operations.handlers if vendor.admin_operations else {}).items():
            ops(operation_id)(handler)
    return ops
