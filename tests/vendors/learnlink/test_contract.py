"""Schemathesis over specs/learnlink.yaml, in-process, with every default check and the links.

Auth uses the documented token flow: the provider asks the app's own token endpoint for
an `api/all` token (client credentials, Basic) and sends it as a Bearer token; the auth
checks (`ignored_auth`, `missing_required_header`) strip it to prove auth is enforced.
"""

from __future__ import annotations

import base64
from typing import Any

import hypothesis
import schemathesis
from hypothesis.stateful import run_state_machine_as_test

from simulator.testing.harness import InProcessSimulator

SIM = InProcessSimulator(frozen=True)
TENANT_ID, SECRET = "eu-west-2_AcmeDemo01", "acme-secret"

schema = schemathesis.openapi.from_asgi("/learnlink/openapi.json", SIM.app)
schema.config.generation.update(max_examples=25, allow_extra_parameters=False)


def fetch_token() -> str:
    basic = base64.b64encode(f"{TENANT_ID}:{SECRET}".encode()).decode()
    response = SIM.client.post(
        f"/learnlink/oauth2/token/{TENANT_ID}",
        data={"grant_type": "client_credentials", "scope": "api/all"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@schema.auth(refresh_interval=None)
class TokenFlow:
    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        # A fresh token per case: the stateful phase resets the database between scenarios.
        return fetch_token()

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        if case.operation.path.startswith("/oauth2/"):
            return  # the token endpoint authenticates the client itself
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_learnlink_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_learnlink_stateful() -> None:
    class Stateful(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            SIM.reset()
            SIM.freeze()

    settings = hypothesis.settings(
        max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    run_state_machine_as_test(Stateful, settings=settings)
