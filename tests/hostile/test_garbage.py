"""Generated garbage at every route of every vendor (Hypothesis): never a 5xx, and a request
the vendor refuses leaves its tables byte-for-byte unchanged.

Each example is a method, a path under the vendor's prefix (a spec route with generated
path parameters, or generated segments), a generated query string (spec parameter names
and random ones, repeated, NUL and non-UTF-8 escapes), headers (with or without working
credentials, random content types) and a body (generated JSON, or raw bytes). Bounded and
derandomised, so the run is the same every time and stays short.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors
from tests.hostile.envelopes import is_rejection_of_any_shape, is_vendor_rejection
from tests.hostile.figures import FIGURES, report_at_module_end
from tests.hostile.test_hostile_input import _digest

VENDORS = ("absorb", "docebo", "learnlink", "msportal", "skillable")
EXAMPLES_PER_VENDOR = 80
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND"]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/xml",
    "",
    "application/json\x7f",
]
RAW_PIECES = ["%00", "%ff", "%c3%28", "%2e%2e%2f", "..", "%2F", "'", '"', ";", "%25", "%", "$filter", "*", "\\"]


def _routes(vendor: str) -> list[tuple[str, list[str], list[str]]]:
    """(path template, path parameter names, query parameter names) of every spec operation."""
    spec = load_spec(next(v.spec_file for v in all_vendors() if v.name == vendor))
    out = []
    for op in operations(spec):
        params = [p for p in op.raw.get("parameters", []) if isinstance(p, dict)]
        query = [str(p["name"]) for p in params if p.get("in") == "query"]
        names = [part.split("}")[0] for part in op.path.split("{")[1:]]
        out.append((op.path, names, query))
    return out


ROUTES = {vendor: _routes(vendor) for vendor in VENDORS}

text = st.text(max_size=40)
raw_piece = st.lists(st.sampled_from(RAW_PIECES) | text.map(lambda t: quote(t, safe="")), min_size=1, max_size=4).map(
    "".join
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=20,
)


@st.composite
def garbage_request(draw: st.DrawFn, vendor: str) -> dict[str, Any]:
    template, names, query_names = draw(st.sampled_from(ROUTES[vendor]))
    if draw(st.booleans()):
        path = template
        for name in names:
            path = path.replace("{" + name + "}", draw(raw_piece))
    else:
        path = "/" + "/".join(draw(st.lists(raw_piece, max_size=4)))
    keys = st.sampled_from(query_names) | raw_piece if query_names else raw_piece
    pairs = draw(st.lists(st.tuples(keys, raw_piece), max_size=5))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    body_kind = draw(st.sampled_from(["none", "json", "bytes"]))
    body = b""
    if body_kind == "json":
        body = orjson.dumps(draw(json_values))
    elif body_kind == "bytes":
        body = draw(st.binary(max_size=200))
    return {
        "method": draw(st.sampled_from(METHODS)),
        "url": path + (f"?{query}" if query else ""),
        "content_type": draw(st.sampled_from(CONTENT_TYPES)),
        "authenticated": draw(st.booleans()),
        "extra_header": draw(st.tuples(st.sampled_from(["X-Forwarded-For", "Accept", "X-Request-Id", "Range"]), text)),
        "body": body,
    }


@pytest.fixture(scope="module")
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator()
    yield simulator
    simulator.close()
    report_at_module_end()


@pytest.fixture(scope="module")
def credentials(sim: InProcessSimulator) -> dict[str, dict[str, str]]:
    return {vendor: sim.auth_headers(vendor) for vendor in VENDORS}


@pytest.mark.parametrize("vendor", VENDORS)
def test_generated_garbage_never_breaks_a_vendor(
    sim: InProcessSimulator, credentials: dict[str, dict[str, str]], vendor: str
) -> None:
    sim.freeze()

    @settings(
        max_examples=EXAMPLES_PER_VENDOR,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=garbage_request(vendor))
    def throw(request: dict[str, Any]) -> None:
        headers: dict[str, Any] = {**(credentials[vendor] if request["authenticated"] else {})}
        name, value = request["extra_header"]
        headers[name] = value.encode("utf-8", errors="surrogatepass")  # any bytes, as a raw client sends
        if request["content_type"]:
            headers["Content-Type"] = request["content_type"].encode("latin-1")
        # Reads cannot write (no savepoint is committed for them); digests cost, so only writes pay.
        may_write = request["method"] not in ("GET", "HEAD", "OPTIONS") or vendor == "skillable"
        before = _digest(sim, vendor) if may_write else ""
        FIGURES.count(vendor)
        response = sim.call(request["method"], vendor, request["url"], headers=headers, content=request["body"])
        assert response.status_code < 500, f"{request}: {response.status_code} {response.text[:300]}"
        # `..` segments are resolved by the client (RFC 3986): `/msportal/..` is the root, not MSPortal.
        reached_vendor = response.request.url.path.startswith(f"/{vendor}/")
        if is_rejection_of_any_shape(vendor, response):
            if request["method"] != "HEAD" and reached_vendor:
                assert is_vendor_rejection(vendor, response), (
                    f"{request}: not {vendor}'s envelope: {response.text[:300]}"
                )
            assert not may_write or _digest(sim, vendor) == before, f"a refused request changed state: {request}"

    throw()
