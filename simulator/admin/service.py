"""The admin API as a spec-driven service: same routing, validation and error handling as a vendor."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simulator.core.context import Principal, Reply, RequestContext
from simulator.core.errors import ApiError, Violation
from simulator.core.fixtures import FixtureContext, FixtureError
from simulator.core.spec import Operation
from simulator.core.vendor import VendorPlugin

if TYPE_CHECKING:
    from simulator.runtime import Runtime

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "server_error",
}


def render_error(err: ApiError, ctx: RequestContext) -> Reply:
    body = {"error": err.message, "code": err.code or _CODES.get(err.status, "error"), "details": err.details}
    return Reply(err.status, body, headers=dict(err.headers))


def validation_error(violations: list[Violation]) -> ApiError:
    first = violations[0]
    return ApiError(400, f"{first.location}: {first.message}", details=[v.as_dict() for v in violations])


def require_json(ctx: RequestContext) -> None:
    """Every state-changing control call says `Content-Type: application/json`, with a body or
    without. A web page can send a body-less or text/plain POST to another site without
    asking; JSON it can send only after a CORS preflight, which the simulator never grants."""
    if ctx.method in STATE_CHANGING and ctx.headers.get("content-type", "").split(";", 1)[0].strip().lower() != JSON:
        raise ApiError(
            415, "every state-changing control call needs Content-Type: application/json (even without a body)"
        )


def _no_fixtures(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    raise FixtureError(f"tenants.{tenant}._sim", "the control API has no fixture section")


def build_admin(runtime: Runtime) -> VendorPlugin:
    from simulator.admin.routes import build_operations

    token = runtime.settings.admin_token

    def authenticate(ctx: RequestContext, op: Operation) -> Principal | None:
        if token:
            given = ctx.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise ApiError(401, "Unauthorized: this simulator requires its admin token")
        require_json(ctx)
        return None

    return VendorPlugin(
        name="_sim",
        title="lms-simulator control API",
        spec_file="simulator.yaml",
        upstream_url="",
        operations=build_operations(runtime),
        authenticate=authenticate,
        render_error=render_error,
        validation_error=validation_error,
        load_tenant=_no_fixtures,
        max_body_bytes=32 * 1024 * 1024,
        journaled=False,
    )
