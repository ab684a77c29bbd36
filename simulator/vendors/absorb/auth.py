"""Absorb auth: the portal's private key in `x-api-key` on every call, plus the token from
`POST /authenticate` in `Authorization` (with or without `Bearer `).

Tokens live 4 hours on the simulated clock, and a user has one token at a time: a new
one replaces (and so invalidates) the previous one. A disabled portal answers 403.
Learners (non-admin users) may only call the "my enrollments" operations (403 otherwise,
inferred from "the admin role limits which data can be reached"). Requests are counted
per key in a token bucket on the simulated clock: 200 per second with a burst of 100
(`absorb.rate_limit_per_second`, `absorb.rate_limit_burst`; a rate of 0 turns it off).
`x-api-version` other than `2` (or missing) is served as v2 and journaled as a warning.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import bindparam, delete, func, select

from simulator.core import ratelimit
from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.core.store import Statement
from simulator.vendors.absorb.models import AbsorbPortal, AbsorbToken, AbsorbUser
from simulator.vendors.absorb.states import TOKEN_LIFETIME_SECONDS

DEFAULT_RATE_PER_SECOND = 200.0
DEFAULT_BURST = 100
TOKEN_LENGTH = 96
AUTHENTICATE = "authenticate"
LEARNER_OPERATIONS = frozenset({"getMyEnrollment", "listMyEnrollments", "enrollMe"})


def unauthorized(message: str) -> ApiError:
    return ApiError(401, message, code="Unauthorized")


def authenticate(ctx: RequestContext, op: Operation) -> Principal:
    key = ctx.headers.get("x-api-key", "").strip()
    if not key:
        raise unauthorized("The x-api-key header is required.")
    api_key = key.lower()
    found = ctx.remember(("absorb.portal", api_key), lambda: _PORTAL.first(ctx.store, {"api_key": api_key}))
    if found is None:
        raise unauthorized("The x-api-key is not valid.")
    tenant, api_key, disabled = found
    principal = Principal(tenant=tenant, subject=f"portal:{api_key}")
    ctx.authenticate_as(principal)
    _count_request(ctx, api_key)
    if ctx.headers.get("x-api-version", "").strip() != "2":
        ctx.warn("header.x-api-version", "expected x-api-version: 2; served as v2")
    if disabled:
        raise ApiError(403, "Portal disabled.", code="PortalDisabled")
    if op.operation_id == AUTHENTICATE:
        return principal
    user_id, username, admin = _token_user(ctx, tenant)
    if not admin and op.operation_id not in LEARNER_OPERATIONS:
        raise ApiError(403, "The user does not have an admin role that allows this operation.", code="Forbidden")
    principal = Principal(
        tenant=tenant,
        subject=user_id,
        scopes=frozenset({"admin"} if admin else set()),
        extra={"username": username, "api_key": api_key},
    )
    ctx.authenticate_as(principal)
    return principal


def bearer_value(header: str) -> str:
    """The token from `Authorization: Bearer <t>` or a bare `Authorization: <t>`."""
    value = header.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    return value


# Every request authenticates: both lookups are built once, read plain rows, and are
# remembered by the process (`RequestContext.remember`) until a table in
# `VENDOR.credential_tables` changes: portals (a key disabled), tokens (a newer one
# replaces the row) and users (active status, admin flag). Expiry is checked on every
# request against the simulated clock, which moves without touching those tables.
_PORTAL = Statement(
    select(AbsorbPortal.tenant, AbsorbPortal.api_key, AbsorbPortal.disabled).where(
        AbsorbPortal.api_key == bindparam("api_key")
    )
)
_TOKEN_USER = Statement(
    select(AbsorbToken.expires_at, AbsorbUser.id, AbsorbUser.username, AbsorbUser.is_admin, AbsorbUser.active_status)
    .outerjoin(AbsorbUser, AbsorbUser.id == AbsorbToken.user_id)
    .where(AbsorbToken.token == bindparam("token"), AbsorbToken.tenant == bindparam("tenant"))
)


def _token_user(ctx: RequestContext, tenant: str) -> tuple[str, str, bool]:
    """(id, username, is admin) of the active user a valid token belongs to."""
    token = bearer_value(ctx.headers.get("authorization", ""))
    if not token:
        raise unauthorized("The Authorization header with a token from /authenticate is required.")
    found = ctx.remember(
        ("absorb.token", tenant, token), lambda: _TOKEN_USER.first(ctx.store, {"token": token, "tenant": tenant})
    )
    if found is None or found[0] <= ctx.now():
        raise unauthorized("The token is invalid, expired or has been replaced by a newer one.")
    _, user_id, username, is_admin, active_status = found
    if user_id is None or active_status != 0:
        raise unauthorized("The token's user is not active.")
    return user_id, username, bool(is_admin)


def issue_token(ctx: RequestContext, body: dict[str, str]) -> str:
    """Check the credentials and hand out the user's new (and only) token."""
    tenant = ctx.tenant
    api_key = ctx.headers.get("x-api-key", "").strip().lower()
    if not _same(body["privateKey"].strip().lower(), api_key):
        raise unauthorized("The privateKey does not match the x-api-key.")
    user = ctx.session.scalar(
        select(AbsorbUser).where(
            AbsorbUser.tenant == tenant, func.lower(AbsorbUser.username) == body["username"].lower()
        )
    )
    if user is None or user.password is None or not _same(user.password, body["password"]) or user.active_status != 0:
        raise unauthorized("Invalid username or password.")
    now = ctx.now()
    user.last_login_date = now.replace(microsecond=0)  # a login, as the portal records it (inferred)
    token = ctx.new_hex("absorb.token", TOKEN_LENGTH)
    ctx.session.execute(delete(AbsorbToken).where(AbsorbToken.user_id == user.id))
    ctx.session.add(
        AbsorbToken(
            user_id=user.id,
            tenant=tenant,
            token=token,
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=TOKEN_LIFETIME_SECONDS),
        )
    )
    ctx.session.flush()
    return token


def _same(secret: str, given: str) -> bool:
    """Compare secrets in constant time: timing must not reveal how much of a guess was right."""
    return hmac.compare_digest(secret.encode(), given.encode())


def _count_request(ctx: RequestContext, api_key: str) -> None:
    rate = float(ctx.settings.option("absorb", "rate_limit_per_second", DEFAULT_RATE_PER_SECOND))
    burst = int(ctx.settings.option("absorb", "rate_limit_burst", DEFAULT_BURST))
    if rate <= 0 or burst <= 0:
        return
    state = ratelimit.token_bucket(ctx.rate_windows, f"absorb:{api_key}", rate=rate, burst=burst, now=ctx.now())
    if not state.allowed:
        raise ApiError(429, "Too many requests: slow down and retry with exponential back-off.", code="TooManyRequests")
