"""Test controls end to end: fault injection, verification, violations, snapshots."""

from __future__ import annotations

import httpx
import pytest

from simulator.core.pipeline import ConnectionDropped
from simulator.testing.harness import CONTROL_JSON, InProcessSimulator, ServerSimulator, test_settings

BASE = "/msportal/api/public/v1/training"
E1 = f"{BASE}/enrollments/ac040000-0000-4000-8000-000000000001"
FULL = {"Authorization": "Bearer msp_acme_full"}


@pytest.mark.both_databases
def test_minimal_rule_fires_once_in_the_vendor_envelope(lms_sim: InProcessSimulator) -> None:
    rule = lms_sim.fault(
        vendor="msportal", method="GET", path="/api/public/v1/training/enrollments/*", status=503, times=1
    )
    first = lms_sim.client.get(E1, headers=FULL)
    assert first.status_code == 503
    assert (
        set(first.json()) == {"error", "requestId", "details", "code"} and first.json()["code"] == "SERVICE_UNAVAILABLE"
    )
    assert first.headers["Retry-After"] == "1"
    assert lms_sim.client.get(E1, headers=FULL).status_code == 200
    entries = lms_sim.requests(vendor="msportal")
    assert entries[1]["fault"] == f"rule {rule}: error 503" and entries[0]["fault"] is None
    state = lms_sim.client.get(f"/_sim/faults/{rule}").json()
    assert (state["matched"], state["fired"]) == (2, 1)


