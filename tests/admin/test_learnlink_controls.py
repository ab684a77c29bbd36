"""Learn.link's control-API operations: audience membership, completions, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from simulator.testing.harness import CONTROL_JSON, InProcessSimulator, free_port

AUDIENCE = "64b000000000000000a00001"
BASIC = ("eu-west-2_AcmeDemo01", "acme-secret")


def _enrolments_of(sim: InProcessSimulator, user: str) -> list[dict[str, Any]]:
    """The user's enrolments in the assignments of AUDIENCE."""
    out = []
    assignments = sim.client.get("/learnlink/rest/v1/assignments", params={"audienceId": AUDIENCE}, auth=BASIC).json()
    assert assignments
    for assignment in assignments:
        listed = sim.client.get(f"/learnlink/rest/v1/assignments/{assignment['id']}/enrolments", auth=BASIC).json()
        out += [e for e in listed if e["userId"] == user]
    return out


def test_membership_drives_enrolments(lms_sim: InProcessSimulator) -> None:
    members = lms_sim.client.get(f"/learnlink/rest/v1/audiences/{AUDIENCE}", auth=BASIC).json()["userIds"]
    user = members[0]
    r = lms_sim.client.delete(f"/_sim/learnlink/acme/audiences/{AUDIENCE}/members/{user}", headers=CONTROL_JSON)
    assert r.status_code == 200 and r.json() == {"removed": True}
    assert all(e["status"] == "archived" for e in _enrolments_of(lms_sim, user))
    r = lms_sim.client.post(f"/_sim/learnlink/acme/audiences/{AUDIENCE}/members", json={"userId": user})
    assert r.json() == {"added": True}
    assert any(e["status"] != "archived" for e in _enrolments_of(lms_sim, user))
    assert (
        lms_sim.client.post(f"/_sim/learnlink/globex/audiences/{AUDIENCE}/members", json={"userId": user}).status_code
        == 404
    )


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers.get("x-hmac-signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhook_subscription_and_signed_delivery(lms_sim: InProcessSimulator) -> None:
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sub = lms_sim.client.post(
            "/_sim/webhooks",
            json={
                "tenant": "acme",
                "kind": "completion_subscription",
                "targetUrl": f"http://127.0.0.1:{port}/h",
                "secret": "k",
            },
        )
        assert sub.status_code == 201
        user = lms_sim.client.get(f"/learnlink/rest/v1/audiences/{AUDIENCE}", auth=BASIC).json()["userIds"][0]
        r = lms_sim.client.post(
            "/_sim/learnlink/acme/completions", json={"userId": user, "contentId": "64b000000000000000c00001"}
        )
        assert r.status_code == 201
        deadline = time.monotonic() + 10
        while not _Receiver.received and time.monotonic() < deadline:
            time.sleep(0.05)
        body, signature = _Receiver.received[0]
        assert signature == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()
        deliveries = lms_sim.client.get("/_sim/webhooks/deliveries", params={"tenant": "acme"}).json()["deliveries"]
        assert deliveries and deliveries[0]["attempts"]
        listed = lms_sim.client.get("/_sim/webhooks", params={"tenant": "acme"}).json()["subscriptions"]
        assert [s["id"] for s in listed] == [sub.json()["id"]]
        assert (
            lms_sim.client.delete(
                f"/_sim/webhooks/{sub.json()['id']}", params={"tenant": "acme"}, headers=CONTROL_JSON
            ).status_code
            == 200
        )
        assert lms_sim.client.get("/_sim/webhooks", params={"tenant": "acme"}).json()["subscriptions"] == []
    finally:
        server.shutdown()
        server.server_close()
