"""The admin token, for the dashboard as for `/_sim`.

With `--admin-token T` the page and its data need the token too. A browser cannot add a
header to a page load, so the page shows a login form; a correct token starts a session:
a random value per sign-in, in an HttpOnly, SameSite=Strict cookie (`Secure` when served
over TLS). The server keeps only a digest of it, with its expiry, in the database (so every
worker knows it); signing out deletes it, and it ends by itself after `SESSION_SECONDS` of
real time (the simulated clock moves whole years; a sign-in should not). The page then
carries the token in a <meta> tag for its own script, which sends it as
`Authorization: Bearer T` to `/_sim` exactly like any other client. Dashboard data calls
accept either the session cookie or that header.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from simulator.core import clock, ids
from simulator.core.db import Database
from simulator.core.models import MetaRow

COOKIE = "lms_sim_dashboard"
SESSION_SECONDS = 12 * 3600
SESSION_KEY_PREFIX = "dashboard:"  # + a digest of the session value (never the value itself)


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def _key(value: str) -> str:
    return SESSION_KEY_PREFIX + hashlib.sha256(value.encode()).hexdigest()[:40]


class DashboardAccess:
    def __init__(self, db: Database, token: str | None) -> None:
        self.db = db
        self.token = token

    def authorized(self, request: Request) -> bool:
        if not self.token:
            return True
        header = request.headers.get("authorization", "")
        if token_matches(header, f"Bearer {self.token}"):
            return True
        value = request.cookies.get(COOKIE)
        if not value:
            return False
        with self.db.transaction() as session:
            row = session.get(MetaRow, _key(value))
            return row is not None and float(row.value["expires"]) > clock.wall_now().timestamp()

    def sign_in(self, request: Request, response: Response) -> None:
        value = ids.unguessable_token()
        now = clock.wall_now().timestamp()
        with self.db.transaction() as session:
            _forget_expired(session, now)
            session.add(MetaRow(key=_key(value), value={"expires": now + SESSION_SECONDS}))
        response.set_cookie(
            COOKIE,
            value,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    def sign_out(self, request: Request, response: Response) -> None:
        value = request.cookies.get(COOKIE)
        if value:
            with self.db.transaction() as session:
                session.execute(delete(MetaRow).where(MetaRow.key == _key(value)))
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")


def _forget_expired(session: Session, now: float) -> None:
    rows = session.scalars(select(MetaRow).where(MetaRow.key.startswith(SESSION_KEY_PREFIX)))
    for row in rows:
        if float(row.value["expires"]) <= now:
            session.delete(row)
