"""Cloned tenants: fresh credentials for every vendor, isolated records, their own reset."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator

pytestmark = pytest.mark.both_databases

MSP = "/msportal/api/public/v1/training/enrollments"


def _clone(sim: InProcessSimulator, **body: Any) -> dict[str, Any]:
    r = sim.client.post("/_sim/tenants", json={"from": "acme", **body})
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def _msp_headers(clone: dict[str, Any]) -> dict[str, str]:
    full = next(c for c in clone["credentials"] if c["vendor"] == "msportal" and "write" in c["note"])
    return dict(full["values"])


def test_clone_has_its_own_credentials_and_records(lms_sim: InProcessSimulator) -> None:
    clone = _clone(lms_sim)
    assert clone["tenant"] == "acme_1" and clone["clonedFrom"] == "acme"
    assert {c["vendor"] for c in clone["credentials"]} >= {"msportal", "docebo", "skillable"}
    headers = _msp_headers(clone)
    assert headers == {"Authorization": "Bearer msp_acme_1_full"}
    mine = lms_sim.client.get(MSP, params={"limit": 100}, headers=headers).json()
    acme = lms_sim.client.get(MSP, params={"limit": 100}, headers={"Authorization": "Bearer msp_acme_full"}).json()
    assert mine["pagination"]["totalCount"] == acme["pagination"]["totalCount"]
    assert {e["id"] for e in mine["data"]}.isdisjoint({e["id"] for e in acme["data"]})
    assert lms_sim.client.get(f"{MSP}/{acme['data'][0]['id']}", headers=headers).status_code == 404


def test_writes_in_a_clone_stay_there_and_its_reset_rebuilds_it(lms_sim: InProcessSimulator) -> None:
    clone = _clone(lms_sim, name="worker_a")
    headers = _msp_headers(clone)
    target = lms_sim.client.get(MSP, params={"status": "completed", "limit": 1}, headers=headers).json()["data"][0]
    lms_sim.client.patch(f"{MSP}/{target['id']}", json={"status": "in_progress"}, headers=headers).raise_for_status()
    acme_completed = lms_sim.client.get(
        MSP, params={"status": "completed"}, headers={"Authorization": "Bearer msp_acme_full"}
    )
    clone_completed = lms_sim.client.get(MSP, params={"status": "completed"}, headers=headers)
    assert acme_completed.json()["pagination"]["totalCount"] == clone_completed.json()["pagination"]["totalCount"] + 1
    lms_sim.reset(tenant="worker_a")
    assert lms_sim.client.get(f"{MSP}/{target['id']}", headers=headers).json()["data"]["status"] == "completed"


def test_clones_of_every_vendor_authenticate(lms_sim: InProcessSimulator) -> None:
    clone = _clone(lms_sim)
    skillable = next(c["values"] for c in clone["credentials"] if c["vendor"] == "skillable")
    r = lms_sim.client.get("/skillable/SearchClasses", headers=skillable)
    assert r.status_code == 200 and r.json()["Status"] == 0 and r.json()["Results"]
    docebo = next(c["values"] for c in clone["credentials"] if c["vendor"] == "docebo")
    token = lms_sim.client.post(
        "/docebo/oauth2/token", data={"grant_type": "client_credentials", "scope": "api", **docebo}
    )
    assert token.status_code == 200, token.text


def test_clone_errors_and_full_reset(lms_sim: InProcessSimulator) -> None:
    assert lms_sim.client.post("/_sim/tenants", json={"from": "nobody"}).status_code == 404
    _clone(lms_sim, name="dup")
    assert lms_sim.client.post("/_sim/tenants", json={"from": "acme", "name": "dup"}).status_code == 409
    listed = lms_sim.client.get("/_sim/tenants").json()["tenants"]
    assert {"name": "dup", "clonedFrom": "acme"} in listed
    lms_sim.reset()
    assert [t["name"] for t in lms_sim.client.get("/_sim/tenants").json()["tenants"]] == ["acme", "globex"]
    assert lms_sim.client.get(MSP, headers={"Authorization": "Bearer msp_dup_full"}).status_code == 401


def test_a_clone_shares_no_credential_with_its_source(lms_sim: InProcessSimulator) -> None:
    clone = _clone(lms_sim)
    acme = lms_sim.client.get("/_sim/vendors").json()["vendors"]
    source_values = {
        value
        for vendor in acme
        for c in vendor["credentials"]
        if c["tenant"] == "acme"
        for value in c["values"].values()
    }
    shared = {v for c in clone["credentials"] for v in c["values"].values()} & source_values
    # Logins (usernames, passwords) may repeat: what picks the tenant (keys, client ids, tenant ids, secrets) may not.
    scopes = {"api/read", "api/all api/read api/write api/webhooks"}
    assert shared <= {"api.admin", "Passw0rd!", "Learn3r!", "alice.anderson", *scopes}, shared
    learnlink = next(c["values"] for c in clone["credentials"] if c["vendor"] == "learnlink")
    r = lms_sim.client.get("/learnlink/rest/v1/assignments", auth=(learnlink["tenantId"], learnlink["secret"]))
    assert r.status_code == 200 and r.json()
    absorb = next(c["values"] for c in clone["credentials"] if c["vendor"] == "absorb")
    key = absorb["x-api-key"]
    token = lms_sim.client.post(
        "/absorb/authenticate",
        json={"username": "api.admin", "password": "Passw0rd!", "privateKey": key},
        headers={"x-api-key": key, "x-api-version": "2"},
    )
    assert token.status_code == 200, token.text
