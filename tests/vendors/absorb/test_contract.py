"""Schemathesis over specs/absorb.yaml, in-process, with every default check and the
stateful phase over the spec's OpenAPI links (create -> get -> update -> unenroll).

Auth is Absorb's own flow: the provider calls `POST /authenticate` for a fresh admin
token on every case (a token per case, since a new token replaces the previous one),
and sends it with the portal key. The auth checks strip both to prove auth is enforced.

Two statuses count as an acceptable answer to schema-valid data, because the schema
cannot express the rule behind them: 422 (a `_filter`/`_sort` string that is not valid
OData, unknown ids sent to `/enrollments/unenroll`, a second session of one ILC, an
attempt that is already finished) and, as Schemathesis' default, 404 for drawn ids.
The rate limit is off here (a frozen clock never refills the bucket); test_auth.py
covers it.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import schemathesis
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config._checks import PositiveDataAcceptanceConfig

from simulator.testing import harness
from tests.vendors.absorb.helpers import ACME_KEY, ADMIN

SETTINGS = harness.test_settings(vendor_options={"absorb": {"rate_limit_per_second": 0}})
SIM = harness.InProcessSimulator(SETTINGS, frozen=True)

schema = schemathesis.openapi.from_asgi("/absorb/openapi.json", SIM.app)
schema.config.generation.update(max_examples=25, allow_extra_parameters=False)
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "401", "403", "404", "422", "429"]
)


def admin_token() -> str:
    r = SIM.client.post(
        "/absorb/authenticate",
        json={"username": ADMIN[0], "password": ADMIN[1], "privateKey": ACME_KEY},
        headers={"x-api-key": ACME_KEY, "x-api-version": "2"},
    )
    assert r.status_code == 200, r.text
    token: str = r.json()
    return token


@schema.auth(refresh_interval=None)
class AbsorbToken:
    def get(self, case: schemathesis.Case, ctx: Any) -> str:
        return "" if case.operation.path == "/authenticate" else admin_token()

    def set(self, case: schemathesis.Case, data: str, ctx: Any) -> None:
        headers = {**(case.headers or {}), "x-api-key": ACME_KEY}
        if data:
            headers["Authorization"] = f"Bearer {data}"
        case.headers = headers


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_absorb_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_absorb_stateful() -> None:
    class Stateful(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            SIM.reset()
            SIM.freeze()

    settings = hypothesis.settings(
        max_examples=25, stateful_step_count=8, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
    )
    run_state_machine_as_test(Stateful, settings=settings)
