"""Docebo's OAuth2 token endpoint (`POST /oauth2/token`): grants and token lookup.

Grants: `password` (client id/secret + username/password), `client_credentials` and
`refresh_token`. Access tokens are opaque 40-hex strings valid 3,600 s on the simulated
clock of the client's tenant. Inferred where Docebo is silent:
- refresh tokens live 14 days (the OAuth2 server library Docebo uses defaults to that)
  and rotate: a refresh returns a new refresh token and the old one stops working;
- `client_credentials` returns no refresh token (RFC 6749 section 4.4.3);
- the client may authenticate with form fields or HTTP Basic;
- failures are RFC 6749 errors with HTTP 400 (`invalid_request`, `invalid_client`,
  `invalid_grant`, `unsupported_grant_type`, `invalid_scope`, `unauthorized_client`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from simulator.core.context import Principal, RequestContext
from simulator.core.store import Statement
from simulator.vendors.docebo.errors import oauth_error
from simulator.vendors.docebo.models import DoceboClient, DoceboToken, DoceboUser

ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 14 * 24 * 3600
SCOPE = "api"
GRANTS = ("password", "client_credentials", "refresh_token")
TOKEN_NAMESPACE = "docebo.token"  # noqa: S105 - an id-counter namespace, not a secret


@dataclass(frozen=True)
class Grant:
    client: DoceboClient
    user_id: int | None
    with_refresh: bool


def _field(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, list):  # a repeated form field: the first one counts
        value = value[0] if value else None
    return value if isinstance(value, str) and value != "" else None


def _required(form: Mapping[str, Any], name: str) -> str:
    value = _field(form, name)
    if value is None:
        raise oauth_error(400, "invalid_request", f'Missing parameter: "{name}" is required')
    return value


def _basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    header = headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _client(session: Session, form: Mapping[str, Any], headers: Mapping[str, str]) -> DoceboClient:
    basic = _basic_credentials(headers)
    client_id, secret = basic if basic else (_field(form, "client_id"), _field(form, "client_secret"))
    if not client_id:
        raise oauth_error(400, "invalid_client", "Client credentials were not found in the headers or body")
    client = session.get(DoceboClient, client_id)
    if client is None or not _same(client.client_secret, secret):
        raise oauth_error(400, "invalid_client", "The client credentials are invalid")
    return client


def _same(secret: str, given: str | None) -> bool:
    """Compare secrets in constant time: timing must not reveal how much of a guess was right."""
    return given is not None and hmac.compare_digest(secret.encode(), given.encode())


def _grant(
    session: Session, ctx: RequestContext, form: Mapping[str, Any], client: DoceboClient, grant_type: str
) -> Grant:
    if grant_type == "password":
        username, password = _required(form, "username"), _required(form, "password")
        user = session.scalar(
            select(DoceboUser).where(DoceboUser.tenant == client.tenant, DoceboUser.username == username)
        )
        if user is None or not user.active or user.password is None or not _same(user.password, password):
            raise oauth_error(400, "invalid_grant", "Invalid username and password combination")
        return Grant(client, user.id, with_refresh=True)
    if grant_type == "client_credentials":
        return Grant(client, None, with_refresh=False)
    presented = _required(form, "refresh_token")
    row = session.get(DoceboToken, presented)
    if row is None or row.kind != "refresh" or row.revoked or row.client_id != client.client_id:
        raise oauth_error(400, "invalid_grant", "Invalid refresh token")
    if row.expires_at <= ctx.now():
        raise oauth_error(400, "invalid_grant", "Refresh token has expired")
    row.revoked = True  # rotation: the presented refresh token is spent
    return Grant(client, row.user_id, with_refresh=True)


def issue(ctx: RequestContext, form: Mapping[str, Any]) -> dict[str, Any]:
    """Handle one token request; returns the token response body."""
    session = ctx.session
    if not isinstance(form, Mapping):
        raise oauth_error(400, "invalid_request", "The request body must be form fields")
    grant_type = _required(form, "grant_type")
    if grant_type not in GRANTS:
        raise oauth_error(400, "unsupported_grant_type", f'Grant type "{grant_type}" not supported')
    client = _client(session, form, ctx.headers)
    if grant_type not in client.grants:
        raise oauth_error(400, "unauthorized_client", "The grant type is unauthorized for this client_id")
    scope = _field(form, "scope")
    if scope is not None and set(scope.split()) - {SCOPE}:
        raise oauth_error(400, "invalid_scope", "An unsupported scope was requested")
    # From here on the tenant is known: read its clock.
    ctx.authenticate_as(Principal(tenant=client.tenant, subject=client.client_id))
    grant = _grant(session, ctx, form, client, grant_type)
    now = ctx.now()
    access = _store(ctx, grant, "access", now, ACCESS_TOKEN_SECONDS)
    body: dict[str, Any] = {
        "access_token": access,
        "expires_in": ACCESS_TOKEN_SECONDS,
        "token_type": "Bearer",
        "scope": SCOPE,
    }
    if grant.with_refresh:
        body["refresh_token"] = _store(ctx, grant, "refresh", now, REFRESH_TOKEN_SECONDS)
    return body


def _store(ctx: RequestContext, grant: Grant, kind: str, now: dt.datetime, seconds: int) -> str:
    token = ctx.new_hex(TOKEN_NAMESPACE, 40)
    ctx.session.add(
        DoceboToken(
            token=token,
            tenant=grant.client.tenant,
            kind=kind,
            client_id=grant.client.client_id,
            user_id=grant.user_id,
            scope=SCOPE,
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=seconds),
        )
    )
    ctx.session.flush()  # the session does not autoflush; later lookups by primary key must see it
    return token


# Every request presents a token: its row and its user in one statement, built once.
_ACCESS = Statement(
    select(
        DoceboToken.tenant,
        DoceboToken.client_id,
        DoceboToken.user_id,
        DoceboToken.scope,
        DoceboToken.expires_at,
        DoceboUser.username,
        DoceboUser.role,
    )
    .outerjoin(DoceboUser, (DoceboUser.tenant == DoceboToken.tenant) & (DoceboUser.id == DoceboToken.user_id))
    .where(DoceboToken.token == bindparam("token"), DoceboToken.kind == "access", DoceboToken.revoked.is_(False))
)


# What a remembered access token says: (tenant, client_id, user_id, scope, expires_at, username, role).
AccessRow = tuple[str, str, int | None, str, dt.datetime, str | None, str | None]


def access_row(ctx: RequestContext, token: str) -> AccessRow | None:
    """The stored facts of an unrevoked access token, remembered by the process until a token
    or a user changes (`credential_tables`); expiry is the caller's to check on every request."""
    return ctx.remember(("docebo.access_token", token), lambda: _ACCESS.first(ctx.store, {"token": token}))


def principal_of(row: AccessRow) -> Principal:
    """Who an access token acts as. A client_credentials token acts as the platform
    (superadmin); a password-grant token has the level of its user (godadmin, poweruser or user).
    Made per request: a principal is the request's own, the remembered row is shared."""
    tenant, client_id, user_id, scope, _, username, role = row
    has_user = user_id is not None and username is not None
    return Principal(
        tenant=tenant,
        subject=username if has_user and username is not None else client_id,
        scopes=frozenset({scope}),
        extra={"client_id": client_id, "user_id": user_id, "role": role if has_user else "godadmin"},
    )
