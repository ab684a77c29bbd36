"""Learn.link authentication: HTTP Basic (Tenant ID : API secret) or an OAuth2 Bearer token.

Scopes apply to both: a secret carries the scopes it was configured with (the demo
secrets have them all), a token the scopes it was issued with. An operation's spec
lists the scope sets that allow it (`api/read` or `api/all` for reads, `api/write`
or `api/all` for writes); holding none of them is 403.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib

from simulator.core import clock, ratelimit
from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.vendors.learnlink import delivery
from simulator.vendors.learnlink.backend import tokens

RATE_WINDOW_SECONDS = 60


def parse_basic(header: str) -> tuple[str, str] | None:
    """(user, password) of a Basic Authorization header, or None if it is not one."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(401, "Malformed Basic credentials") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise ApiError(401, "Malformed Basic credentials")
    return user, password


def _principal(ctx: RequestContext) -> Principal:
    header = ctx.headers.get("authorization", "").strip()
    if not header:
        raise ApiError(401, "Missing Authorization header")
    basic = parse_basic(header)
    if basic is not None:
        tenant_id, secret = basic
        # Remembered under a digest of the secret: the process keeps no secret it was sent.
        key = ("learnlink.basic", tenant_id, hashlib.sha256(secret.encode()).digest())
        caller = ctx.remember(key, lambda: tokens.basic_caller(ctx.store, tenant_id, secret))
        if caller is None:
            raise ApiError(401, "Invalid Tenant ID or API secret")
        return Principal(caller[0], tenant_id, caller[1], {"scheme": "basic"})
    scheme, _, value = header.partition(" ")
    token = value.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Unsupported authorization scheme")
    issued = ctx.remember(("learnlink.token", token), lambda: tokens.bearer_caller(ctx.store, token))
    # Expiry is read on every request, on the token tenant's own simulated clock.
    if issued is None or issued[3] <= _now_of(ctx, issued[0]):
        raise ApiError(401, "The access token is invalid or has expired")
    tenant, tenant_id, scopes, _ = issued
    return Principal(tenant, tenant_id, scopes, {"scheme": "bearer"})


def _now_of(ctx: RequestContext, tenant: str) -> dt.datetime:
    """Simulated now of `tenant`, before the caller is known to belong to it."""
    return ctx.plumbing.now(tenant) if ctx.plumbing is not None else clock.now(ctx.store, tenant)


def _check_scopes(principal: Principal, op: Operation) -> None:
    alternatives = [frozenset(scopes) for req in op.security for scopes in req.values() if scopes]
    if alternatives and not any(needed <= principal.scopes for needed in alternatives):
        wanted = " or ".join(sorted(" ".join(sorted(a)) for a in alternatives))
        raise ApiError(403, f"The credentials lack the scope this operation needs ({wanted})")


def _rate_limit(ctx: RequestContext, principal: Principal) -> None:
    # The docs name a 429 but publish no numbers: off unless configured.
    limit = ctx.settings.option("learnlink", "rate_limit_per_minute", None)
    if not limit:
        return
    state = ratelimit.fixed_window(
        ctx.rate_windows,
        f"learnlink:{principal.subject}",
        limit=int(limit),
        window_seconds=RATE_WINDOW_SECONDS,
        now=ctx.now(),
    )
    if not state.allowed:
        raise ApiError(429, "Rate limit exceeded", headers={"Retry-After": str(state.retry_after_seconds)})


def authenticate(ctx: RequestContext, op: Operation) -> Principal | None:
    delivery.remember_settings(ctx.store, ctx.settings)
    if op.public:
        return None  # the token endpoint checks its client credentials itself
    principal = _principal(ctx)
    ctx.authenticate_as(principal)
    _check_scopes(principal, op)
    _rate_limit(ctx, principal)
    return principal