@pytest.mark.both_databases
def test_path_with_prefix_nth_after_and_operation(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(path="/msportal/api/public/v1/training/courses", nth=2, status=500)
    statuses = [lms_sim.client.get(f"{BASE}/courses", headers=FULL).status_code for _ in range(3)]
    assert statuses == [200, 500, 200]
    lms_sim.clear_faults()
    lms_sim.fault(operationId="getCourse", after=1, status=502)
    course = f"{BASE}/courses/ac030000-0000-4000-8000-000000000001"
    assert [lms_sim.client.get(course, headers=FULL).status_code for _ in range(3)] == [200, 502, 502]
    assert lms_sim.client.get(f"{BASE}/courses", headers=FULL).status_code == 200


def test_error_fault_changes_nothing(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(operationId="updateEnrollment", status=500, times=1)
    assert lms_sim.client.patch(E1, json={"status": "in_progress"}, headers=FULL).status_code == 500
    assert lms_sim.client.get(E1, headers=FULL).json()["data"]["status"] == "completed"


@pytest.mark.both_databases
def test_tenant_scoped_rule(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(tenant="globex", status=504)
    assert lms_sim.client.get(E1, headers=FULL).status_code == 200
    globex = lms_sim.client.get(f"{BASE}/courses", headers={"Authorization": "Bearer msp_globex_full"})
    assert globex.status_code == 504


def test_429_fault_carries_rate_limit_headers(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(vendor="msportal", status=429, retryAfter=30, times=1)
    r = lms_sim.client.get(E1, headers=FULL)
    assert r.status_code == 429 and r.json()["code"] == "RATE_LIMITED"
    assert r.headers["Retry-After"] == "30" and r.headers["X-RateLimit-Remaining"] == "0"


def _fire_pattern(seed: int) -> list[int]:
    sim = InProcessSimulator(test_settings(seed=seed))
    try:
        sim.fault(vendor="msportal", probability=0.5, status=503)
        return [sim.client.get(f"{BASE}/courses", headers=FULL).status_code for _ in range(40)]
    finally:
        sim.close()


def test_probability_is_seeded() -> None:
    first, again, other = _fire_pattern(1), _fire_pattern(1), _fire_pattern(2)
    assert first == again
    assert first != other
    assert 5 < first.count(503) < 35


def test_empty_and_malformed_bodies(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(operationId="getEnrollment", kind="empty", times=1)
    r = lms_sim.client.get(E1, headers=FULL)
    assert r.status_code == 200 and r.content == b""
    lms_sim.fault(operationId="getEnrollment", kind="malformed", times=1)
    r = lms_sim.client.get(E1, headers=FULL)
    assert r.status_code == 200 and r.content.startswith(b'{"data":')
    with pytest.raises(ValueError):
        r.json()


def test_drop_in_process_raises(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(operationId="getEnrollment", kind="drop", times=1)
    with pytest.raises(ConnectionDropped):
        lms_sim.client.get(E1, headers=FULL)
    assert lms_sim.client.get(E1, headers=FULL).status_code == 200


@pytest.mark.both_databases
def test_drop_and_latency_over_a_real_socket(lms_sim_server: ServerSimulator) -> None:
    url = lms_sim_server.url("msportal", E1[len("/msportal") :])
    lms_sim_server.fault(operationId="getEnrollment", kind="drop", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, headers=FULL)
    assert httpx.get(url, headers=FULL).status_code == 200
    lms_sim_server.fault(operationId="getEnrollment", kind="latency", latency={"ms": 50}, times=1)
    r = httpx.get(url, headers=FULL)
    assert r.status_code == 200
    assert lms_sim_server.requests(operation="getEnrollment", limit=1)[0]["fault"].endswith("latency")


def test_fault_rule_validation(lms_sim: InProcessSimulator) -> None:
    for rule in ({}, {"vendor": "msportal"}, {"status": 503, "probability": 2}, {"kind": "explode"}, {"status": 99}):
        assert lms_sim.client.post("/_sim/faults", json=rule).status_code == 400, rule
    assert lms_sim.client.get("/_sim/faults/999").status_code == 404


def test_replace_and_delete_rules(lms_sim: InProcessSimulator) -> None:
    rule = lms_sim.fault(status=500)
    replaced = lms_sim.client.put(f"/_sim/faults/{rule}", json={"vendor": "docebo", "status": 500}).json()
    assert replaced["vendor"] == "docebo" and replaced["matched"] == 0
    assert lms_sim.client.get(E1, headers=FULL).status_code == 200
    assert lms_sim.client.delete(f"/_sim/faults/{rule}", headers=CONTROL_JSON).json() == {"deleted": 1}
    assert lms_sim.client.get("/_sim/faults").json() == {"faults": []}


@pytest.mark.both_databases
def test_verify_counts_and_near_misses(lms_sim: InProcessSimulator) -> None:
    lms_sim.client.patch(E1, json={"status": "in_progress"}, headers=FULL)
    lms_sim.client.patch(E1, json={"progress": 30}, headers=FULL)
    lms_sim.assert_called(vendor="msportal", operation_id="updateEnrollment", count=2)
    lms_sim.assert_called(method="patch", path="/api/public/v1/training/enrollments/*", body={"progress": 30}, count=1)
    lms_sim.assert_not_called(operation_id="bulkEnrollUsers")
    result = lms_sim.verify(operation_id="updateEnrollment", body={"status": "completed"}, count=1)
    assert result["holds"] is False and result["matched"] == 0
    differences = [m["differences"] for m in result["nearMisses"]]
    assert ["body.status: 'in_progress' != 'completed'"] in differences
    assert ["body.status: None != 'completed'"] in differences
    with pytest.raises(AssertionError, match="near miss"):
        lms_sim.assert_called(operation_id="updateEnrollment", body={"status": "completed"})


def test_violations_and_assert_no_violations(lms_sim: InProcessSimulator) -> None:
    lms_sim.assert_no_violations()
    lms_sim.client.patch(E1, json={"progress": 140}, headers=FULL)
    lms_sim.client.get(f"{BASE}/courses", params={"pagesize": 3}, headers=FULL)
    errors = lms_sim.violations(severity="error")
    assert [(v["operationId"], v["location"]) for v in errors] == [("updateEnrollment", "body.progress")]
    assert lms_sim.violations(severity="warning")[0]["location"] == "query.pagesize"
    assert lms_sim.violations(vendor="docebo") == []
    with pytest.raises(AssertionError, match=r"body\.progress"):
        lms_sim.assert_no_violations(vendor="msportal")


def test_lax_contract_mode_serves_and_records() -> None:
    sim = InProcessSimulator(test_settings(contract_mode="lax"))
    try:
        r = sim.client.get(f"{BASE}/courses", params={"limit": 5, "page": "x"}, headers=FULL)
        assert r.status_code == 200
        assert sim.violations(severity="error")[0]["location"] == "query.page"
    finally:
        sim.close()


@pytest.mark.both_databases
def test_snapshots_save_restore_and_survive_reset(lms_sim: InProcessSimulator) -> None:
    lms_sim.client.patch(E1, json={"status": "in_progress"}, headers=FULL)
    lms_sim.snapshot("midway")
    lms_sim.client.patch(E1, json={"progress": 77}, headers=FULL)
    lms_sim.restore("midway")
    data = lms_sim.client.get(E1, headers=FULL).json()["data"]
    assert data["status"] == "in_progress" and data["progress"] == 100
    lms_sim.reset()
    listed = lms_sim.client.get("/_sim/snapshots").json()["snapshots"]
    assert [s["name"] for s in listed] == ["midway"] and listed[0]["bytes"] > 0
    lms_sim.restore("midway")
    assert lms_sim.client.get(E1, headers=FULL).json()["data"]["status"] == "in_progress"
    assert lms_sim.client.post("/_sim/snapshots/nope/restore", headers=CONTROL_JSON).status_code == 404
    assert lms_sim.client.delete("/_sim/snapshots/midway", headers=CONTROL_JSON).json() == {"deleted": "midway"}
    assert lms_sim.client.post("/_sim/snapshots/__fixtures__/restore", headers=CONTROL_JSON).status_code == 400
