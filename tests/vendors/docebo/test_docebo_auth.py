"""OAuth2 token endpoint, bearer checks, expiry on the simulated clock, refresh, rate limit."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from simulator.core import clock
from simulator.vendors.docebo.auth import set_rate_limit_profile

ACME = {"client_id": "acme-client", "client_secret": "acme-secret"}
ADMIN = {"username": "api.admin", "password": "Passw0rd!"}
HEX40 = re.compile(r"^[0-9a-f]{40}$")


def token_request(call: Any, **fields: str) -> Any:
    return call("requestToken", body=fields)


def test_password_grant_returns_docebo_token_shape(call: Any) -> None:
    reply = token_request(call, grant_type="password", scope="api", **ACME, **ADMIN)
    assert reply.status == 200
    body = reply.body
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert HEX40.match(body["access_token"]) and HEX40.match(body["refresh_token"])
    assert (body["expires_in"], body["token_type"], body["scope"]) == (3600, "Bearer", "api")
    assert reply.headers["X-Docebo-Api-Version"] == "1.0.0"


def test_client_credentials_grant_has_no_refresh_token(call: Any) -> None:
    reply = token_request(call, grant_type="client_credentials", **ACME)
    assert reply.status == 200
    assert "refresh_token" not in reply.body
    assert call("listEnrollments", token=reply.body["access_token"]).status == 200


def test_http_basic_client_authentication(call: Any) -> None:
    basic = base64.b64encode(b"acme-client:acme-secret").decode()
    reply = call("requestToken", body={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    assert reply.status == 200


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"grant_type": "password", "client_id": "acme-client", "client_secret": "nope", **ADMIN}, "invalid_client"),
        ({"grant_type": "password", "client_id": "nobody", "client_secret": "x", **ADMIN}, "invalid_client"),
        ({"grant_type": "password", **ACME, "username": "api.admin", "password": "wrong"}, "invalid_grant"),
        ({"grant_type": "password", **ACME, "username": "maria.rossi", "password": ""}, "invalid_request"),
        ({"grant_type": "password", **ACME, "username": "maria.rossi", "password": "x"}, "invalid_grant"),
        ({"grant_type": "authorization_code", **ACME}, "unsupported_grant_type"),
        ({**ACME}, "invalid_request"),
        ({"grant_type": "client_credentials", "scope": "admin", **ACME}, "invalid_scope"),
        ({"grant_type": "refresh_token", "refresh_token": "0" * 40, **ACME}, "invalid_grant"),
    ],
)
def test_token_errors_are_rfc6749_bodies(call: Any, fields: dict[str, str], error: str) -> None:
    reply = call("requestToken", body=fields)
    assert reply.status == 400
    assert reply.body["error"] == error and reply.body["error_description"]


def test_a_globex_user_cannot_log_in_with_the_acme_client(call: Any) -> None:
    # api.admin exists in both tenants with the same password: the client decides the tenant.
    acme = token_request(call, grant_type="password", **ACME, **ADMIN).body["access_token"]
    globex = token_request(
        call, grant_type="password", client_id="globex-client", client_secret="globex-secret", **ADMIN
    )
    acme_users = call("listUsers", token=acme).body["data"]["items"]
    globex_users = call("listUsers", token=globex.body["access_token"]).body["data"]["items"]
    assert {u["email"].split("@")[1] for u in acme_users} == {"acme.example"}
    assert {u["email"].split("@")[1] for u in globex_users} == {"globex.example"}


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer 0123456789abcdef0123456789abcdef01234567", "Basic abc", "bearer"]
)
def test_missing_or_unknown_token_is_401(call: Any, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    reply = call("listEnrollments", headers=headers)
    assert reply.status == 401
    assert reply.body["error"] == "invalid_token"
    assert reply.body["version"] == "1.0.0" and reply.body["message"]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.headers["X-Docebo-Api-Version"] == "1.0.0"


def test_tokens_expire_on_the_simulated_clock(session: Session, call: Any) -> None:
    token = call.token()
    clock.advance(session, 3599)
    assert call("listEnrollments", token=token).status == 200
    clock.advance(session, 1)
    reply = call("listEnrollments", token=token)
    assert reply.status == 401
    assert "expired" in reply.body["error_description"]


def test_a_tenant_clock_expires_only_that_tenants_tokens(session: Session, call: Any) -> None:
    acme, globex = call.token("acme"), call.token("globex")
    clock.advance(session, 7200, scope="globex")
    assert call("listEnrollments", token=acme).status == 200
    assert call("listEnrollments", token=globex).status == 401


def test_refresh_gives_a_new_pair_and_spends_the_old_refresh_token(session: Session, call: Any) -> None:
    first = token_request(call, grant_type="password", **ACME, **ADMIN).body
    clock.advance(session, 4000)  # the access token has expired, the refresh token has not
    assert call("listEnrollments", token=first["access_token"]).status == 401
    second = token_request(call, grant_type="refresh_token", refresh_token=first["refresh_token"], **ACME)
    assert second.status == 200
    assert second.body["access_token"] != first["access_token"]
    assert second.body["refresh_token"] != first["refresh_token"]
    assert call("listEnrollments", token=second.body["access_token"]).status == 200
    again = token_request(call, grant_type="refresh_token", refresh_token=first["refresh_token"], **ACME)
    assert again.status == 400 and again.body["error"] == "invalid_grant"


def test_a_refresh_token_is_bound_to_its_client(call: Any) -> None:
    first = token_request(call, grant_type="password", **ACME, **ADMIN).body
    other = token_request(
        call,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        client_id="globex-client",
        client_secret="globex-secret",
    )
    assert other.status == 400 and other.body["error"] == "invalid_grant"


def test_refresh_tokens_expire_after_14_days(session: Session, call: Any) -> None:
    first = token_request(call, grant_type="password", **ACME, **ADMIN).body
    clock.advance(session, 14 * 24 * 3600)
    reply = token_request(call, grant_type="refresh_token", refresh_token=first["refresh_token"], **ACME)
    assert reply.status == 400 and reply.body["error"] == "invalid_grant"


def test_an_access_token_is_not_a_refresh_token(call: Any) -> None:
    reply = token_request(call, grant_type="refresh_token", refresh_token=call.token(), **ACME)
    assert reply.status == 400 and reply.body["error"] == "invalid_grant"


def test_rate_limit_is_off_by_default(call: Any) -> None:
    token = call.token()
    assert all(call("getCourse", token=token, path_params={"course_id": 101}).status == 200 for _ in range(50))


def test_documented_rate_limit_profile_allows_1000_calls_per_hour(session: Session, call: Any) -> None:
    token = call.token()  # issued before the limit is on: not counted
    set_rate_limit_profile(session, "documented")
    headers = {"X-Forwarded-For": "203.0.113.7"}
    statuses = [
        call("getCourse", token=token, path_params={"course_id": 101}, headers=headers).status for _ in range(1000)
    ]
    assert set(statuses) == {200}
    limited = call("getCourse", token=token, path_params={"course_id": 101}, headers=headers)
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.body["version"] == "1.0.0" and "1000" in limited.body["message"]
    # Another IP has its own budget; the next hour starts afresh.
    assert (
        call(
            "getCourse", token=token, path_params={"course_id": 101}, headers={"X-Forwarded-For": "198.51.100.1"}
        ).status
        == 200
    )
    clock.advance(session, 3600)
    token = call("requestToken", body={"grant_type": "client_credentials", **ACME}, headers=headers).body[
        "access_token"
    ]
    assert call("getCourse", token=token, path_params={"course_id": 101}, headers=headers).status == 200


def test_rate_limit_profile_from_settings(call: Any) -> None:
    call.settings.vendor_options = {"docebo": {"rate_limit": "documented"}}
    token = call.token()
    for _ in range(999):
        call("getCourse", token=token, path_params={"course_id": 101})
    assert call("getCourse", token=token, path_params={"course_id": 101}).status == 429


def test_unknown_rate_limit_profile_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="documented"):
        set_rate_limit_profile(session, "fast")


def learner_token(call: Any) -> str:
    reply = token_request(call, grant_type="password", **ACME, username="maria.rossi", password="Learn3r!")
    assert reply.status == 200
    return str(reply.body["access_token"])


def test_a_learner_token_lists_and_views_only_its_own_enrollments(call: Any) -> None:
    token = learner_token(call)
    mine = call("listEnrollments", token=token).body["data"]["items"]
    assert mine and {i["user_id"] for i in mine} == {12301}
    assert call("listEnrollments", token=token, query={"id_user": [12302]}).body["data"]["items"] == []
    assert call("listEnrollments", token=token, query={"id_user": [12301, 12302]}).body["data"]["items"] == mine
    own = call("getEnrollment", token=token, path_params={"course_id": 101, "user_id": 12301})
    other = call("getEnrollment", token=token, path_params={"course_id": 102, "user_id": 12302})
    assert (own.status, other.status) == (200, 403)


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("updateEnrollments", {"body": {"user_ids": [12301], "course_ids": [101], "status": 2}}),
        ("updateEnrollment", {"body": {"status": 2}, "path_params": {"course_id": 102, "user_id": 12301}}),
        ("enrollUser", {"path_params": {"course_id": 106, "user_id": 12301}}),
        ("unenrollUsers", {"body": {"user_ids": [12301], "course_ids": [101]}}),
        ("listUsers", {}),
        ("getCourse", {"path_params": {"course_id": 101}}),
    ],
)
def test_a_learner_token_cannot_change_or_browse(call: Any, operation: str, kwargs: dict[str, Any]) -> None:
    reply = call(operation, token=learner_token(call), **kwargs)
    assert reply.status == 403
    assert reply.body["version"] == "1.0.0" and "permission" in reply.body["message"]
