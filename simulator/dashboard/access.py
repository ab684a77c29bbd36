"""The admin token, for the dashboard as for `/_sim`.

With `--admin-token T` the page and its data need the token too. A browser cannot add a
header to a page load, so the page shows a login form; a correct token sets an HttpOnly,
SameSite=Strict cookie holding a digest of the token (never the token itself). The page
then carries the token in a <meta> tag for its own script, which sends it as
`Authorization: Bearer T` to `/_sim` exactly like any other client. Dashboard data calls
accept either the cookie or that header.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "lms_sim_dashboard"


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"lms-sim dashboard session", hashlib.sha256).hexdigest()


def authorized(request: Request, token: str | None) -> bool:
    if not token:
        return True
    header = request.headers.get("authorization", "")
    if hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), session_value(token).encode())


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def sign_in(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict", path="/")


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
