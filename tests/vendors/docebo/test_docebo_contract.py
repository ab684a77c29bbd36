"""Schemathesis over specs/docebo.yaml, in-process, with every default check.

The app serves its own spec. The auth provider runs Docebo's token flow (a password
grant on the token endpoint) for each case, so tokens are never stale after a reset;
the auth checks (`ignored_auth`, `missing_required_header`) strip the token to prove
auth is enforced. Unknown query parameters are not generated (the simulator ignores them
and records a contract warning).
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from hypothesis.stateful import run_state_machine_as_test

from simulator.testing.harness import InProcessSimulator

SIM = InProcessSimulator(frozen=True)

schema = schemathesis.openapi.from_asgi("/docebo/openapi.json", SIM.app)
schema.config.generation.update(max_examples=25, allow_extra_parameters=False)

TOKEN_FORM = {
    "grant_type": "password",
    "client_id": "acme-client",
    "client_secret": "acme-secret",
    "scope": "api",
    "username": "api.admin",
    "password": "Passw0rd!",
}


@schema.auth(refresh_interval=None)
class PasswordGrant:
    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        response = SIM.client.post("/docebo/oauth2/token", data=TOKEN_FORM)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_docebo_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_docebo_stateful() -> None:
    class Stateful(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            SIM.reset()
            SIM.freeze()

    settings = hypothesis.settings(
        max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    run_state_machine_as_test(Stateful, settings=settings)
