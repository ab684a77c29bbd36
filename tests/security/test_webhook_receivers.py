"""A webhook receiver that is down, slow or failing never slows or fails the API call that
triggered the webhook; its deliveries are retried and every attempt is recorded.

That the API call does not wait for the receiver is checked structurally, not timed: a
receiver holds the delivery until the call has answered, which a call that waited for it
could never do.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator, free_port, test_settings

BASIC = ("eu-west-2_AcmeDemo01", "acme-secret")
AUDIENCE = "64b000000000000000a00001"
CONTENT = "64b000000000000000c00001"
RECEIVER_DELAY = 3.0  # the slow receiver answers after this long; the delivery timeout is shorter
TIMEOUT = 1.0
MAX_ATTEMPTS = 3
CALLS = 4


def _receiver(
    mode: str, hold: tuple[threading.Event, threading.Event] | None = None
) -> tuple[str, http.server.ThreadingHTTPServer | None]:
    """A receiver that is down, slow, failing, or (with `hold`) sets the first event when a
    delivery arrives and answers it only once the second is set."""
    if mode == "down":
        return f"http://127.0.0.1:{free_port()}/hook", None  # nothing listens there

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            if hold is not None:
                delivered, release = hold
                delivered.set()
                release.wait(60)
            if mode == "slow":
                time.sleep(RECEIVER_DELAY)
            self.send_response(500 if mode == "failing" else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook", server


@pytest.fixture
def sim() -> Iterator[InProcessSimulator]:
    options = {
        "webhook_backoff_seconds": 0.05,
        "webhook_max_attempts": MAX_ATTEMPTS,
        "webhook_timeout_seconds": TIMEOUT,
    }
    simulator = InProcessSimulator(test_settings(vendor_options={"learnlink": options}))
    yield simulator
    simulator.close()


def _deliveries(sim: InProcessSimulator) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = sim.admin("GET", "/webhooks/deliveries", params={"tenant": "acme"})["deliveries"]
    return listed


def _wait_until_finished(sim: InProcessSimulator, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _deliveries(sim)
        if len(found) >= count and all(d["status"] in ("delivered", "failed") for d in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"deliveries did not finish: {_deliveries(sim)}")


@pytest.mark.parametrize(
    ("mode", "expected_status", "expected_error"),
    [("down", None, "ConnectError"), ("slow", None, "ReadTimeout"), ("failing", 500, "HTTP 500")],
)
def test_a_bad_receiver_never_slows_the_api_and_is_retried(
    sim: InProcessSimulator, mode: str, expected_status: int | None, expected_error: str
) -> None:
    url, server = _receiver(mode)
    try:
        user = _subscribe(sim, url)
        for n in range(CALLS):
            response = _complete(sim, user, n)
            assert response.status_code == 201, response.text
        deliveries = _wait_until_finished(sim, CALLS)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    assert len(deliveries) == CALLS
    for delivery in deliveries:
        assert delivery["status"] == "failed", delivery
        attempts = delivery["attempts"]
        assert [a["number"] for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
        assert all(a["statusCode"] == expected_status for a in attempts), attempts
        assert all(expected_error in (a["error"] or "") for a in attempts), attempts
    if mode == "slow":
        assert all(a["latencyMs"] >= TIMEOUT * 1000 * 0.9 for d in deliveries for a in d["attempts"])


def _subscribe(sim: InProcessSimulator, url: str) -> str:
    """Subscribe `url` to acme's completions; returns a learner to complete content as."""
    sim.admin(
        "POST",
        "/webhooks",
        json={"tenant": "acme", "kind": "completion_subscription", "targetUrl": url, "secret": "k"},
    )
    user: str = sim.client.get(f"/learnlink/rest/v1/audiences/{AUDIENCE}", auth=BASIC).json()["userIds"][0]
    return user


def _complete(sim: InProcessSimulator, user: str, n: int) -> Any:
    completed = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)).isoformat()
    return sim.client.post(
        "/learnlink/rest/v1/learning/completions",
        json={"userId": user, "contentId": CONTENT, "completedAt": completed.replace("+00:00", "Z")},
        auth=BASIC,
    )


def test_the_api_answers_while_the_receiver_still_holds_the_delivery() -> None:
    delivered, release = threading.Event(), threading.Event()

    # The receiver answers only once the test has seen the API call answered.
    url, server = _receiver("holding", (delivered, release))
    assert server is not None
    # A delivery timeout longer than the test waits: a call that waited for the receiver
    # would still be waiting when the test looks.
    options = {"webhook_max_attempts": 1, "webhook_timeout_seconds": 120}
    sim = InProcessSimulator(test_settings(vendor_options={"learnlink": options}))
    try:
        user = _subscribe(sim, url)
        statuses: list[int] = []
        caller = threading.Thread(target=lambda: statuses.append(_complete(sim, user, 0).status_code))
        caller.start()
        assert delivered.wait(60), "the receiver never got the delivery"
        caller.join(60)  # bounds a broken build's wait; the receiver has not answered yet
        assert not caller.is_alive(), "the API call is waiting for the webhook receiver"
        assert statuses == [201]
        release.set()
        [delivery] = _wait_until_finished(sim, 1)
        assert delivery["status"] == "delivered"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        sim.close()


def test_a_receiver_that_recovers_gets_the_delivery(sim: InProcessSimulator) -> None:
    """The retried delivery lands once the receiver answers 2xx: retries are real, not just recorded."""
    received: list[bytes] = []

    class Flaky(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("content-length", "0"))))
            self.send_response(500 if len(received) == 1 else 200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        sim.admin(
            "POST",
            "/webhooks",
            json={"tenant": "acme", "kind": "completion_subscription", "targetUrl": url, "secret": "k"},
        )
        user = sim.client.get(f"/learnlink/rest/v1/audiences/{AUDIENCE}", auth=BASIC).json()["userIds"][0]
        body = {"userId": user, "contentId": CONTENT, "completedAt": "2026-01-01T00:00:00Z"}
        assert sim.client.post("/learnlink/rest/v1/learning/completions", json=body, auth=BASIC).status_code == 201
        (delivery,) = _wait_until_finished(sim, 1)
    finally:
        server.shutdown()
        server.server_close()
    assert delivery["status"] == "delivered"
    assert [(a["number"], a["statusCode"]) for a in delivery["attempts"]] == [(1, 500), (2, 200)]
    assert len(received) == 2 and received[0] == received[1]  # the same signed payload, sent again
