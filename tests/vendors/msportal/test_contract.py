"""Schemathesis over specs/msportal.yaml, in-process, with every default check.

The app serves its own spec, so calls go to the app in-process. The auth provider adds
the full-scope demo key; the auth checks (`ignored_auth`, `missing_required_header`)
strip it to prove auth is enforced. Unknown query parameters are not generated: like the
real API, the simulator ignores them (and records a contract warning).
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from hypothesis.stateful import run_state_machine_as_test

from simulator.testing.harness import InProcessSimulator

SIM = InProcessSimulator(frozen=True)

schema = schemathesis.openapi.from_asgi("/msportal/openapi.json", SIM.app)
schema.config.generation.update(max_examples=25, allow_extra_parameters=False)


@schema.auth()
class DemoKey:
    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        return "msp_acme_full"

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_msportal_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_msportal_stateful() -> None:
    class Stateful(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            SIM.reset()
            SIM.freeze()

    settings = hypothesis.settings(
        max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    run_state_machine_as_test(Stateful, settings=settings)
