"""Docebo authentication: OAuth2 bearer tokens, plus the documented rate limit.

Every API operation needs `Authorization: Bearer <access_token>` from `/oauth2/token`;
a missing, unknown, revoked or expired token is a 401 (`invalid_token`). Tokens expire
on the simulated clock of their tenant, so `POST /_sim/clock/advance` expires them.

Rate limit: Docebo documents 1,000 API calls per hour per IP. It is a profile, off by
default; switch it on with the vendor option `rate_limit` (settings
`vendor_options={"docebo": {"rate_limit": "documented"}}`) or at run time with
`set_rate_limit_profile(session, "documented")` (stored in the database, so every worker
agrees; the admin API can call it). Over the limit: 429 with `Retry-After`. The caller's
IP is the first `X-Forwarded-For` address when present (the pipeline gives vendors no
socket address), else one shared bucket.

Levels: a token acts with the level of its user. Superadmins (`godadmin`) and power users
may call everything; a plain user (`user`) may only list and view its own enrollments
(403 otherwise). client_credentials tokens act as the platform (superadmin).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from simulator.core import ratelimit, store
from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.vendors.docebo import tokens
from simulator.vendors.docebo.errors import VERSION_HEADERS, invalid_token

RATE_LIMIT_PROFILES: dict[str, tuple[int, int] | None] = {
    "off": None,
    "documented": (1000, 3600),  # calls, window seconds
}
RATE_LIMIT_META_KEY = "docebo.rate_limit"
# A plain user's token (level "user") may only read its own enrollments (inferred: Docebo
# scopes what a token can do by its user's level; admins and power users do everything here).
LEARNER_ROLE = "user"
LEARNER_OPERATIONS = frozenset({"listEnrollments", "getEnrollment", "getSession"})


def set_rate_limit_profile(session: Session, profile: str) -> None:
    """Switch the rate-limit profile at run time (overrides the vendor option)."""
    if profile not in RATE_LIMIT_PROFILES:
        raise ValueError(f"unknown Docebo rate-limit profile {profile!r}; choose one of {sorted(RATE_LIMIT_PROFILES)}")
    store.set_setting(session, RATE_LIMIT_META_KEY, profile)


def rate_limit_profile(ctx: RequestContext) -> str:
    # Read on every request: the profile can change at run time, from any worker.
    found = store.setting(ctx.store, RATE_LIMIT_META_KEY)
    if isinstance(found, str):
        return found
    return str(ctx.settings.option("docebo", "rate_limit", "off"))


def _client_ip(ctx: RequestContext) -> str:
    forwarded = ctx.headers.get("x-forwarded-for", "")
    return forwarded.split(",")[0].strip() or "shared"


def enforce_rate_limit(ctx: RequestContext) -> None:
    limits = RATE_LIMIT_PROFILES.get(rate_limit_profile(ctx))
    if limits is None:
        return
    calls, window = limits
    state = ratelimit.fixed_window(
        ctx.rate_windows, f"docebo:{_client_ip(ctx)}", limit=calls, window_seconds=window, now=ctx.now()
    )
    if not state.allowed:
        raise ApiError(
            429,
            f"Rate limit exceeded: at most {calls} API calls per hour per IP",
            headers={"Retry-After": str(state.retry_after_seconds)},
        )


def _bearer(ctx: RequestContext) -> str | None:
    scheme, _, value = ctx.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def authenticate(ctx: RequestContext, op: Operation) -> Principal | None:
    ctx.response_headers.update(VERSION_HEADERS)
    enforce_rate_limit(ctx)
    if op.public:
        return None
    token = _bearer(ctx)
    if token is None:
        raise invalid_token("The access token is missing")
    found = tokens.access_row(ctx, token)
    if found is None:
        raise invalid_token("The access token provided is invalid")
    principal = tokens.principal_of(found)
    ctx.authenticate_as(principal)  # expiry is on the token's tenant clock
    if found[4] <= ctx.now():
        raise invalid_token("The access token provided has expired")
    if principal.extra["role"] == LEARNER_ROLE and op.operation_id not in LEARNER_OPERATIONS:
        raise ApiError(403, "You do not have permission to perform this action")
    return principal


def learner_id(ctx: RequestContext) -> int | None:
    """The caller's own user id when the token belongs to a plain user (learner), else None."""
    principal = ctx.principal
    if principal is None or principal.extra.get("role") != LEARNER_ROLE:
        return None
    user_id = principal.extra.get("user_id")
    return user_id if isinstance(user_id, int) else None
