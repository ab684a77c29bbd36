"""Hostile input at every Absorb operation: Absorb's own 4xx and envelope, never a 500, and a
rejected request changes nothing (the vendor's tables hash the same before and after)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from simulator.core.snapshots import vendor_tables
from simulator.core.spec import Operation, load_spec, operations
from simulator.testing import harness
from tests.vendors.absorb.helpers import ALICE, SAFETY, Absorb

SPEC = load_spec("absorb.yaml")
HOSTILE = [
    "../../../../etc/passwd",
    "' OR '1'='1' --",
    "1; DROP TABLE absorb_course_enrollments; --",
    "nul\x00byte",
    "x" * 5000,
    "😀☃️",
    "<script>alert(1)</script>",
    "name eq 'a' or 1 eq 1",
    "substringof('a', fullName) or ((((((((((((((((((((",
    "status eq 1 and " * 150 + "status eq 1",
    "not " * 64 + "isActive",
    "datetime'9999-12-31T23:59:59-14:00' lt dateAdded",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "",
]
BODIES: list[tuple[str, bytes, str]] = [
    ("truncated JSON", b'{"a": [1, 2', "application/json"),
    ("not JSON", b"definitely not json", "application/json"),
    ("invalid UTF-8", b'{"a": "\xff\xfe"}', "application/json"),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, "application/json"),
    ("wrong type", b'"a string"', "application/json"),
    ("wrong content type", b"a=1&b=2", "text/plain"),
    ("oversized", b'{"a": "' + b"x" * 1_100_000 + b'"}', "application/json"),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[harness.InProcessSimulator]:
    settings = harness.test_settings(vendor_options={"absorb": {"rate_limit_per_second": 0}})
    simulator = harness.InProcessSimulator(settings)
    yield simulator
    simulator.close()


def _digest(sim: harness.InProcessSimulator) -> str:
    h = hashlib.sha256()
    with sim.session() as session:
        for table in vendor_tables():
            if table.name.startswith("absorb_") and table.name != "absorb_tokens":
                for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                    h.update(repr(tuple(row)).encode())
        h.update(repr(session.execute(text("SELECT namespace, value FROM sim_counters ORDER BY 1")).all()).encode())
    return h.hexdigest()


def _query_params(op: Operation) -> list[str]:
    names = []
    for p in op.raw.get("parameters", []):
        if "$ref" in p:
            p = SPEC["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        if p.get("in") == "query":
            names.append(p["name"])
    return names


def _path(op: Operation, value: str, **known: str) -> str:
    path = op.path
    for name in [p.split("}")[0] for p in op.path.split("{")[1:]]:
        path = path.replace("{" + name + "}", quote(known.get(name, value), safe=""))
    return path


def _check(response: Any, where: str) -> None:
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"validations", "code", "message", "term", "_meta"}, where


@pytest.mark.parametrize("op", operations(SPEC), ids=lambda op: op.operation_id)
def test_hostile_input_is_rejected_and_changes_nothing(sim: harness.InProcessSimulator, op: Operation) -> None:
    sim.reset()
    sim.freeze()
    api = Absorb(sim)
    writes = op.method != "GET"
    real = {"userId": ALICE, "courseId": SAFETY}

    def attempt(path: str, **kwargs: Any) -> None:
        before = _digest(sim) if writes else ""
        response = api.request(op.method, path, **kwargs)
        _check(response, f"{op.method} {path[:80]} {str(kwargs)[:80]}")
        if response.status_code >= 400 and writes:
            assert _digest(sim) == before, f"a rejected {op.operation_id} changed state"

    if "{" in op.path:
        for value in HOSTILE:
            attempt(_path(op, value))
            attempt(_path(op, value, **real))
    valid = _path(op, "00000000-0000-4000-8000-000000000000", **real)
    for name in _query_params(op):
        for value in HOSTILE:
            attempt(valid, params={name: value})
        attempt(valid, params=[(name, "1"), (name, "2")])
    if op.raw.get("requestBody"):
        for label, body, content_type in BODIES:
            before = _digest(sim)
            response = api.request(op.method, valid, content=body, headers={"Content-Type": content_type})
            _check(response, label)
            assert 400 <= response.status_code < 500, f"{label} was accepted: {response.status_code}"
            assert _digest(sim) == before
