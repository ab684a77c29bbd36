"""MSPortal training operations through the in-process app."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator

BASE = "/msportal/api/public/v1/training"
FULL = {"Authorization": "Bearer msp_acme_full"}
READ = {"Authorization": "Bearer msp_acme_read"}
GLOBEX = {"Authorization": "Bearer msp_globex_full"}
E1 = "ac040000-0000-4000-8000-000000000001"  # completed, course 1 (passing score 80), score 92
COURSE1 = "ac030000-0000-4000-8000-000000000001"


def _enrollment(sim: InProcessSimulator, enrollment_id: str, headers: dict[str, str] = FULL) -> dict[str, Any]:
    r = sim.client.get(f"{BASE}/enrollments/{enrollment_id}", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _first(sim: InProcessSimulator, status: str) -> dict[str, Any]:
    r = sim.client.get(f"{BASE}/enrollments", params={"status": status, "limit": 1}, headers=FULL)
    item: dict[str, Any] = r.json()["data"][0]
    return item


def test_auth_is_required_and_checked(lms_sim: InProcessSimulator) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic msp_acme_full"}):
        r = lms_sim.client.get(f"{BASE}/enrollments/{E1}", headers=headers)
        assert r.status_code == 401
        body = r.json()
        assert body["code"] == "UNAUTHORIZED" and set(body) == {"error", "requestId", "details", "code"}
        assert r.headers["X-Request-Id"] == body["requestId"]


def test_read_only_key_cannot_write(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"progress": 10}, headers=READ)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    assert lms_sim.client.get(f"{BASE}/enrollments/{E1}", headers=READ).status_code == 200


@pytest.mark.both_databases
def test_tenants_never_see_each_other(lms_sim: InProcessSimulator) -> None:
    assert lms_sim.client.get(f"{BASE}/enrollments/{E1}", headers=GLOBEX).status_code == 404
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"progress": 1}, headers=GLOBEX)
    assert r.status_code == 404
    ids = {
        e["id"] for e in lms_sim.client.get(f"{BASE}/enrollments", params={"limit": 100}, headers=GLOBEX).json()["data"]
    }
    assert ids and all(i.startswith("6b04") for i in ids)


def test_request_id_is_echoed_and_rate_headers_present(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.get(f"{BASE}/courses", headers={**FULL, "X-Request-Id": "trace-123"})
    assert r.headers["X-Request-Id"] == "trace-123"
    assert r.headers["X-RateLimit-Limit"] == "600"
    assert int(r.headers["X-RateLimit-Remaining"]) == 599
    assert r.headers["X-RateLimit-Reset"].endswith("Z")


def test_rate_limit_counts_on_the_simulated_clock() -> None:
    from simulator.testing.harness import test_settings

    sim = InProcessSimulator(test_settings(vendor_options={"msportal": {"rate_limit_per_minute": 3}}))
    try:
        statuses = [sim.client.get(f"{BASE}/courses", headers=FULL).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        r = sim.client.get(f"{BASE}/courses", headers=FULL)
        assert r.json()["code"] == "RATE_LIMITED" and r.headers["X-RateLimit-Remaining"] == "0"
        assert int(r.headers["Retry-After"]) >= 1
        assert sim.client.get(f"{BASE}/courses", headers=READ).status_code == 200  # another key, another budget
        sim.advance(60)
        assert sim.client.get(f"{BASE}/courses", headers=FULL).status_code == 200
    finally:
        sim.close()


@pytest.mark.both_databases
def test_progress_starts_and_completion_issues_certificate(lms_sim: InProcessSimulator) -> None:
    enrollment = _first(lms_sim, "not_started")
    assert enrollment["startedAt"] is None
    now = lms_sim.now()
    r = lms_sim.client.patch(f"{BASE}/enrollments/{enrollment['id']}", json={"progress": 40}, headers=FULL)
    data = r.json()["data"]
    assert data["status"] == "not_started" and data["progress"] == 40 and data["startedAt"] is not None
    r = lms_sim.client.patch(
        f"{BASE}/enrollments/{enrollment['id']}", json={"status": "completed", "score": 95}, headers=FULL
    )
    data = r.json()["data"]
    assert data["status"] == "completed" and data["progress"] == 100
    assert data["completedAt"] is not None and data["completedAt"].startswith(now.strftime("%Y-%m-%dT%H:%M"))
    certs = lms_sim.client.get(
        f"{BASE}/certificates", params={"userId": data["user"]["id"], "limit": 100}, headers=FULL
    ).json()["data"]
    cert = next(c for c in certs if c["enrollmentId"] == enrollment["id"])
    assert cert["id"] == data["certificateId"] and cert["isRevoked"] is False


def test_failing_score_gives_no_certificate(lms_sim: InProcessSimulator) -> None:
    enrollment = next(
        e
        for e in lms_sim.client.get(
            f"{BASE}/enrollments", params={"courseId": COURSE1, "status": "in_progress"}, headers=FULL
        ).json()["data"]
    )
    r = lms_sim.client.patch(
        f"{BASE}/enrollments/{enrollment['id']}", json={"status": "completed", "score": 79}, headers=FULL
    )
    assert r.json()["data"]["certificateId"] is None


@pytest.mark.both_databases
def test_leaving_completed_revokes_certificate(lms_sim: InProcessSimulator) -> None:
    before = _enrollment(lms_sim, E1)
    assert before["certificateId"]
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"status": "in_progress"}, headers=FULL)
    after = r.json()["data"]
    assert after["completedAt"] is None and after["certificateId"] is None
    listed = lms_sim.client.get(
        f"{BASE}/certificates", params={"includeRevoked": "true", "limit": 100}, headers=FULL
    ).json()["data"]
    revoked = next(c for c in listed if c["id"] == before["certificateId"])
    assert revoked["isRevoked"] is True and revoked["revokedAt"] and revoked["revokedReason"]
    active = lms_sim.client.get(f"{BASE}/certificates", params={"limit": 100}, headers=FULL).json()["data"]
    assert before["certificateId"] not in {c["id"] for c in active}


def test_certificate_expiry_follows_course(lms_sim: InProcessSimulator) -> None:
    certs = lms_sim.client.get(f"{BASE}/certificates", params={"courseId": COURSE1}, headers=FULL).json()["data"]
    from simulator.core.clock import parse_instant

    for cert in certs:
        assert (parse_instant(cert["expiresAt"]) - parse_instant(cert["issuedAt"])).days == 365


def test_due_date_set_and_cleared(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"dueDate": "2027-03-01T12:00:00Z"}, headers=FULL)
    assert r.json()["data"]["dueDate"] == "2027-03-01T12:00:00.000Z"
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"dueDate": None}, headers=FULL)
    assert r.json()["data"]["dueDate"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"progress": 101},
        {"progress": -1},
        {"score": 100.5},
        {"status": "done"},
        {"dueDate": "tomorrow"},
        {"progress": "50"},
    ],
)
def test_invalid_updates_are_400_and_change_nothing(lms_sim: InProcessSimulator, body: dict[str, Any]) -> None:
    before = _enrollment(lms_sim, E1)
    r = lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json=body, headers=FULL)
    assert r.status_code == 400
    assert r.json()["code"] == "VALIDATION_ERROR" and r.json()["details"]
    assert _enrollment(lms_sim, E1) == before


def test_malformed_json_and_unknown_ids(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.patch(
        f"{BASE}/enrollments/{E1}", content=b"{not json", headers={**FULL, "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and "malformed JSON" in str(r.json()["details"])
    assert lms_sim.client.get(f"{BASE}/enrollments/not-a-uuid", headers=FULL).status_code == 400
    r = lms_sim.client.get(f"{BASE}/enrollments/00000000-0000-4000-8000-000000000000", headers=FULL)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


def test_oversized_body_is_413(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.patch(
        f"{BASE}/enrollments/{E1}",
        content=b"[" + b"1," * 600_000 + b"1]",
        headers={**FULL, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.both_databases
def test_bulk_enroll_skips_existing_and_rejects_unknown(lms_sim: InProcessSimulator) -> None:
    new_user, enrolled_user = "ac020000-0000-4000-8000-000000000021", "ac020000-0000-4000-8000-000000000001"
    body = {"courseId": COURSE1, "userIds": [new_user, enrolled_user, new_user], "dueDate": "2027-01-31T00:00:00Z"}
    r = lms_sim.client.post(f"{BASE}/enrollments/bulk", json=body, headers=FULL)
    assert r.status_code == 201 and r.json() == {"data": {"enrolled": 1, "skipped": 1, "total": 2}}
    again = lms_sim.client.post(f"{BASE}/enrollments/bulk", json=body, headers=FULL)
    assert again.json() == {"data": {"enrolled": 0, "skipped": 2, "total": 2}}
    listed = lms_sim.client.get(
        f"{BASE}/enrollments", params={"userId": new_user, "courseId": COURSE1}, headers=FULL
    ).json()
    assert listed["pagination"]["totalCount"] == 1 and listed["data"][0]["status"] == "not_started"
    bad = {"courseId": COURSE1, "userIds": [new_user, "00000000-0000-4000-8000-000000000099"]}
    r = lms_sim.client.post(f"{BASE}/enrollments/bulk", json=bad, headers=FULL)
    assert r.status_code == 404 and r.json()["details"] == {"userIds": ["00000000-0000-4000-8000-000000000099"]}
    too_many = {"courseId": COURSE1, "userIds": [new_user] * 101}
    assert lms_sim.client.post(f"{BASE}/enrollments/bulk", json=too_many, headers=FULL).status_code == 400


@pytest.mark.both_databases
def test_pagination_envelope(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.get(f"{BASE}/enrollments", params={"limit": 10, "page": 2}, headers=FULL).json()
    p = r["pagination"]
    assert p["page"] == 2 and p["limit"] == 10 and len(r["data"]) == 10
    assert p["totalPages"] == -(-p["totalCount"] // 10) and p["hasPrevPage"] and p["hasNextPage"]
    assert lms_sim.client.get(f"{BASE}/enrollments", params={"limit": 101}, headers=FULL).status_code == 400
    assert lms_sim.client.get(f"{BASE}/enrollments", params={"page": 0}, headers=FULL).status_code == 400


def test_update_course(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.patch(
        f"{BASE}/courses/{COURSE1}", json={"title": "Security 2027", "courseCategory": None}, headers=FULL
    )
    data = r.json()["data"]
    assert r.status_code == 200 and data["title"] == "Security 2027" and data["courseCategory"] is None
    assert data["enrollmentCount"] > 0
    assert lms_sim.client.patch(f"{BASE}/courses/{COURSE1}", json={"title": ""}, headers=FULL).status_code == 400
    r = lms_sim.client.patch(
        f"{BASE}/courses/{COURSE1}", json={"companyId": "6b010000-0000-4000-8000-000000000001"}, headers=FULL
    )
    assert r.status_code == 404  # globex's company is not acme's


def test_unsupported_method_is_405_with_allow(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.delete(f"{BASE}/enrollments/{E1}", headers=FULL)
    assert r.status_code == 405 and "PATCH" in r.headers["Allow"] and r.json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.both_databases
def test_journal_records_and_redacts(lms_sim: InProcessSimulator) -> None:
    lms_sim.client.patch(f"{BASE}/enrollments/{E1}", json={"progress": 500}, headers=FULL)
    entry = lms_sim.requests(vendor="msportal", limit=1)[0]
    assert entry["operationId"] == "updateEnrollment" and entry["status"] == 400 and entry["tenant"] == "acme"
    assert entry["requestHeaders"]["authorization"] == "***"
    assert entry["violations"][0]["location"] == "body.progress"
    lms_sim.client.get(f"{BASE}/courses", params={"pageSize": 5}, headers=FULL)
    warning = lms_sim.requests(vendor="msportal", limit=1)[0]["violations"]
    assert warning == [
        {"location": "query.pageSize", "message": "unknown query parameter (ignored)", "severity": "warning"}
    ]
