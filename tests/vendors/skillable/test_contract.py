"""Schemathesis over specs/skillable.yaml, in-process, with every default check.

Skillable answers every call with HTTP 200 and reports the outcome in the body status
(0 Success, 10 Error, 20 Not found, 30 Invalid integration key); the spec documents
this. Three default checks judge rejection by the HTTP status alone, so against this
vendor they would demand a 4xx the real API never sends:

- `negative_data_rejection` and `missing_required_header` are replaced by the same
  Schemathesis checks (with all their heuristics, e.g. for data that becomes valid once
  serialized) run on the response with the body status read as the HTTP status
  (10 -> 400, 20 -> 404, 30 -> 401).
- `ignored_auth` is replaced by `api_key_enforced_in_body`: once per operation, a call
  that succeeded with the demo key is repeated without a key and with a wrong key, and
  both must answer body status 30.

Every other default check runs unchanged (the response schema of each operation
includes the error bodies, so `response_schema_conformance` judges them too).
"""

from __future__ import annotations

from typing import Any

import hypothesis
import orjson
import schemathesis
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.core.transport import Response
from schemathesis.specs.openapi import checks as st_checks
from schemathesis.specs.openapi._auth_retry import get_security_parameters, remove_auth, send_probe

from simulator.testing.harness import InProcessSimulator

SIM = InProcessSimulator(frozen=True)
DEMO_KEY = "skl-acme-key"
BODY_STATUS_AS_HTTP = {0: 200, 10: 400, 20: 404, 30: 401}

schema = schemathesis.openapi.from_asgi("/skillable/openapi.json", SIM.app)
schema.config.generation.update(max_examples=25, allow_extra_parameters=False)


# Random int32 ids almost never name a demo record, so positive cases would only ever see
# "not found". Three in four are folded onto the demo organization's classes, users and
# enrollments (still schema-valid), so creates, waitlists and updates really happen.
DEMO_ID_RANGES = {"classId": (3001, 6), "userId": (501, 24), "studentId": (501, 24)}
PATH_ID_RANGES = {"/GetClass/{id}": (3001, 6)}
ENROLLMENT_IDS = (45001, 65)


def _fold(value: object, first: int, count: int) -> object:
    if isinstance(value, int) and not isinstance(value, bool) and value % 4:
        return first + value % count
    return value


def aim_at_demo_records(case: schemathesis.Case) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        for name, (first, count) in DEMO_ID_RANGES.items():
            if name in case.query:
                case.query[name] = _fold(case.query[name], first, count)
    if isinstance(case.path_parameters, dict) and "id" in case.path_parameters:
        first, count = PATH_ID_RANGES.get(case.operation.path, ENROLLMENT_IDS)
        case.path_parameters["id"] = _fold(case.path_parameters["id"], first, count)


@schema.auth()
class DemoKey:
    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        return DEMO_KEY

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "api_key": data}


def body_status(response: Response) -> int | None:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict):
        return None
    value = body.get("status", body.get("Status"))
    return value if isinstance(value, int) else None


def as_http_status(response: Response) -> Response:
    """The response with its body status in place of HTTP 200 (other HTTP statuses kept)."""
    status = body_status(response)
    if response.status_code != 200 or status not in BODY_STATUS_AS_HTTP:
        return response
    return Response(
        status_code=BODY_STATUS_AS_HTTP[status],
        headers=response.headers,
        content=response.content,
        request=response.request,
        elapsed=response.elapsed,
        verify=response.verify,
    )


def negative_data_rejected_in_body(ctx: Any, response: Response, case: schemathesis.Case) -> bool | None:
    return st_checks.negative_data_rejection(ctx, as_http_status(response), case)


def missing_api_key_rejected_in_body(ctx: Any, response: Response, case: schemathesis.Case) -> bool | None:
    return st_checks.missing_required_header(ctx, as_http_status(response), case)


_enforced: set[str] = set()


def api_key_enforced_in_body(ctx: Any, response: Response, case: schemathesis.Case) -> bool | None:
    parameters = get_security_parameters(case.operation)
    if not parameters or case.operation.label in _enforced or body_status(response) != 0:
        return None
    no_key = remove_auth(case, parameters)
    wrong_key = remove_auth(case, parameters)
    wrong_key.headers = {**(wrong_key.headers or {}), "api_key": "not-a-key"}
    for probe, what in ((no_key, "without api_key"), (wrong_key, "with a wrong api_key")):
        probe_response = send_probe(ctx, case, probe)
        got = body_status(probe_response)
        assert probe_response.status_code == 200 and got == 30, (
            f"{case.operation.label} {what}: expected HTTP 200 with body status 30, "
            f"got HTTP {probe_response.status_code} with body status {got}"
        )
    _enforced.add(case.operation.label)
    return None


# The HTTP-status checks and their body-status counterparts.
REPLACED_CHECKS = [st_checks.negative_data_rejection, st_checks.missing_required_header, st_checks.ignored_auth]
BODY_STATUS_CHECKS = [negative_data_rejected_in_body, missing_api_key_rejected_in_body, api_key_enforced_in_body]


def validate(case: schemathesis.Case) -> None:
    aim_at_demo_records(case)
    case.call_and_validate(excluded_checks=REPLACED_CHECKS, additional_checks=BODY_STATUS_CHECKS)


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_skillable_operations(case: schemathesis.Case) -> None:
    validate(case)


def test_skillable_stateful() -> None:
    class Stateful(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            SIM.reset()
            SIM.freeze()

        def before_call(self, case: schemathesis.Case) -> None:
            aim_at_demo_records(case)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            checks = {"excluded_checks": REPLACED_CHECKS, "additional_checks": BODY_STATUS_CHECKS}
            case.validate_response(response, **{**kwargs, **checks})

    settings = hypothesis.settings(
        max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    run_state_machine_as_test(Stateful, settings=settings)
