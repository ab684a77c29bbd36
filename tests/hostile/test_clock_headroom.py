"""The clock keeps headroom: an instant too close to the calendar's end is refused, and at the
latest instant it accepts, every operation of every vendor (and the dashboard) still answers
without a 5xx, including the ones that add periods to now (tokens, due dates, expiries)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.core import clock
from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors
from tests.hostile.test_isolation import _request

COURSES = "/msportal/api/public/v1/training/courses"
AUTH = {"Authorization": "Bearer msp_acme_full"}
LATEST = clock.iso(clock.LATEST)


@pytest.mark.parametrize(
    "body",
    [
        {"now": "9999-12-31T23:59:59Z"},
        {"now": "9999-12-31T23:59:59Z", "frozen": True},
        {"now": "9500-01-01T00:00:00Z"},
    ],
)
def test_an_instant_without_headroom_is_refused_and_changes_nothing(lms_sim: InProcessSimulator, body: Any) -> None:
    before = lms_sim.admin("GET", "/clock")
    refused = lms_sim.client.put("/_sim/clock", json=body)
    assert refused.status_code == 409, refused.text
    assert "headroom" in refused.json()["error"]
    assert lms_sim.admin("GET", "/clock")["frozen"] == before["frozen"]
    assert lms_sim.client.get(COURSES, headers=AUTH).status_code == 200


def test_advancing_past_the_headroom_is_refused(lms_sim: InProcessSimulator) -> None:
    lms_sim.set_clock("8999-12-01T00:00:00Z", frozen=True)
    refused = lms_sim.client.post("/_sim/clock/advance", json={"duration": "P99Y"})
    assert refused.status_code == 409, refused.text
    assert lms_sim.admin("GET", "/clock")["now"].startswith("8999-12-01")
    assert lms_sim.client.get(COURSES, headers=AUTH).status_code == 200


def test_a_fixture_clock_without_headroom_is_a_400_naming_the_field(lms_sim: InProcessSimulator) -> None:
    refused = lms_sim.client.post("/_sim/fixtures", json={"clock": {"now": "9999-12-31T00:00:00Z"}, "tenants": {}})
    assert refused.status_code == 400, refused.text
    assert refused.json()["details"] == {"field": "clock.now"}


@pytest.fixture(scope="module")
def at_the_latest() -> Iterator[InProcessSimulator]:
    sim = InProcessSimulator(frozen=False)
    sim.set_clock(LATEST, frozen=True)
    yield sim
    sim.close()


def _operations() -> Iterator[Any]:
    for vendor in all_vendors():
        spec = load_spec(vendor.spec_file)
        for op in operations(spec):
            yield pytest.param(vendor.name, spec, op, id=f"{vendor.name}-{op.operation_id}")


@pytest.mark.parametrize(("vendor", "spec", "op"), list(_operations()))
def test_every_operation_answers_at_the_latest_instant(
    at_the_latest: InProcessSimulator, vendor: str, spec: Any, op: Any
) -> None:
    built = _request(spec, op)
    if built is None:
        pytest.skip("the spec has no example for a path parameter")
    path, query, body = built
    headers = at_the_latest.auth_headers(vendor)
    response = at_the_latest.call(op.method, vendor, path, params=query, json=body, headers=headers)
    assert response.status_code < 500, f"{op.method} {path}: {response.status_code} {response.text[:300]}"


@pytest.mark.parametrize(
    "path",
    [
        "/_sim/clock",
        "/_sim/health",
        "/_dashboard/api/overview",
        "/_dashboard/api/traffic",
        "/_dashboard/partials/charts",
    ],
)
def test_the_control_api_and_dashboard_answer_at_the_latest_instant(
    at_the_latest: InProcessSimulator, path: str
) -> None:
    assert at_the_latest.client.get(path).status_code == 200
