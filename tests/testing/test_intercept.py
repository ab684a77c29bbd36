"""Code under test keeps the vendors' real URLs; httpx (sync, async) and requests reach the simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import requests

from simulator.testing import (
    InProcessSimulator,
    Interception,
    ServerSimulator,
    SimulatorAdapter,
    UnroutedRequest,
    VendorHosts,
    async_sim_mounts,
    current_simulator,
    lms_simulator,
    sim_mounts,
)

DOCEBO = "https://acme.docebosaas.com"
ENROLLMENTS = f"{DOCEBO}/learn/v1/enrollments"
TOKEN_FORM = {
    "grant_type": "password",
    "client_id": "acme-client",
    "client_secret": "acme-secret",
    "scope": "api",
    "username": "api.admin",
    "password": "Passw0rd!",
}
MSPORTAL = "https://app.msportal.ai/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
MSPORTAL_AUTH = {"Authorization": "Bearer msp_acme_full"}


def docebo_token_httpx() -> dict[str, str]:
    token = httpx.post(f"{DOCEBO}/oauth2/token", data=TOKEN_FORM).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_httpx_sync_reaches_the_simulator_by_the_real_url(lms_sim_intercept: InProcessSimulator) -> None:
    response = httpx.get(ENROLLMENTS, headers=docebo_token_httpx(), params={"page_size": 2})
    assert response.status_code == 200
    assert str(response.url) == f"{ENROLLMENTS}?page_size=2"  # the caller's own URL, unchanged
    assert len(response.json()["data"]["items"]) == 2
    lms_sim_intercept.assert_called(vendor="docebo", operation_id="listEnrollments", count=1)


def test_requests_reaches_the_simulator_by_the_real_url(lms_sim_intercept: InProcessSimulator) -> None:
    with requests.Session() as session:
        token = session.post(f"{DOCEBO}/oauth2/token", data=TOKEN_FORM).json()["access_token"]
        response = session.get(ENROLLMENTS, headers={"Authorization": f"Bearer {token}"}, params={"page_size": 2})
    assert response.status_code == 200 and response.reason == "OK" and response.ok
    assert response.url == f"{ENROLLMENTS}?page_size=2"
    assert response.headers["content-type"].startswith("application/json")
    assert len(response.json()["data"]["items"]) == 2
    refused = requests.get(ENROLLMENTS)
    with pytest.raises(requests.HTTPError):
        refused.raise_for_status()
    lms_sim_intercept.assert_called(vendor="docebo", method="GET", count=2)


def test_httpx_async_reaches_the_simulator_by_the_real_url(lms_sim_intercept: InProcessSimulator) -> None:
    async def enroll() -> tuple[int, int]:
        async with httpx.AsyncClient() as client:
            body = {"status": "in_progress"}
            changed = await client.patch(MSPORTAL, json=body, headers=MSPORTAL_AUTH)
            read = await client.get(MSPORTAL, headers=MSPORTAL_AUTH)
            return changed.status_code, read.json()["data"]["status"] == "in_progress"

    assert asyncio.run(enroll()) == (200, True)
    lms_sim_intercept.assert_called(vendor="msportal", method="PATCH", body={"status": "in_progress"})


def test_an_injected_drop_is_the_client_libraries_own_error(lms_sim_intercept: InProcessSimulator) -> None:
    rule = lms_sim_intercept.fault(vendor="msportal", kind="drop", times=2)
    with pytest.raises(httpx.RemoteProtocolError, match=f"rule {rule}: drop"):
        httpx.get(MSPORTAL, headers=MSPORTAL_AUTH)
    with pytest.raises(requests.ConnectionError, match=f"rule {rule}: drop"):
        requests.get(MSPORTAL, headers=MSPORTAL_AUTH)
    assert httpx.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200


def test_other_hosts_fail_loudly_and_loopback_passes(
    lms_sim_intercept: InProcessSimulator, lms_sim_live: ServerSimulator
) -> None:
    with pytest.raises(UnroutedRequest, match=r"example\.org"):
        httpx.get("https://example.org/")
    with pytest.raises(UnroutedRequest, match=r"example\.org"):
        requests.get("https://example.org/")
    # A loopback server (here the live simulator) is reached as usual.
    assert requests.get(f"{lms_sim_live.root_url}/_sim/health").status_code == 200
    assert lms_sim_intercept.requests(vendor="msportal") == []


@pytest.fixture
def lms_sim_intercept_options() -> dict[str, Any]:
    return {"skillable_url": "https://tms.internal.example/api"}


def test_options_fixture_sets_the_skillable_host(lms_sim_intercept: InProcessSimulator) -> None:
    response = requests.get(
        "https://tms.internal.example/api/GetClassEnrollment/45001", headers={"api_key": "skl-acme-key"}
    )
    assert response.status_code == 200
    with pytest.raises(UnroutedRequest):
        httpx.get("https://tms.skillable.com/api/SearchClasses")


def test_patches_are_removed_on_exit_and_nest() -> None:
    originals = (httpx.HTTPTransport.handle_request, requests.adapters.HTTPAdapter.send)
    with lms_simulator() as outer:
        with lms_simulator() as inner:
            assert httpx.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200
            assert current_simulator() is inner
            assert len(inner.requests(vendor="msportal")) == 1
        assert current_simulator() is outer
        assert httpx.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200
        assert len(outer.requests(vendor="msportal")) == 1  # the inner call went to the inner one
    assert (httpx.HTTPTransport.handle_request, requests.adapters.HTTPAdapter.send) == originals


@lms_simulator(passthrough=["api.internal.test"])
def test_decorator_gives_each_call_a_fresh_simulator() -> None:
    sim = current_simulator()
    assert httpx.patch(MSPORTAL, json={"status": "completed"}, headers=MSPORTAL_AUTH).status_code == 200
    sim.assert_called(vendor="msportal", method="PATCH", count=1)
    assert sim.requests()[0]["path"].startswith("/msportal/")


def test_mounting_patches_nothing(lms_sim: InProcessSimulator) -> None:
    """Code that accepts a client: mount the simulator on it, no interception needed."""
    with httpx.Client(mounts=sim_mounts(lms_sim)) as client:
        assert client.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200
    with requests.Session() as session:
        session.mount("https://", SimulatorAdapter(lms_sim))
        assert session.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200

    async def read() -> int:
        async with httpx.AsyncClient(mounts=async_sim_mounts(lms_sim)) as client:
            return (await client.get(MSPORTAL, headers=MSPORTAL_AUTH)).status_code

    assert asyncio.run(read()) == 200
    assert len(lms_sim.requests(vendor="msportal")) == 3


def test_interception_can_answer_from_a_live_server(lms_sim_live: ServerSimulator) -> None:
    with Interception(lms_sim_live, VendorHosts()):
        assert requests.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200
        assert httpx.get(MSPORTAL, headers=MSPORTAL_AUTH).status_code == 200
    lms_sim_live.assert_called(vendor="msportal", count=2)
