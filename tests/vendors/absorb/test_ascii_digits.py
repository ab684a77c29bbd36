"""Integers are ASCII digits: fullwidth or Arabic-Indic digits are refused and journaled, never matched."""

from __future__ import annotations

import pytest

from tests.vendors.absorb.helpers import SAFETY, Absorb, assert_error


@pytest.mark.parametrize("digits", ["\uff13", "\u0663", "\u06f3"])
def test_non_ascii_digits_in_a_query_integer_are_a_validation_error(api: Absorb, digits: str) -> None:
    api.sim.clear_requests()
    body = assert_error(api.get("/users", params={"_limit": digits}), 422)
    assert any("_limit" in v for v in body["validations"])
    entry = api.sim.requests(vendor="absorb", limit=1)[0]
    assert any(v["location"] == "query._limit" and v["severity"] == "error" for v in entry["violations"])


def test_non_ascii_digits_in_a_filter_number_are_refused(api: Absorb) -> None:
    assert_error(api.get(f"/courses/{SAFETY}/enrollments", params={"_filter": "status eq \uff13"}), 422)
    assert api.get(f"/courses/{SAFETY}/enrollments", params={"_filter": "status eq 3"}).status_code == 200


def test_non_ascii_digits_in_a_guid_literal_are_refused(api: Absorb) -> None:
    fullwidth = SAFETY[:-1] + "\uff11"  # looks like ...c001
    assert_error(api.get("/courses", params={"_filter": f"id eq guid'{fullwidth}'"}), 422)
