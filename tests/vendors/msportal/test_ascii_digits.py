"""Integers are ASCII digits: fullwidth or Arabic-Indic digits are refused and journaled, never matched."""

from __future__ import annotations

import pytest

from simulator.testing.harness import InProcessSimulator

BASE = "/msportal/api/public/v1/training"
FULL = {"Authorization": "Bearer msp_acme_full"}


@pytest.mark.parametrize(("name", "digits"), [("page", "\uff11"), ("limit", "\u0661\u0660"), ("page", "\u06f2")])
def test_non_ascii_digits_in_paging_are_a_validation_error(lms_sim: InProcessSimulator, name: str, digits: str) -> None:
    lms_sim.clear_requests()
    r = lms_sim.client.get(f"{BASE}/enrollments", params={name: digits}, headers=FULL)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "VALIDATION_ERROR"
    entry = lms_sim.requests(vendor="msportal", limit=1)[0]
    assert any(v["location"] == f"query.{name}" and v["severity"] == "error" for v in entry["violations"])
