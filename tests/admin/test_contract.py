"""Schemathesis over specs/simulator.yaml (the control API), in-process."""

from __future__ import annotations

import hypothesis
import schemathesis

from simulator.testing.harness import CONTROL_JSON, InProcessSimulator

SIM = InProcessSimulator(frozen=True)
schema = schemathesis.openapi.from_asgi("/_sim/openapi.json", SIM.app)
# /fixtures replaces the whole state: generated documents would only test our refusal of them,
# which test_admin.py does precisely. Unknown query parameters are ignored, as by the vendors.
schema = schema.exclude(operation_id="loadFixtures")
schema.config.generation.update(max_examples=20, allow_extra_parameters=False)
schema.config.update(headers=CONTROL_JSON)  # every state-changing control call says JSON


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_control_api(case: schemathesis.Case) -> None:
    case.call_and_validate()
