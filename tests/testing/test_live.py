"""The session's shared live server is as new before every test; tenant clones; async and url()."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from simulator.testing import InProcessSimulator, ServerSimulator, TenantClone
from simulator.testing.live import SharedServer

ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
AUTH = {"Authorization": "Bearer msp_acme_full"}


@pytest.fixture(scope="module")
def shared() -> Iterator[SharedServer]:
    server = SharedServer()
    yield server
    server.close()


def test_each_test_gets_the_server_as_it_started(shared: SharedServer) -> None:
    sim = shared.fresh()
    url = sim.url("msportal", ENROLLMENT)
    start = sim.now()
    original = httpx.get(url, headers=AUTH).json()["data"]["status"]
    # A test changes everything it can: a record, a clone, the clock, a fault, the journal.
    assert httpx.patch(url, json={"status": "completed"}, headers=AUTH).status_code == 200
    sim.admin("POST", "/tenants", json={"from": "acme"})
    sim.advance(days=3)
    sim.fault(vendor="msportal", status=503)

    sim = shared.fresh()  # the next test
    # The demo fixtures' clock is real time: it starts again at wall time, as on a fresh start, frozen.
    assert start <= sim.now() < start + dt.timedelta(hours=1)
    assert sim.admin("GET", "/clock")["frozen"] is True
    assert sim.requests() == []
    assert [t["name"] for t in sim.admin("GET", "/tenants")["tenants"]] == ["acme", "globex"]
    assert sim.admin("GET", "/faults")["faults"] == []
    assert httpx.get(url, headers=AUTH).json()["data"]["status"] == original


def test_the_fixture_serves_the_session_server(
    lms_sim_live: ServerSimulator, lms_sim_shared_server: SharedServer
) -> None:
    assert lms_sim_live is lms_sim_shared_server.sim
    assert lms_sim_live.requests() == []  # restored, whatever ran before
    assert httpx.get(lms_sim_live.url("msportal", ENROLLMENT), headers=AUTH).status_code == 200


def test_a_tenant_clone_has_credentials_of_its_own(lms_sim_tenant: TenantClone, lms_sim_live: ServerSimulator) -> None:
    assert lms_sim_tenant.cloned_from == "acme" and lms_sim_tenant.name != "acme"
    own = lms_sim_tenant.credential("msportal")
    listed = httpx.get(lms_sim_live.url("msportal", "/api/public/v1/training/enrollments"), headers=own)
    assert listed.status_code == 200
    assert lms_sim_live.requests(tenant=lms_sim_tenant.name, vendor="msportal")[0]["status"] == 200


def test_url_is_absolute_in_process_and_live(lms_sim: InProcessSimulator, lms_sim_live: ServerSimulator) -> None:
    for sim in (lms_sim, lms_sim_live):
        url = httpx.URL(sim.url("msportal", ENROLLMENT))
        assert url.is_absolute_url and url.path == f"/msportal{ENROLLMENT}"
        assert sim.base_url("msportal") + ENROLLMENT == str(url)


@pytest.mark.parametrize("kind", ["in-process", "live"])
def test_async_client_in_process_and_live(
    kind: str, lms_sim: InProcessSimulator, lms_sim_live: ServerSimulator
) -> None:
    sim = lms_sim if kind == "in-process" else lms_sim_live

    async def flow() -> tuple[int, str]:
        async with sim.async_client() as client:
            changed = await client.patch(sim.url("msportal", ENROLLMENT), json={"status": "in_progress"}, headers=AUTH)
            read = await asyncio.gather(*(client.get(sim.url("msportal", ENROLLMENT), headers=AUTH) for _ in range(5)))
            return changed.status_code, read[-1].json()["data"]["status"]

    assert asyncio.run(flow()) == (200, "in_progress")
    sim.assert_called(vendor="msportal", method="GET", count=5)


def _patch_record(sim: ServerSimulator) -> None:
    httpx.patch(sim.url("msportal", ENROLLMENT), json={"status": "completed"}, headers=AUTH)


def _clone(sim: ServerSimulator) -> None:
    sim.admin("POST", "/tenants", json={"from": "acme"})


def _fault(sim: ServerSimulator) -> None:
    sim.fault(vendor="msportal", status=503)


def _subscribe(sim: ServerSimulator) -> None:
    body = {"tenant": "acme", "kind": "assignment_subscription", "targetUrl": "http://127.0.0.1:9/h", "secret": "s"}
    sim.admin("POST", "/webhooks", json=body)


def _token(sim: ServerSimulator) -> None:
    form = {"grant_type": "client_credentials", "client_id": "acme-client", "client_secret": "acme-secret"}
    assert httpx.post(sim.url("docebo", "/oauth2/token"), data=form).status_code == 200


def _advance(sim: ServerSimulator) -> None:
    sim.advance(days=1)


def _state(sim: ServerSimulator) -> tuple[object, ...]:
    record = httpx.get(sim.url("msportal", ENROLLMENT), headers=AUTH).json()["data"]["status"]
    tenants = len(sim.admin("GET", "/tenants")["tenants"])
    faults = len(sim.admin("GET", "/faults")["faults"])
    hooks = len(sim.admin("GET", "/webhooks", params={"tenant": "acme"})["subscriptions"])
    return record, tenants, faults, hooks, sim.now()


@pytest.mark.parametrize("change", [_patch_record, _clone, _fault, _subscribe, _token, _advance])
def test_any_single_change_is_noticed_and_undone(shared: SharedServer, change: object) -> None:
    sim = shared.fresh()
    before = _state(sim)
    assert not shared.writes.dirty  # reading changes nothing
    change(sim)  # type: ignore[operator]
    assert shared.writes.dirty
    sim = shared.fresh()
    assert sim.requests() == []
    assert _state(sim)[:4] == before[:4]


def test_a_test_that_only_reads_costs_one_journal_clear(shared: SharedServer) -> None:
    sim = shared.fresh()
    clock_before = sim.now()
    for _ in range(3):
        httpx.get(sim.url("msportal", ENROLLMENT), headers=AUTH)
    assert not shared.writes.dirty and len(sim.requests()) == 3
    sim = shared.fresh()
    assert sim.requests() == [] and sim.now() == clock_before  # not even the clock moved


def test_every_state_changing_control_call_is_declared_json(lms_sim: InProcessSimulator) -> None:
    sent: list[httpx.Request] = []
    lms_sim.client.event_hooks["request"].append(sent.append)
    lms_sim.fault(vendor="msportal", status=503)
    lms_sim.clear_faults()
    lms_sim.advance(days=1)
    lms_sim.freeze()
    lms_sim.snapshot("s")
    lms_sim.restore("s")
    lms_sim.clear_requests()
    lms_sim.reset()
    lms_sim.assert_not_called(vendor="absorb")
    changing = [r for r in sent if r.method not in ("GET", "HEAD")]
    assert len(changing) == 9
    assert all(r.headers.get("content-type") == "application/json" for r in changing), [
        (r.method, r.url.path, r.headers.get("content-type")) for r in changing
    ]
