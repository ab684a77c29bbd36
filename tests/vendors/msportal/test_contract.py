"""Schemathesis over specs/msportal.yaml, in-process, with every default check.

The auth provider adds the full-scope demo key; the auth checks (`ignored_auth`,
`missing_required_header`) strip it to prove auth is enforced.
"""

from __future__ import annotations

import schemathesis

from simulator.testing.harness import InProcessSimulator
from simulator.testing.schemathesis_support import OPERATION_SETTINGS, run_stateful, send_headers, vendor_schema

SIM = InProcessSimulator(frozen=True)
schema = vendor_schema(SIM, "msportal")
send_headers(schema, lambda case: {"Authorization": "Bearer msp_acme_full"})


@schema.parametrize()
@OPERATION_SETTINGS
def test_msportal_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_msportal_stateful() -> None:
    run_stateful(schema, SIM)
