"""Headers and bodies are bounded as a real front server bounds them, on every path.

431 past 16 KB in one header line or 64 KB of headers in all (AWS ALB's limits); what the
journal keeps of a header or body is cut at a bound, with a marker; a body that stops
arriving gets a 408 instead of holding the request open for ever.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.core import journal
from simulator.guards import MAX_HEADER_BYTES, MAX_HEADER_LINE_BYTES
from simulator.testing.harness import InProcessSimulator, ServerSimulator, test_settings

MSPORTAL = "/msportal/api/public/v1/training/courses"
AUTH = {"Authorization": "Bearer msp_acme_full"}
PATHS = [MSPORTAL, "/absorb/api/Rest/v2/users", "/_sim/health", "/_sim/reset", "/"]


@pytest.mark.parametrize("path", PATHS)
def test_a_header_line_past_the_bound_is_431(lms_sim: InProcessSimulator, path: str) -> None:
    response = lms_sim.client.get(path, headers={"X-Big": "a" * MAX_HEADER_LINE_BYTES})
    assert response.status_code == 431
    assert response.json()["code"] == "header_too_large"


@pytest.mark.parametrize("path", PATHS)
def test_headers_past_the_total_bound_are_431(lms_sim: InProcessSimulator, path: str) -> None:
    count = MAX_HEADER_BYTES // 8000 + 1
    headers = {f"X-Part-{n}": "b" * 8000 for n in range(count)}
    response = lms_sim.client.get(path, headers=headers)
    assert response.status_code == 431
    assert response.json()["code"] == "headers_too_large"


def test_a_refused_request_is_not_journaled(lms_sim: InProcessSimulator) -> None:
    lms_sim.client.get(MSPORTAL, headers={**AUTH, "X-Big": "a" * (MAX_HEADER_LINE_BYTES * 2)})
    assert lms_sim.requests() == []


def test_headers_within_the_bounds_are_served(lms_sim: InProcessSimulator) -> None:
    response = lms_sim.client.get(MSPORTAL, headers={**AUTH, "X-Fine": "c" * (MAX_HEADER_LINE_BYTES - 100)})
    assert response.status_code == 200


def test_the_journal_cuts_long_header_values_with_a_marker(lms_sim: InProcessSimulator) -> None:
    long_value = "d" * (journal.HEADER_VALUE_LIMIT * 4)
    assert lms_sim.client.get(MSPORTAL, headers={**AUTH, "X-Long": long_value}).status_code == 200
    [entry] = lms_sim.requests()
    stored = entry["requestHeaders"]["x-long"]
    assert stored.endswith(journal.TRUNCATED) and len(stored) <= journal.HEADER_VALUE_LIMIT + len(journal.TRUNCATED)


def test_the_journal_cuts_long_bodies_with_a_marker() -> None:
    sim = InProcessSimulator(test_settings(journal_body_limit=1000))
    try:
        body = {"courseId": "x" * 5000, "userIds": []}
        sim.client.post("/msportal/api/public/v1/training/enrollments/bulk", json=body, headers=AUTH)
        [entry] = sim.requests()
        assert entry["requestBody"].endswith(journal.TRUNCATED)
        assert len(entry["requestBody"]) <= 1000 + len(journal.TRUNCATED)
    finally:
        sim.close()


async def _call_with_a_stalled_body(app: Any, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"a":', "more_body": True}
        await asyncio.sleep(3600)  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"content-length", b"100")],
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "http_version": "1.1",
    }
    await asyncio.wait_for(app(scope, receive, send), 30)
    return sent


@pytest.mark.parametrize("path", ["/msportal/api/public/v1/training/enrollments/bulk", "/_sim/faults"])
def test_a_body_that_never_arrives_times_out(path: str) -> None:
    sim = InProcessSimulator(test_settings(body_timeout_seconds=0.2))
    try:
        sent = asyncio.run(_call_with_a_stalled_body(sim.app, path))
    finally:
        sim.close()
    assert sent[0]["status"] == 408


@pytest.fixture
def server() -> Iterator[ServerSimulator]:
    sim = ServerSimulator()
    yield sim
    sim.close()


def test_a_huge_header_over_a_real_socket_is_431(server: ServerSimulator) -> None:
    host, port = server.root_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        request = (
            f"GET /msportal/api/public/v1/training/courses HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer msp_acme_full\r\nX-Big: {'z' * (1024 * 1024)}\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(request.encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431")
    assert server.requests() == []


def test_a_vendor_on_its_own_port_is_bounded_but_answers_any_host(lms_sim: InProcessSimulator) -> None:
    """`--vendor-port`: the vendor at the root of its own port gets the same bounds; `/` there is
    the vendor's, not the dashboard's, so no Host rule applies."""
    import httpx

    from simulator.core.pipeline import ServiceApp
    from simulator.guards import Guards
    from simulator.testing.asgi_client import AsgiTransport

    runtime = lms_sim.runtime
    app = Guards(ServiceApp(runtime, runtime.vendors["msportal"]), runtime.settings, control_plane=False)
    with httpx.Client(transport=AsgiTransport(app), base_url="http://vendor.example") as client:
        path = "/api/public/v1/training/courses"
        assert client.get(path, headers=AUTH).status_code == 200
        assert client.get(path, headers={**AUTH, "X-Big": "a" * MAX_HEADER_LINE_BYTES}).status_code == 431
        assert client.get("/", headers={"Host": "rebind.example"}).status_code == 404  # the vendor's own 404
