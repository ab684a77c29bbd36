"""Every hostile-input category, on every vendor: the vendor's own refusal, never a 500, and
the vendor's tables byte-for-byte unchanged (a digest of every row, before and after).

The walk in test_hostile_input.py throws these at every operation; this file pins each
category on each vendor to one operation where it must be refused in the vendor's envelope,
so a gap in one vendor shows up by name. Skillable TMS is a GET-only API: a request body is
not part of it, so body categories are sent along with a valid call and must be ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors
from tests.hostile.envelopes import is_vendor_rejection
from tests.hostile.figures import FIGURES, report_at_module_end
from tests.hostile.test_hostile_input import _digest
from tests.hostile.test_isolation import _request

VENDORS = ("absorb", "docebo", "learnlink", "msportal", "skillable")

# A write operation per vendor whose body is JSON: body categories are aimed at it, with a path
# naming a real record, so only the body is wrong.
BODY_TARGET = {
    "absorb": "saveUserEnrollment",
    "docebo": "enrollUsers",
    "learnlink": "createAssignment",
    "msportal": "bulkEnrollUsers",
    "skillable": "getClass",
}
# Where each vendor takes a filter, search or sort expression from the caller.
EXPRESSION_PARAMS = {
    "absorb": ("listCourseEnrollments", ["_filter", "_sort"]),
    "docebo": ("listEnrollments", ["search_text", "status"]),
    "learnlink": ("listCompletions", ["userId", "completedDateRangeStart"]),
    "msportal": ("listEnrollments", ["status", "userId"]),
    "skillable": ("searchClassEnrollments", ["sort", "classId"]),
}
INJECTIONS = [
    "' OR '1'='1' --",
    "1; DROP TABLE users; --",
    "1 UNION SELECT password FROM absorb_users",
    "status eq 1 or 1 eq 1)",
    "substringof('a', name) or ((((((((((",
    "name eq 'x'); DELETE FROM x; --",
    "$filter=tenant ne 'acme'",
]
TRAVERSALS = ["../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "....//....//etc/passwd", "%2e%2e%2f%2e%2e%2f"]


def _op(vendor: str, operation_id: str) -> Any:
    spec = load_spec(next(v.spec_file for v in all_vendors() if v.name == vendor))
    return spec, next(op for op in operations(spec) if op.operation_id == operation_id)


def _max_body(vendor: str) -> int:
    return next(v.max_body_bytes for v in all_vendors() if v.name == vendor)


BODIES: dict[str, Any] = {
    "malformed JSON": (b'{"courseId": "x", ', "application/json"),
    "wrong content type": (b"<xml>enroll</xml>", "application/xml"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "huge array": (b"[" + b"0," * 400_000 + b"0]", "application/json"),
    "NUL bytes": (b'{"a\x00": "\x00"}', "application/json"),
    "non-UTF-8 bytes": (b'{"a": "\xc3\x28\xff"}', "application/json"),
    "long strings": (orjson.dumps({"userIds": ["x" * 200_000], "courseId": "y" * 200_000}), "application/json"),
    "oversized": (None, "application/json"),  # built per vendor: one byte over its limit
}


@pytest.fixture(scope="module")
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator()
    yield simulator
    simulator.close()
    report_at_module_end()


def _send(sim: InProcessSimulator, vendor: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    FIGURES.count(vendor)
    response: httpx.Response = sim.call(method, vendor, url, **kwargs)
    assert response.status_code < 500, f"{method} {url}: {response.status_code} {response.text[:300]}"
    return response


def _may_write(vendor: str, method: str) -> bool:
    # Per vendor: whether any of its GETs writes (the categories probe every operation).
    return method != "GET" or any(v.writes_on_get for v in all_vendors() if v.name == vendor)


def _refused_unchanged(sim: InProcessSimulator, vendor: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    # Reads cannot write by construction (no savepoint, no commit of vendor rows); digests cost.
    digest = (lambda: _digest(sim, vendor)) if _may_write(vendor, method) else (lambda: "")
    before = digest()
    response = _send(sim, vendor, method, url, **kwargs)
    assert is_vendor_rejection(vendor, response), (
        f"not {vendor}'s refusal: {response.status_code} {response.text[:300]}"
    )
    assert digest() == before, f"a refused request changed {vendor}'s state"
    return response


@pytest.mark.parametrize("category", list(BODIES))
@pytest.mark.parametrize("vendor", VENDORS)
def test_hostile_bodies(sim: InProcessSimulator, vendor: str, category: str) -> None:
    sim.reset()
    sim.freeze()
    spec, op = _op(vendor, BODY_TARGET[vendor])
    path, query, _ = _request(spec, op) or pytest.fail("no example path")
    content, content_type = BODIES[category]
    if content is None:
        content = orjson.dumps({"a": "x" * (_max_body(vendor) + 1)})
    headers = {**sim.auth_headers(vendor), "Content-Type": content_type}
    if vendor == "skillable":  # GET-only: the body is not part of the call and is ignored
        before = _digest(sim, vendor)
        response = _send(sim, vendor, op.method, path, params=query, content=content, headers=headers)
        body = response.json()
        refused_for_size = category == "oversized" and body.get("Status") in (10, 20, 30)
        assert response.status_code == 200 and (body.get("Status") == 0 or refused_for_size), response.text[:300]
        assert _digest(sim, vendor) == before
        return
    response = _refused_unchanged(sim, vendor, op.method, path, params=query, content=content, headers=headers)
    if category == "oversized":
        assert response.status_code == 413


@pytest.mark.parametrize("vendor", VENDORS)
def test_injection_in_filter_search_and_sort(sim: InProcessSimulator, vendor: str) -> None:
    """Never a 500; a structured expression that does not parse is refused; free text that
    matches nothing answers an empty page. Either way nothing changes and nothing leaks."""
    sim.reset()
    sim.freeze()
    spec, op = _op(vendor, EXPRESSION_PARAMS[vendor][0])
    path, query, _ = _request(spec, op) or pytest.fail("no example path")
    headers = sim.auth_headers(vendor)
    baseline = _send(sim, vendor, op.method, path, params=query, headers=headers)
    for name in EXPRESSION_PARAMS[vendor][1]:
        for value in INJECTIONS:
            before = _digest(sim, vendor)
            response = _send(sim, vendor, op.method, path, params={**query, name: value}, headers=headers)
            assert _digest(sim, vendor) == before
            if not is_vendor_rejection(vendor, response):
                # Accepted as plain text: it may only narrow what the caller could already see.
                assert response.status_code == 200 and len(response.content) <= len(baseline.content) + 64, (
                    f"{name}={value!r} widened the answer: {response.text[:300]}"
                )


@pytest.mark.parametrize("vendor", VENDORS)
def test_path_traversal_nul_and_non_utf8_in_ids(sim: InProcessSimulator, vendor: str) -> None:
    sim.reset()
    sim.freeze()
    ops = [op for op in operations(_op(vendor, BODY_TARGET[vendor])[0]) if "{" in op.path]
    headers = sim.auth_headers(vendor)
    raw_values = [*(quote(t, safe="%") for t in TRAVERSALS), "%00", "abc%00def", "%ff%fe", "%c3%28", "x" * 8_000]
    for op in ops:
        for raw in raw_values:
            url = op.path
            for name in [p.split("}")[0] for p in op.path.split("{")[1:]]:
                url = url.replace("{" + name + "}", raw)
            _refused_unchanged(sim, vendor, op.method, url, headers=headers)


@pytest.mark.parametrize("vendor", VENDORS)
def test_duplicate_nul_and_non_utf8_query_parameters(sim: InProcessSimulator, vendor: str) -> None:
    sim.reset()
    sim.freeze()
    spec, op = _op(vendor, EXPRESSION_PARAMS[vendor][0])
    path, query, _ = _request(spec, op) or pytest.fail("no example path")
    headers = sim.auth_headers(vendor)
    name = EXPRESSION_PARAMS[vendor][1][-1]
    base = "&".join(f"{k}={quote(str(v))}" for k, v in query.items())
    for raw in (f"{name}=1&{name}=2", f"{name}=%ff%fe", f"{name}=a%00b", f"{name}={'9' * 50_000}"):
        before = _digest(sim, vendor)
        response = _send(sim, vendor, op.method, f"{path}?{'&'.join(filter(None, [base, raw]))}", headers=headers)
        assert _digest(sim, vendor) == before
        assert is_vendor_rejection(vendor, response), f"{raw[:40]}: {response.status_code} {response.text[:300]}"


@pytest.mark.parametrize("vendor", VENDORS)
def test_hostile_credentials_headers(sim: InProcessSimulator, vendor: str) -> None:
    """Very long, NUL-laden or non-UTF-8 credentials: the vendor's 401 (Skillable: status 30).

    "Very long" stays under the front door's 16 KB header-line bound; past it the answer is
    the front server's 431 (test_header_bounds.py)."""
    sim.reset()
    sim.freeze()
    spec, op = _op(vendor, EXPRESSION_PARAMS[vendor][0])
    path, query, _ = _request(spec, op) or pytest.fail("no example path")
    names = {"skillable": "api_key", "absorb": "x-api-key"}
    header = names.get(vendor, "Authorization")
    for value in ("Bearer " + "A" * 12_000, "Bearer a\x00b", "Basic \xff\xfe", "' OR 1=1 --"):
        encoded = {header: value.encode("latin-1")}
        _refused_unchanged(sim, vendor, op.method, path, params=query, headers=encoded)
