"""The control API: health, clock, journal, reset and fixture loading."""

from __future__ import annotations

import datetime as dt
from typing import Any

from simulator.testing.harness import CONTROL_JSON, InProcessSimulator

ENROLLMENT = "/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"
FULL = {"Authorization": "Bearer msp_acme_full"}


def test_health_and_vendors(lms_sim: InProcessSimulator) -> None:
    health = lms_sim.client.get("/_sim/health").json()
    assert health["status"] == "ok" and "msportal" in health["vendors"] and health["tenants"] == ["acme", "globex"]
    vendors = {v["name"]: v for v in lms_sim.client.get("/_sim/vendors").json()["vendors"]}
    msportal = vendors["msportal"]
    assert msportal["baseUrl"] == "http://testserver/msportal"
    assert {
        "tenant": "acme",
        "kind": "api key",
        "values": {"Authorization": "Bearer msp_acme_read"},
        "note": "training:read",
    } in msportal["credentials"]


def test_clock_freeze_set_and_advance(lms_sim: InProcessSimulator) -> None:
    clock = lms_sim.client.get("/_sim/clock").json()
    assert clock["frozen"] is True
    start = lms_sim.now()
    assert lms_sim.advance(duration="P30D") == start + dt.timedelta(days=30)
    assert lms_sim.advance(3600) == start + dt.timedelta(days=30, hours=1)
    target = start + dt.timedelta(days=400)
    assert lms_sim.set_clock(target) == target
    r = lms_sim.client.put("/_sim/clock", json={"now": (start - dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert lms_sim.now() == target
    for body in ({"seconds": -5}, {"duration": "soon"}, {}, {"seconds": 1, "duration": "P1D"}, {"seconds": "x"}):
        assert lms_sim.client.post("/_sim/clock/advance", json=body).status_code == 400, body


def test_tenant_clock_moves_alone(lms_sim: InProcessSimulator) -> None:
    start = lms_sim.now()
    lms_sim.advance(days=10, tenant="acme")
    assert lms_sim.now("acme") == start + dt.timedelta(days=10)
    assert lms_sim.now("globex") == start and lms_sim.now() == start
    assert lms_sim.client.get("/_sim/clock", params={"tenant": "nobody"}).status_code == 404


def test_journal_filters_and_clear(lms_sim: InProcessSimulator) -> None:
    lms_sim.client.get(ENROLLMENT, headers=FULL)
    lms_sim.client.get(ENROLLMENT)
    assert [e["status"] for e in lms_sim.requests(vendor="msportal")] == [401, 200]
    body = lms_sim.client.get("/_sim/requests", params={"status": 401}).json()
    assert body["total"] == 1 and body["requests"][0]["tenant"] is None
    assert lms_sim.client.get("/_sim/requests", params={"operation": "getEnrollment", "limit": 1}).json()["total"] == 2
    assert lms_sim.client.delete("/_sim/requests", headers=CONTROL_JSON).json() == {"deleted": 2}
    assert lms_sim.requests() == []
    assert lms_sim.client.get("/_sim/requests", params={"limit": 0}).status_code == 400


def test_reset_restores_fixtures_and_clock(lms_sim: InProcessSimulator) -> None:
    original = lms_sim.client.get(ENROLLMENT, headers=FULL).json()["data"]
    lms_sim.client.patch(ENROLLMENT, json={"status": "in_progress"}, headers=FULL)
    lms_sim.advance(days=3)
    lms_sim.reset()
    assert lms_sim.client.get(ENROLLMENT, headers=FULL).json()["data"]["status"] == original["status"]
    assert lms_sim.requests() == [lms_sim.requests()[0]]  # only the GET just made


def test_tenant_reset_leaves_other_tenants(lms_sim: InProcessSimulator) -> None:
    globex = "/msportal/api/public/v1/training/enrollments/6b040000-0000-4000-8000-000000000001"
    gx = {"Authorization": "Bearer msp_globex_full"}
    lms_sim.client.patch(ENROLLMENT, json={"status": "in_progress"}, headers=FULL)
    lms_sim.client.patch(globex, json={"status": "in_progress"}, headers=gx)
    assert lms_sim.client.post("/_sim/reset", params={"tenant": "acme"}, headers=CONTROL_JSON).json() == {
        "reset": "acme"
    }
    assert lms_sim.client.get(ENROLLMENT, headers=FULL).json()["data"]["status"] == "completed"
    assert lms_sim.client.get(globex, headers=gx).json()["data"]["status"] == "in_progress"


def _doc(**msportal: Any) -> dict[str, Any]:
    return {
        "tenants": {
            "sandbox": {"msportal": {"apiKeys": [{"key": "msp_sandbox", "scopes": ["training:read"]}], **msportal}}
        }
    }


def test_load_fixtures_replace_and_merge(lms_sim: InProcessSimulator) -> None:
    assert lms_sim.load_fixtures(_doc(), mode="merge") == ["sandbox"]
    sandbox = {"Authorization": "Bearer msp_sandbox"}
    assert lms_sim.client.get("/msportal/api/public/v1/training/courses", headers=sandbox).json()["data"] == []
    assert lms_sim.client.get(ENROLLMENT, headers=FULL).status_code == 200  # acme kept
    lms_sim.load_fixtures(_doc())
    assert lms_sim.client.get(ENROLLMENT, headers=FULL).status_code == 401  # acme gone
    assert lms_sim.client.get("/_sim/health").json()["tenants"] == ["sandbox"]


def test_invalid_fixture_names_the_field_and_loads_nothing(lms_sim: InProcessSimulator) -> None:
    bad = _doc(
        users=[{"id": "u1", "fullName": "A", "email": "a@x"}],
        enrollments=[{"id": "e1", "courseId": "nope", "userId": "u1", "status": "completed"}],
    )
    r = lms_sim.client.post("/_sim/fixtures", json=bad)
    assert r.status_code == 400
    assert r.json()["details"]["field"] == "tenants.sandbox.msportal.enrollments[0].courseId"
    assert lms_sim.client.get("/_sim/health").json()["tenants"] == ["acme", "globex"]
    assert lms_sim.client.get(ENROLLMENT, headers=FULL).status_code == 200
    r = lms_sim.client.post("/_sim/fixtures", json={"tenants": {"x": {"nosuchvendor": {}}}})
    assert r.status_code == 400 and "unknown vendor" in r.json()["error"]


def test_served_spec_points_at_the_simulator(lms_sim: InProcessSimulator) -> None:
    spec = lms_sim.client.get("/msportal/openapi.json").json()
    assert spec["servers"][0]["url"] == "http://testserver/msportal"
    assert lms_sim.client.get("/_sim/openapi.json").json()["servers"][0]["url"] == "http://testserver/_sim"


def test_admin_token_protects_the_control_api() -> None:
    from simulator.testing.harness import test_settings

    sim = InProcessSimulator(test_settings(admin_token="s3cret"), frozen=False)
    try:
        assert sim.client.get("/_sim/health").status_code == 401
        assert sim.client.get("/_sim/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert sim.client.get("/_sim/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    finally:
        sim.close()


def test_rate_limit_profile_switch(lms_sim: InProcessSimulator) -> None:
    r = lms_sim.client.put("/_sim/vendors/docebo/rate-limit", json={"profile": "documented"})
    assert r.status_code == 200 and r.json()["profile"] == "documented"
    assert lms_sim.client.put("/_sim/vendors/docebo/rate-limit", json={"profile": "turbo"}).status_code == 400
    assert lms_sim.client.put("/_sim/vendors/msportal/rate-limit", json={"profile": "off"}).status_code == 404
    token = lms_sim.auth_headers("docebo")
    r = lms_sim.client.get("/docebo/learn/v1/enrollments", headers=token)
    assert r.status_code == 200
