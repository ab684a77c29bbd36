"""Docebo through the real request pipeline (spec validation, forms, envelopes, clock)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing import harness
from simulator.testing.harness import InProcessSimulator

ACME = {"client_id": "acme-client", "client_secret": "acme-secret"}
ADMIN = {"username": "api.admin", "password": "Passw0rd!"}


def token(sim: InProcessSimulator, **fields: str) -> str:
    form = {"grant_type": "password", "scope": "api", **ACME, **ADMIN, **fields}
    response = sim.client.post(sim.url("docebo", "/oauth2/token"), data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def auth(sim: InProcessSimulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(sim)}"}


def test_token_from_urlencoded_and_multipart_forms(lms_sim: InProcessSimulator) -> None:
    url = lms_sim.url("docebo", "/oauth2/token")
    form = {"grant_type": "password", **ACME, **ADMIN}
    urlencoded = lms_sim.client.post(url, data=form)
    multipart = lms_sim.client.post(url, data=form, files={"scope": (None, "api")})
    assert urlencoded.status_code == multipart.status_code == 200
    assert multipart.headers["content-type"].startswith("application/json")
    assert urlencoded.headers["x-docebo-api-version"] == "1.0.0"
    assert urlencoded.json()["expires_in"] == 3600


def test_token_request_without_grant_type_is_an_oauth_error(lms_sim: InProcessSimulator) -> None:
    response = lms_sim.client.post(lms_sim.url("docebo", "/oauth2/token"), data=ACME)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["x-docebo-api-version"] == "1.0.0"


@pytest.mark.both_databases
def test_token_expires_when_the_admin_api_advances_the_clock(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    url = lms_sim.url("docebo", "/learn/v1/enrollments")
    assert lms_sim.client.get(url, headers=headers).status_code == 200
    lms_sim.advance(seconds=3600)
    response = lms_sim.client.get(url, headers=headers)
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token provided has expired"


@pytest.mark.both_databases
def test_list_accepts_bracketed_array_parameters(lms_sim: InProcessSimulator) -> None:
    url = lms_sim.url("docebo", "/learn/v1/enrollments?id_user[]=12301&id_user[]=12302&status[]=completed")
    response = lms_sim.client.get(url, headers=auth(lms_sim))
    assert response.status_code == 200
    items = response.json()["data"]["items"]
    assert items and {i["user_id"] for i in items} <= {12301, 12302} and {i["status"] for i in items} == {"completed"}


@pytest.mark.parametrize(
    "body",
    [
        {"user_ids": list(range(1, 1002)), "course_ids": [101], "status": 2},
        {"user_ids": [12301], "course_ids": [101], "status": 9},
        {"user_ids": [12301], "course_ids": [101], "date_complete": "2026-02-30 12:00:00"},
        {"user_ids": [12301], "course_ids": [101], "date_complete": "2026-03-14 12:00"},
        {"user_ids": ["12301"], "course_ids": [101]},
        {"user_ids": [0], "course_ids": [101]},
        {"user_ids": [2**63], "course_ids": [101]},
        {"course_ids": [101], "status": 2},
        [],
    ],
)
def test_bad_update_bodies_are_docebo_400s_and_change_nothing(lms_sim: InProcessSimulator, body: Any) -> None:
    headers = auth(lms_sim)
    view = lms_sim.url("docebo", "/learn/v1/enrollments/101/12301")
    before = lms_sim.client.get(view, headers=headers).json()
    response = lms_sim.client.put(lms_sim.url("docebo", "/learn/v1/enrollments"), json=body, headers=headers)
    assert response.status_code == 400
    error = response.json()
    assert error["message"].startswith("Invalid parameters") and error["version"] == "1.0.0" and error["errors"]
    assert response.headers["x-docebo-api-version"] == "1.0.0"
    assert lms_sim.client.get(view, headers=headers).json() == before


def test_malformed_json_and_oversized_bodies(lms_sim: InProcessSimulator) -> None:
    headers = {**auth(lms_sim), "Content-Type": "application/json"}
    url = lms_sim.url("docebo", "/learn/v1/enrollments")
    malformed = lms_sim.client.put(url, content=b'{"user_ids": [1,', headers=headers)
    assert malformed.status_code == 400 and malformed.json()["version"] == "1.0.0"
    huge = lms_sim.client.put(url, content=b"[" + b"1," * 600_000 + b"1]", headers=headers)
    assert huge.status_code == 413 and "message" in huge.json()


@pytest.mark.both_databases
def test_bulk_update_with_1000_users_over_http(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    # The demo users 12301..12322 plus 978 ids nobody has: 1,000 users, reported per pair.
    users = [*range(12301, 12323), *range(900_001, 900_979)]
    response = lms_sim.client.put(
        lms_sim.url("docebo", "/learn/v1/enrollments"),
        json={"user_ids": users, "course_ids": [101], "status": 1},
        headers=headers,
    )
    assert response.status_code == 200
    data = response.json()["data"]
    unknown = [e for e in data["not_updated"] if e["validation_errors"][0]["ids"][0]["messages"] == ["User not found"]]
    assert len(unknown[0]["invalid_enrollments"]) == 978
    assert len(data["updated"]) + sum(len(e["invalid_enrollments"]) for e in data["not_updated"]) == 1000


@pytest.mark.both_databases
def test_enroll_then_view_over_http(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    url = lms_sim.url("docebo", "/learn/v1/enrollments/106/12322")
    assert lms_sim.client.post(url, json={"level": 6}, headers=headers).status_code == 200
    assert lms_sim.client.post(url, headers=headers).status_code == 409
    record = lms_sim.client.get(url, headers=headers).json()["data"]["records"]
    assert (record["status"], record["level"]) == (0, 6)
    listed = lms_sim.client.get(
        lms_sim.url("docebo", "/learn/v1/enrollments?course_id=106&user_id=12322"), headers=headers
    )
    assert [(i["status"], i["level"]) for i in listed.json()["data"]["items"]] == [("subscribed", "instructor")]


@pytest.mark.both_databases
def test_globex_cannot_touch_acme(lms_sim: InProcessSimulator) -> None:
    globex = {"Authorization": f"Bearer {token(lms_sim, client_id='globex-client', client_secret='globex-secret')}"}
    url = lms_sim.url("docebo", "/learn/v1/enrollments/101/12301")
    assert lms_sim.client.delete(url, headers=globex).status_code == 404
    assert lms_sim.client.get(url, headers=auth(lms_sim)).status_code == 200


def test_rate_limit_profile_through_the_server_settings() -> None:
    sim = InProcessSimulator(harness.test_settings(vendor_options={"docebo": {"rate_limit": "documented"}}))
    try:
        headers = auth(sim)  # the token request is call 1 of the hour
        url = sim.url("docebo", "/course/v1/courses/101")
        statuses = [sim.client.get(url, headers=headers).status_code for _ in range(1000)]
        assert statuses.count(200) == 999 and statuses[-1] == 429
        limited = sim.client.get(url, headers=headers)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.headers["x-docebo-api-version"] == "1.0.0"
        sim.advance(seconds=3600)  # a new hour (and the old token has expired)
        assert sim.client.get(url, headers=auth(sim)).status_code == 200
    finally:
        sim.close()


@pytest.mark.both_databases
def test_dates_are_rendered_in_utc_without_fractions_in_the_view_and_the_list(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    one = lms_sim.url("docebo", "/learn/v1/enrollments/101/12301")
    sent = {"date_begin_validity": "2026-03-14T12:00:00.75+02:00", "date_expire_validity": "2026-12-31"}
    assert lms_sim.client.put(one, json=sent, headers=headers).status_code == 200
    record = lms_sim.client.get(one, headers=headers).json()["data"]["records"]
    listed = lms_sim.client.get(
        lms_sim.url("docebo", "/learn/v1/enrollments?id_user[]=12301&course_id[]=101"), headers=headers
    ).json()["data"]["items"][0]
    for shown in (record, listed):
        assert shown["enroll_begin_date"] == "2026-03-14 10:00:00"
        assert shown["enroll_end_date"] == "2026-12-31 00:00:00"
