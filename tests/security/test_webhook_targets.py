"""Webhook targets: loopback receivers only by default; anything else needs `--webhook-allow`.

A subscription to a host beyond loopback (cloud metadata, private ranges, other spellings of
those addresses, user:password URLs, the simulator's own port) is refused when it is made,
with a message naming the option; a name that resolves elsewhere by the time of delivery is
refused then, without a connection; redirects are never followed.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator, test_settings
from simulator.vendors.learnlink import receivers
from tests.security.test_webhook_receivers import AUDIENCE, BASIC, CONTENT, _wait_until_finished

FAST = {"learnlink": {"webhook_backoff_seconds": 0.05, "webhook_max_attempts": 1, "webhook_timeout_seconds": 2}}


def _subscribe(sim: InProcessSimulator, url: str) -> Any:
    body = {"tenant": "acme", "kind": "completion_subscription", "targetUrl": url, "secret": "k"}
    return sim.client.post("/_sim/webhooks", json=body)


@pytest.fixture
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator(test_settings(vendor_options=FAST))
    yield simulator
    simulator.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://192.168.1.1/hook",
        "http://2852039166/latest/meta-data/",  # 169.254.169.254 as one decimal number
        "http://0xa9fea9fe/latest/meta-data/",  # ... and in hex
        "http://[::ffff:169.254.169.254]/",
        "http://127.0.0.1@169.254.169.254/",  # userinfo: the host is the second one
        "http://user:pw@127.0.0.1:9/hook",
        "http://127.0.0.1:8000/_sim/reset",  # the simulator itself
        "http://",
    ],
)
def test_targets_beyond_loopback_are_refused_at_subscription(sim: InProcessSimulator, url: str) -> None:
    refused = _subscribe(sim, url)
    assert refused.status_code == 403, refused.text
    assert refused.json()["details"]["option"] == "--webhook-allow"
    assert sim.admin("GET", "/webhooks", params={"tenant": "acme"})["subscriptions"] == []


def test_the_refusal_names_the_option(sim: InProcessSimulator) -> None:
    message = _subscribe(sim, "http://169.254.169.254/").json()["error"]
    assert "--webhook-allow" in message and "loopback" in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook"])
def test_loopback_receivers_are_accepted(sim: InProcessSimulator, url: str) -> None:
    assert _subscribe(sim, url).status_code == 201


@pytest.mark.parametrize(
    ("allow", "url", "accepted"),
    [
        (["10.0.0.1"], "http://10.0.0.1:8080/hook", True),
        (["10.0.0.1:8080"], "http://10.0.0.1:8080/hook", True),
        (["10.0.0.1:9090"], "http://10.0.0.1:8080/hook", False),
        (["*"], "http://192.168.1.1/hook", True),
        ([], "http://10.0.0.1:8080/hook", False),
    ],
)
def test_webhook_allow_opens_named_hosts(allow: list[str], url: str, accepted: bool) -> None:
    sim = InProcessSimulator(test_settings(vendor_options=FAST, webhook_allow=allow))
    try:
        assert (_subscribe(sim, url).status_code == 201) is accepted
    finally:
        sim.close()


def test_the_cli_and_its_environment_variable_carry_the_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator import cli

    monkeypatch.setenv("LMS_SIM_WEBHOOK_ALLOW", "hooks.internal:8443, 10.0.0.7")
    args = cli._parser().parse_args(["serve", "--webhook-allow", "ci-receiver"])
    assert cli.settings_from(args).webhook_allow == ["hooks.internal:8443", "10.0.0.7", "ci-receiver"]


class _Receiver:
    """A loopback receiver that counts what it gets; `redirect_to` makes it answer 307 there."""

    def __init__(self, redirect_to: str | None = None) -> None:
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.hits += 1
                self.send_response(307 if redirect_to else 204)
                if redirect_to:
                    self.send_header("Location", redirect_to)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _complete(sim: InProcessSimulator) -> None:
    user = sim.client.get(f"/learnlink/rest/v1/audiences/{AUDIENCE}", auth=BASIC).json()["userIds"][0]
    body = {"userId": user, "contentId": CONTENT, "completedAt": "2026-01-01T00:00:00Z"}
    assert sim.client.post("/learnlink/rest/v1/learning/completions", json=body, auth=BASIC).status_code == 201


def _deliver_once(sim: InProcessSimulator, receiver: _Receiver, url: str) -> Any:
    """Subscribe `url`, cause one delivery, and return it once finished (the receiver is closed)."""
    try:
        assert _subscribe(sim, url).status_code == 201
        _complete(sim)
        [delivery] = _wait_until_finished(sim, 1)
    finally:
        receiver.close()
    return delivery


def test_a_redirect_is_not_followed(sim: InProcessSimulator) -> None:
    elsewhere = _Receiver()
    redirecting = _Receiver(redirect_to=elsewhere.url)
    try:
        delivery = _deliver_once(sim, redirecting, redirecting.url)
    finally:
        elsewhere.close()
    assert delivery["attempts"][0]["statusCode"] == 307
    assert redirecting.hits == 1 and elsewhere.hits == 0


def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_then(
    sim: InProcessSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: loopback when subscribed, the metadata address when delivered."""
    receiver = _Receiver()
    port = receiver.server.server_address[1]
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])

    def rebinding(host: str, port: int) -> Sequence[str]:
        return next(answers)

    monkeypatch.setattr(receivers, "resolve", rebinding)
    delivery = _deliver_once(sim, receiver, f"http://rebind.test:{port}/hook")
    [attempt] = delivery["attempts"]
    assert delivery["status"] == "failed" and attempt["statusCode"] is None
    assert "refused" in attempt["error"] and "169.254.169.254" in attempt["error"]
    assert receiver.hits == 0


def test_a_delivery_goes_to_the_address_that_was_checked(
    sim: InProcessSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checked address is the one connected to (the name is not looked up a second time)."""
    receiver = _Receiver()
    port = receiver.server.server_address[1]
    monkeypatch.setattr(receivers, "resolve", lambda host, port: ["127.0.0.1"])
    delivery = _deliver_once(sim, receiver, f"http://receiver.test:{port}/hook")
    assert delivery["status"] == "delivered" and receiver.hits == 1
