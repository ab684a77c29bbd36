"""Hostile input at every operation of every vendor: the vendor's own rejection, never a 500,
and a rejected request changes nothing (the vendor's tables are byte-for-byte the same)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from sqlalchemy import select, text

from simulator.core.snapshots import vendor_tables
from simulator.core.spec import Operation, load_spec, operations
from simulator.settings import DEFAULT_FIXTURES
from simulator.testing.demo_auth import PROVIDERS
from simulator.testing.harness import InProcessSimulator, test_settings
from simulator.vendors import all_vendors
from tests.conftest import DATABASES
from tests.hostile.envelopes import is_vendor_rejection
from tests.hostile.figures import FIGURES, report_at_module_end

HOSTILE_STRINGS = [
    "../../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "' OR '1'='1' --",
    "1; DROP TABLE users; --",
    "\x00",
    "nul\x00byte",
    "x" * 5000,
    "😀☃️",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "name eq 'a' or 1 eq 1",
    "substringof('a', name) or ((((((((((((((((((((",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "",
]
MALFORMED_BODIES: list[tuple[str, bytes, str]] = [
    ("truncated JSON", b'{"a": [1, 2', "application/json"),
    ("not JSON", b"definitely not json", "application/json"),
    ("invalid UTF-8", b'{"a": "\xff\xfe"}', "application/json"),
    ("NUL bytes", b'{"a": "\x00\x00"}\x00', "application/json"),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, "application/json"),
    ("huge array", b"[" + b"1," * 150_000 + b"1]", "application/json"),
    ("wrong type", b"[]", "application/json"),
    ("wrong content type", b"a=1&b=2", "text/plain"),
    ("oversized", b'{"a": "' + b"x" * 2_100_000 + b'"}', "application/json"),
]

# How each vendor says "no": most with a 4xx; Skillable with HTTP 200 and a body status.
Rejected = Callable[[httpx.Response], bool]


def _http_4xx(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


def _skillable(response: httpx.Response) -> bool:
    if response.status_code in (404, 405, 413):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return response.status_code == 200 and body.get("status", body.get("Status")) in (10, 20, 30)


REJECTED: dict[str, Rejected] = {"skillable": _skillable}


def _cases() -> Iterator[Any]:
    """Every operation on SQLite; on PostgreSQL, per vendor, the first operation taking a path
    parameter, a query parameter and a body (NULs, huge numbers and long text in each place)
    — the whole list there would add minutes to the suite."""
    for vendor in all_vendors():
        if vendor.name not in PROVIDERS:
            continue
        ops = list(operations(load_spec(vendor.spec_file)))
        for op in ops:
            yield pytest.param("sqlite", vendor.name, op, id=f"sqlite-{vendor.name}-{op.operation_id}")
        kinds = (lambda o: "{" in o.path, lambda o: bool(_params(o)), lambda o: bool(o.raw.get("requestBody")))
        chosen = {next((o.operation_id for o in ops if kind(o)), None) for kind in kinds} - {None}
        for op in ops:
            if op.operation_id in chosen:
                yield pytest.param("postgresql", vendor.name, op, id=f"postgresql-{vendor.name}-{op.operation_id}")


def _digest(sim: InProcessSimulator, vendor: str) -> str:
    h = hashlib.sha256()
    with sim.session() as session:
        for table in vendor_tables():
            if table.name.startswith(f"{vendor}_"):
                for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                    h.update(repr(tuple(row)).encode())
        h.update(repr(session.execute(text("SELECT namespace, value FROM sim_counters ORDER BY 1")).all()).encode())
    return h.hexdigest()


def _path(op: Operation, value: str) -> str:
    path = op.path
    for name in [p.split("}")[0] for p in op.path.split("{")[1:]]:
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def _params(op: Operation) -> list[str]:
    return [p["name"] for p in op.raw.get("parameters", []) if isinstance(p, dict) and p.get("in") == "query"]


@pytest.fixture(scope="module", params=DATABASES)  # parametrised per case by _cases()
def sim(request: pytest.FixtureRequest) -> Iterator[InProcessSimulator]:
    """One simulator for the module (reset before each case), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        simulator = InProcessSimulator()
        yield simulator
        simulator.close()
        report_at_module_end()
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create(server.template(DEFAULT_FIXTURES))
    simulator = InProcessSimulator(test_settings(db=url))
    yield simulator
    simulator.close()
    server.drop(url)


@pytest.mark.parametrize(("sim", "vendor", "op"), list(_cases()), indirect=["sim"])
def test_hostile_input_is_rejected_and_changes_nothing(sim: InProcessSimulator, vendor: str, op: Operation) -> None:
    sim.reset()
    sim.freeze()
    rejected = REJECTED.get(vendor, _http_4xx)
    auth = sim.auth_headers(vendor)
    tried = 0
    # Reads cannot change state by design; comparing the tables is what costs, so only writes pay it.
    writes = op.method != "GET" or any(op.operation_id in v.writes_on_get for v in all_vendors() if v.name == vendor)

    def digest() -> str:
        return _digest(sim, vendor) if writes else ""

    def attempt(path: str, **kwargs: Any) -> None:
        nonlocal tried
        tried += 1
        FIGURES.count(vendor)
        before = digest()
        response = sim.call(op.method, vendor, path, headers={**auth, **kwargs.pop("headers", {})}, **kwargs)
        assert response.status_code < 500, (
            f"{op.method} {path} {kwargs.get('params')} -> {response.status_code}: {response.text[:300]}"
        )
        if rejected(response):
            assert is_vendor_rejection(vendor, response), f"not {vendor}'s envelope: {response.text[:300]}"
            assert digest() == before, f"a rejected {op.operation_id} changed state"

    has_path_params = "{" in op.path
    for value in HOSTILE_STRINGS if has_path_params else []:
        attempt(_path(op, value))
    valid_path = _path(op, "00000000-0000-4000-8000-000000000000")
    for name in _params(op):
        for value in HOSTILE_STRINGS[:12]:
            attempt(valid_path, params={name: value})
        attempt(valid_path, params=[(name, "1"), (name, "2")])
    if op.raw.get("requestBody"):
        for _label, body, content_type in MALFORMED_BODIES:
            response_path = valid_path
            before = digest()
            response = sim.call(
                op.method, vendor, response_path, content=body, headers={**auth, "Content-Type": content_type}
            )
            tried += 1
            FIGURES.count(vendor)
            assert response.status_code < 500, f"{_label}: {response.status_code} {response.text[:300]}"
            assert rejected(response), f"{_label} was accepted: {response.status_code} {response.text[:300]}"
            assert is_vendor_rejection(vendor, response), f"{_label}: not {vendor}'s envelope: {response.text[:300]}"
            assert digest() == before
    assert tried > 0 or not (has_path_params or _params(op) or op.raw.get("requestBody"))


def test_oversized_body_is_413_in_vendor_envelope(sim: InProcessSimulator) -> None:
    for vendor in all_vendors():
        if vendor.name not in PROVIDERS:
            continue
        op = next((o for o in operations(load_spec(vendor.spec_file)) if o.raw.get("requestBody")), None)
        if op is None:
            continue
        big = orjson.dumps({"a": "x" * (vendor.max_body_bytes + 10)})
        response = sim.call(
            op.method,
            vendor.name,
            _path(op, "00000000-0000-4000-8000-000000000000"),
            content=big,
            headers={**sim.auth_headers(vendor.name), "Content-Type": "application/json"},
        )
        assert REJECTED.get(vendor.name, lambda r: r.status_code == 413)(response), response.text[:200]
