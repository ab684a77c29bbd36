"""Skillable answers everything with HTTP 200: the status-based checks run on its body status.

The real simulator passes them; a Skillable that ignores the key, or that accepts invalid input
with body status 0, fails them, with the operations named. Quick phases: default suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
import requests
from schemathesis.core.transport import Response

from simulator.contract.body_status import BodyStatus, declared
from simulator.contract.report import ContractReport
from simulator.contract.runner import ContractOptions, run_contract
from simulator.contract.targets import find_target
from simulator.core.spec import load_spec
from simulator.testing.harness import InProcessSimulator

App = Callable[..., Any]
DEMO_KEY = "skl-acme-key"


def _response(status: int, body: object) -> Response:
    content = orjson.dumps(body) if not isinstance(body, bytes) else body
    request = requests.Request("GET", "http://x/skillable/GetClass/1").prepare()
    headers = {"content-type": ["application/json"]}
    return Response(status_code=status, headers=headers, content=content, request=request, elapsed=0.0, verify=True)


def test_the_skillable_spec_says_how_to_read_its_body_status() -> None:
    body_status = declared(load_spec("skillable.yaml"))
    assert body_status == BodyStatus(("status", "Status"), {0: 200, 10: 400, 20: 404, 30: 401})
    assert declared(load_spec("msportal.yaml")) is None


@pytest.mark.parametrize(
    ("http", "body", "seen"),
    [
        (200, {"Status": 30, "Error": None, "Results": []}, 401),
        (200, {"status": 10, "error": "Invalid request: classId: required"}, 400),
        (200, {"Status": 0, "Error": None, "Results": []}, 200),
        (200, {"Status": 99}, 200),  # a status the spec does not map stays what it is
        (404, {"Message": "No HTTP resource was found"}, 404),  # the framework's own 404
        (502, {"status": 10, "error": "upstream"}, 502),  # an injected outage keeps its HTTP status
        (200, b"not json", 200),
    ],
)
def test_a_response_is_seen_with_its_body_status_as_http_status(http: int, body: object, seen: int) -> None:
    body_status = BodyStatus(("status", "Status"), {0: 200, 10: 400, 20: 404, 30: 401})
    assert body_status.view(_response(http, body)).status_code == seen


def _run(app: App, phases: tuple[str, ...]) -> ContractReport:
    options = ContractOptions(
        target=find_target("skillable"), app=app, headers={"api_key": DEMO_KEY}, max_examples=3, phases=phases
    )
    return run_contract(options)


def _failed_checks(report: ContractReport) -> dict[str, set[str]]:
    return {label: {f.check for f in op.failures} for label, op in report.operations.items() if op.failures}


@pytest.fixture
def sim() -> Any:
    simulator = InProcessSimulator()
    yield simulator
    simulator.close()


def test_the_simulator_passes_the_body_status_checks(sim: InProcessSimulator) -> None:
    report = _run(sim.app, ("examples", "coverage"))
    assert report.passed, report.summary()
    assert "check ignored_auth: judged on the body status (ignored_auth_in_body)" in report.excluded


def _key_ignoring(app: App) -> App:
    """Every request reaches the API with the demo key, whatever the client sent."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"api_key"]
            scope = {**scope, "headers": [*headers, (b"api_key", DEMO_KEY.encode())]}
        await app(scope, receive, send)

    return wrapped


def test_an_api_that_ignores_the_key_fails_naming_each_operation(sim: InProcessSimulator) -> None:
    report = _run(_key_ignoring(sim.app), ("examples", "coverage"))
    assert not report.passed
    failed = _failed_checks(report)
    operations = {f"GET {op}" for op in load_spec("skillable.yaml")["paths"]}
    assert set(failed) == operations, report.summary()
    assert all("ignored_auth_in_body" in checks for checks in failed.values()), report.summary()
    assert any("missing_required_header_in_body" in checks for checks in failed.values()), report.summary()


def _accepts_everything(app: App) -> App:
    """Every "10 Error" answer turned into "0 Success": invalid input is no longer refused."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def rewrite(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                body = orjson.loads(message["body"])
                for name in ("status", "Status"):
                    if body.get(name) == 10:
                        body[name] = 0
                message = {**message, "body": orjson.dumps(body)}
            elif message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, rewrite)

    return wrapped


def test_an_api_that_accepts_invalid_input_fails_negative_data_rejection(sim: InProcessSimulator) -> None:
    report = _run(_accepts_everything(sim.app), ("coverage",))
    failed = _failed_checks(report)
    assert any("negative_data_rejection_in_body" in checks for checks in failed.values()), report.summary()
