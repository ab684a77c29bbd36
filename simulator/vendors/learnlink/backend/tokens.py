"""Learn.link credentials: API secrets (HTTP Basic) and OAuth2 client-credentials tokens."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Statement, Store
from simulator.vendors.learnlink.models import LearnlinkCredential, LearnlinkToken

TOKEN_LIFETIME_SECONDS = 3600  # docs: tokens last one hour
API_SCOPES = ("api/all", "api/read", "api/write")
WEBHOOK_SCOPES = ("api/webhooks",)
ALL_SCOPES = (*API_SCOPES, *WEBHOOK_SCOPES)
TOKEN_IDS = "learnlink.token"  # noqa: S105 - an id namespace, not a secret


def find_credential(session: Session, tenant_id: str, secret: str) -> LearnlinkCredential | None:
    """The credential of `tenant_id` whose secret is `secret` (compared in constant time)."""
    rows = session.scalars(select(LearnlinkCredential).where(LearnlinkCredential.tenant_id == tenant_id))
    found = None
    for row in rows:
        if same_secret(row.secret, secret):
            found = row
    return found


def same_secret(stored: str, given: str) -> bool:
    """Constant time: how long the check takes says nothing about how much of a guess was right."""
    return hmac.compare_digest(stored.encode(), given.encode())


def granted_scopes(credential: LearnlinkCredential, requested: Iterable[str] | None) -> list[str]:
    """The scopes a token gets: the requested ones (each must be allowed), or all allowed ones."""
    allowed = list(credential.scopes)
    if requested is None:
        return allowed
    wanted = list(dict.fromkeys(requested))
    refused = [s for s in wanted if s not in allowed]
    if refused:
        raise ApiError(400, f"invalid_scope: {' '.join(refused)} not allowed for this client", code="invalid_scope")
    return wanted


def issue(session: Session, credential: LearnlinkCredential, scopes: list[str], now: dt.datetime) -> LearnlinkToken:
    # Expired tokens are useless; drop this tenant's so the table does not grow without bound.
    session.execute(
        delete(LearnlinkToken).where(LearnlinkToken.tenant == credential.tenant, LearnlinkToken.expires_at <= now)
    )
    row = LearnlinkToken(
        tenant=credential.tenant,
        token=ids.new_hex(session, TOKEN_IDS, 64),
        tenant_id=credential.tenant_id,
        scopes=" ".join(scopes),
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=TOKEN_LIFETIME_SECONDS),
    )
    session.add(row)
    session.flush()
    return row


# Every API call authenticates one of these two ways: both lookups are built once and read
# plain rows rather than ORM objects.
_SECRETS = Statement(
    select(LearnlinkCredential.tenant, LearnlinkCredential.secret, LearnlinkCredential.scopes).where(
        LearnlinkCredential.tenant_id == bindparam("tenant_id")
    )
)
_TOKEN = Statement(
    select(LearnlinkToken.tenant, LearnlinkToken.tenant_id, LearnlinkToken.scopes, LearnlinkToken.expires_at).where(
        LearnlinkToken.token == bindparam("token")
    )
)


Source = Store | Session


def basic_caller(source: Source, tenant_id: str, secret: str) -> tuple[str, frozenset[str]] | None:
    """(tenant, scopes) of the credential of `tenant_id` whose secret is `secret` (constant time)."""
    found = None
    for tenant, stored, scopes in _SECRETS.rows(source, {"tenant_id": tenant_id}):
        if same_secret(stored, secret):
            found = (tenant, frozenset(scopes))
    return found


def bearer_caller(source: Source, token: str) -> tuple[str, str, frozenset[str], dt.datetime] | None:
    """(tenant, Tenant ID, scopes, expiry) of an issued token."""
    if len(token) > 128:
        return None
    found = _TOKEN.rows(source, {"token": token})
    if not found:
        return None
    tenant, tenant_id, scopes, expires_at = found[0]
    return tenant, tenant_id, frozenset(scopes.split()), expires_at
