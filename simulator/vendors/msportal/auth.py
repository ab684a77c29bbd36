"""MSPortal auth: `Authorization: Bearer <API key>`, scopes per key, a per-key rate limit.

Keys are looked up by their SHA-256 digest, so the lookup time says nothing about how
much of a guessed key was right. The required scope of each operation is in the spec
(`x-scopes`), since a bearer scheme cannot carry scopes in OpenAPI 3.0.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select

from simulator.core import clock, ratelimit
from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.core.store import Statement
from simulator.vendors.msportal.models import MspApiKey

DEFAULT_RATE_LIMIT_PER_MINUTE = 600


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# Every request authenticates, and nothing here needs the ORM object.
_KEY_BY_DIGEST = Statement(
    select(MspApiKey.tenant, MspApiKey.name, MspApiKey.scopes).where(MspApiKey.key_digest == bindparam("digest"))
)


def authenticate(ctx: RequestContext, op: Operation) -> Principal:
    ctx.response_headers["X-Request-Id"] = ctx.request_id
    scheme, _, key = ctx.headers.get("authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "Missing API key: send Authorization: Bearer <your-api-key>", code="UNAUTHORIZED")
    digest = key_digest(key)
    found = ctx.remember(("msportal.key", digest), lambda: _KEY_BY_DIGEST.first(ctx.store, {"digest": digest}))
    if found is None:
        raise ApiError(401, "Invalid API key", code="UNAUTHORIZED")
    tenant, name, scopes = found
    principal = Principal(tenant=tenant, subject=name or digest[:8], scopes=frozenset(scopes))
    ctx.authenticate_as(principal)
    _count_request(ctx, digest)
    required = frozenset(op.raw.get("x-scopes", ()))
    if required and not required <= principal.scopes:
        missing = ", ".join(sorted(required - principal.scopes))
        raise ApiError(403, f"This API key lacks the required scope: {missing}", code="FORBIDDEN")
    return principal


def _count_request(ctx: RequestContext, digest: str) -> None:
    limit = int(ctx.settings.option("msportal", "rate_limit_per_minute", DEFAULT_RATE_LIMIT_PER_MINUTE))
    if limit <= 0:
        return
    key = f"msportal:{digest}"
    state = ratelimit.fixed_window(ctx.rate_windows, key, limit=limit, window_seconds=60, now=ctx.now())
    ctx.response_headers.update(
        {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": clock.iso(state.reset_at, millis=True) or "",
        }
    )
    if not state.allowed:
        raise ApiError(
            429,
            "Rate limit exceeded",
            code="RATE_LIMITED",
            headers={"Retry-After": str(state.retry_after_seconds)},
        )
