"""Schemathesis over specs/skillable.yaml, in-process, with every default check.

Skillable answers every call with HTTP 200 and reports the outcome in the body status
(0 Success, 10 Error, 20 Not found, 30 Invalid integration key); the spec documents this
and declares how to read it (`x-status-in-body`). So, as in `make contract`, the three
checks that judge a rejection by the HTTP status (`negative_data_rejection`,
`missing_required_header`, `ignored_auth`) run on the body status instead
(simulator/contract/body_status.py): invalid input must answer 10, a missing or wrong key
30. Every other default check runs unchanged (the response schema of each operation
includes the error bodies, so `response_schema_conformance` judges them too).
"""

from __future__ import annotations

import schemathesis

from simulator.contract import body_status
from simulator.testing.harness import InProcessSimulator
from simulator.testing.schemathesis_support import OPERATION_SETTINGS, run_stateful, send_headers, vendor_schema

SIM = InProcessSimulator(frozen=True)
DEMO_KEY = "skl-acme-key"

schema = vendor_schema(SIM, "skillable")
send_headers(schema, lambda case: {"api_key": DEMO_KEY})


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


def test_status_checks_are_judged_on_the_body_status() -> None:
    # The HTTP-status originals are off for this spec only; their body-status versions are on.
    config = schema.config.checks_config_for()
    for name in body_status.HTTP_STATUS_CHECKS:
        assert not config.get_by_name(name=name).enabled
        assert config.get_by_name(name=f"{name}_in_body").enabled


@schema.parametrize()
@OPERATION_SETTINGS
def test_skillable_operations(case: schemathesis.Case) -> None:
    aim_at_demo_records(case)
    case.call_and_validate()


def test_skillable_stateful() -> None:
    run_stateful(schema, SIM, before_call=aim_at_demo_records)
