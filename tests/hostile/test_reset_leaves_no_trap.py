"""After whatever a user or a fuzzing run creates through `/_sim`, `POST /_sim/reset` leaves a
simulator that answers as a freshly started one. Named snapshots are kept: they exist to
outlive resets (WireMock's reset likewise clears stubs and the journal, not its files)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.core.models import MetaRow
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.docebo.auth import RATE_LIMIT_META_KEY

MSP = {"Authorization": "Bearer msp_acme_full"}
COURSES = "/msportal/api/public/v1/training/courses"
ENROLLMENTS = "/msportal/api/public/v1/training/enrollments"
# What a client sees; each must answer the same on a fresh simulator and on a reset one.
PROBES = [
    ("/_sim/faults", None),
    ("/_sim/tenants", None),
    ("/_sim/snapshots", None),
    ("/_sim/webhooks", {"tenant": "acme"}),
    ("/_sim/webhooks/deliveries", {"tenant": "acme"}),
    ("/_sim/requests", None),
    ("/_sim/violations", None),
    ("/_sim/health", None),
]


def _answers(sim: InProcessSimulator) -> dict[str, Any]:
    out: dict[str, Any] = {path: sim.client.get(path, params=params).json() for path, params in PROBES}
    clock = sim.client.get("/_sim/clock").json()
    out["clock.frozen"] = clock["frozen"]
    out["msportal.enrollments"] = sim.client.get(ENROLLMENTS, params={"limit": 100}, headers=MSP).json()
    courses = sim.client.get(COURSES, headers=MSP)
    out["msportal.courses"] = (courses.status_code, courses.json())
    out["msportal.rate"] = (courses.headers.get("x-ratelimit-limit"), courses.headers.get("x-ratelimit-remaining"))
    return out


@pytest.fixture
def fresh() -> Iterator[InProcessSimulator]:
    sim = InProcessSimulator(frozen=False)
    yield sim
    sim.close()


def _lay_traps(sim: InProcessSimulator) -> None:
    sim.snapshot("kept")
    sim.admin("POST", "/faults", json={"vendor": "msportal", "status": 503, "kind": "error"})
    sim.admin("PUT", "/vendors/docebo/rate-limit", json={"profile": "documented"})
    sim.admin(
        "POST",
        "/webhooks",
        json={"tenant": "acme", "kind": "completion_subscription", "targetUrl": "http://127.0.0.1:9/h", "secret": "k"},
    )
    sim.admin("POST", "/tenants", json={"from": "acme"})
    sim.set_clock("2031-06-01T00:00:00Z", frozen=True)
    for _ in range(5):
        sim.client.get(COURSES, headers=MSP)  # rate-limit counters move (and the fault answers)


def test_reset_answers_as_a_fresh_simulator(fresh: InProcessSimulator) -> None:
    sim = InProcessSimulator(frozen=False)
    try:
        _lay_traps(sim)
        sim.admin("POST", "/reset")
        after_reset = _answers(sim)
        with sim.runtime.db.transaction() as session:
            profile_row = session.get(MetaRow, RATE_LIMIT_META_KEY)
    finally:
        sim.close()
    expected = _answers(fresh)
    snapshots = after_reset.pop("/_sim/snapshots")["snapshots"]
    expected.pop("/_sim/snapshots")
    assert [s["name"] for s in snapshots] == ["kept"]  # the one thing a reset keeps
    for key, value in expected.items():
        assert after_reset[key] == value, key
    assert profile_row is None  # the start-up option (off) applies again


def test_a_tenant_reset_clears_that_tenants_fault_rules_only(lms_sim: InProcessSimulator) -> None:
    acme = lms_sim.fault(vendor="msportal", tenant="acme", status=503)
    globex = lms_sim.fault(vendor="msportal", tenant="globex", status=503)
    lms_sim.admin("POST", "/reset", params={"tenant": "acme"})
    assert [f["id"] for f in lms_sim.admin("GET", "/faults")["faults"]] == [globex]
    assert acme != globex
