"""A web page open in the developer's browser cannot drive the control API or the dashboard.

- a state-changing control call whose `Origin` is another site's is refused (403), with or
  without a body and whatever its content type; the simulator's own origin is served;
- every state-changing control call must say `Content-Type: application/json` (415), which
  a page can send cross-site only after a CORS preflight the simulator never grants;
- on a loopback server, `Host` must name loopback (or an `--allow-host` name): a
  DNS-rebinding page reaches the simulator under its own name and reads nothing;
- vendor APIs are untouched by all three: vendor clients send what they send.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator, ServerSimulator, test_settings

ELSEWHERE = "https://evil.example"
AUTH = {"Authorization": "Bearer msp_acme_full"}
COURSES = "/msportal/api/public/v1/training/courses"
STATE_CHANGING = [
    (op.method, op.path.replace("{name}", "s1").replace("{faultId}", "1"))
    for op in operations(load_spec("simulator.yaml"))
    if op.method in ("POST", "PUT", "DELETE") and "{" not in op.path.replace("{name}", "").replace("{faultId}", "")
]


@pytest.mark.parametrize(("method", "path"), STATE_CHANGING)
def test_a_cross_origin_control_call_is_refused(lms_sim: InProcessSimulator, method: str, path: str) -> None:
    for content_type in ("application/json", "text/plain", None):
        headers = {"Origin": ELSEWHERE, **({"Content-Type": content_type} if content_type else {})}
        response = lms_sim.client.request(method, f"/_sim{path}", headers=headers, content=b"{}")
        assert response.status_code == 403, f"{method} {path} {content_type}: {response.status_code}"
        assert response.json()["code"] == "cross_origin"


def test_reset_and_snapshots_from_another_site_change_nothing(lms_sim: InProcessSimulator) -> None:
    lms_sim.set_clock("2030-01-01T00:00:00Z", frozen=True)
    for path in ("/_sim/reset", "/_sim/snapshots/planted", "/_sim/snapshots/planted/restore"):
        assert lms_sim.client.post(path, headers={"Origin": "null"}).status_code == 403
        assert lms_sim.client.post(path, headers={"Origin": ELSEWHERE, "Content-Type": "text/plain"}).status_code == 403
    assert lms_sim.admin("GET", "/clock")["now"].startswith("2030-01-01")
    assert lms_sim.admin("GET", "/snapshots")["snapshots"] == []


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_state_changing_control_call_needs_json(lms_sim: InProcessSimulator, content_type: str | None) -> None:
    lms_sim.set_clock("2030-01-01T00:00:00Z", frozen=True)
    headers = {"Content-Type": content_type} if content_type else {}
    response = lms_sim.client.post("/_sim/reset", headers=headers)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["error"]
    assert lms_sim.admin("GET", "/clock")["now"].startswith("2030-01-01")


def test_the_simulators_own_origin_is_served(lms_sim: InProcessSimulator) -> None:
    own = {"Origin": "http://testserver", "Content-Type": "application/json"}
    assert lms_sim.client.post("/_sim/reset", headers=own).status_code == 200
    assert (
        lms_sim.client.post("/_sim/reset", headers={"Content-Type": "application/json; charset=utf-8"}).status_code
        == 200
    )


def test_the_dashboards_forms_refuse_other_origins() -> None:
    sim = InProcessSimulator(test_settings(admin_token="t0k"), frozen=False)
    try:
        login = sim.client.post("/_dashboard/login", data={"token": "t0k"}, headers={"Origin": ELSEWHERE})
        assert login.status_code == 403 and "set-cookie" not in login.headers
        own = sim.client.post("/_dashboard/login", data={"token": "t0k"}, headers={"Origin": "http://testserver"})
        assert own.status_code == 303
    finally:
        sim.close()


def test_vendor_apis_ignore_origin_and_content_type(lms_sim: InProcessSimulator) -> None:
    assert lms_sim.client.get(COURSES, headers={**AUTH, "Origin": ELSEWHERE}).status_code == 200
    body = {"courseId": "ac030000-0000-4000-8000-000000000001", "userIds": ["ac020000-0000-4000-8000-000000000020"]}
    response = lms_sim.client.post(
        "/msportal/api/public/v1/training/enrollments/bulk",
        json=body,
        headers={**AUTH, "Origin": ELSEWHERE, "Host": "rebind.example"},
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def server() -> Iterator[ServerSimulator]:
    sim = ServerSimulator()
    yield sim
    sim.close()


@pytest.mark.parametrize("path", ["/_sim/vendors", "/_sim/health", "/_dashboard/api/overview", "/"])
def test_a_rebinding_host_cannot_read_the_control_api(server: ServerSimulator, path: str) -> None:
    response = httpx.get(f"{server.root_url}{path}", headers={"Host": "attacker.example:8000"})
    assert response.status_code == 403
    assert "msp_acme_full" not in response.text and "--allow-host" in response.json()["error"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "app.localhost:{port}", "[::1]:{port}"]
)
def test_loopback_host_names_are_served(server: ServerSimulator, host: str) -> None:
    port = server.root_url.rsplit(":", 1)[1]
    response = httpx.get(f"{server.root_url}/_sim/vendors", headers={"Host": host.format(port=port)})
    assert response.status_code == 200


def test_allow_host_adds_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator import cli

    monkeypatch.setenv("LMS_SIM_ALLOW_HOSTS", "sim.internal")
    args = cli._parser().parse_args(["serve", "--allow-host", "devbox"])
    settings = cli.settings_from(args)
    assert settings.allowed_hosts == ["sim.internal", "devbox"]
    sim = InProcessSimulator(test_settings(allowed_hosts=["testserver", *settings.allowed_hosts]))
    try:
        assert sim.client.get("/_sim/health", headers={"Host": "devbox:8000"}).status_code == 200
        assert sim.client.get("/_sim/health", headers={"Host": "other:8000"}).status_code == 403
    finally:
        sim.close()


def test_a_server_beyond_loopback_does_not_check_host() -> None:
    sim = InProcessSimulator(test_settings(host="0.0.0.0", allowed_hosts=[]))
    try:
        assert sim.client.get("/_sim/health", headers={"Host": "sim.lan:8000"}).status_code == 200
    finally:
        sim.close()
