"""What every vendor's Schemathesis test module needs: the spec served by an in-process simulator,
an auth provider, the Hypothesis settings and the stateful run over the spec's links.

    SIM = InProcessSimulator(frozen=True)
    schema = vendor_schema(SIM, "msportal")
    send_headers(schema, lambda case: {"Authorization": "Bearer msp_acme_full"})

    @schema.parametrize()
    @OPERATION_SETTINGS
    def test_operations(case): case.call_and_validate()

    def test_stateful(): run_stateful(schema, SIM)

The checks are the ones `make contract` uses for the same spec: a spec whose vendor answers
everything with HTTP 200 (`x-status-in-body`) has its status-based checks judged on the body
status (simulator/contract/body_status.py) instead of on the HTTP status; the statuses a spec
declares for business rules (`x-schema-valid-rejections`) count as accepting schema-valid data
for those operations only; the stateful phase follows the spec's declared links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import hypothesis
import schemathesis
from hypothesis.stateful import run_state_machine_as_test
from requests.structures import CaseInsensitiveDict
from schemathesis.schemas import BaseSchema

from simulator.contract import body_status
from simulator.contract.schema_config import accept_declared_rejections, follow_declared_links
from simulator.testing.harness import InProcessSimulator

# Generated data is arbitrary by design: "too slow" or "filtered too much" are not defects.
OPERATION_SETTINGS = hypothesis.settings(deadline=None, suppress_health_check=list(hypothesis.HealthCheck))

HeaderSource = Callable[[schemathesis.Case[Any]], Mapping[str, str]]


def vendor_schema(sim: InProcessSimulator, vendor: str, *, max_examples: int = 25) -> BaseSchema:
    """The vendor's spec as the simulator serves it, calls going to the app in-process.

    Unknown query parameters are not generated: like the real APIs, the simulator ignores them
    (and records a contract warning), so they would only test what no contract says.
    """
    schema = schemathesis.openapi.from_asgi(f"/{vendor}/openapi.json", sim.app)
    schema.config.generation.update(max_examples=max_examples, allow_extra_parameters=False)
    if body_status.declared(schema.raw_schema) is not None:
        schema.config.checks.update(excluded_check_names=list(body_status.HTTP_STATUS_CHECKS))
    accept_declared_rejections(schema.config, schema.raw_schema)
    follow_declared_links(schema.config)
    return schema


def send_headers(schema: BaseSchema, headers: HeaderSource) -> None:
    """Register an auth provider that adds `headers(case)` to every case.

    `headers` runs for each case (no caching), so a token flow gives a fresh token even after
    the stateful phase reset the database. The auth checks strip what it adds to prove that
    auth is enforced. Return `{}` for operations that authenticate differently (a token endpoint).
    """

    @schema.auth(refresh_interval=None)
    class Headers:
        def get(self, case: schemathesis.Case[Any], ctx: Any) -> dict[str, str]:
            return dict(headers(case))

        def set(self, case: schemathesis.Case[Any], data: dict[str, str], ctx: Any) -> None:
            if case.headers is None:  # negative cases may drop the container
                case.headers = CaseInsensitiveDict()
            case.headers.update(data)


def bearer(token: Callable[[], str]) -> HeaderSource:
    """A header source sending `Authorization: Bearer <token()>`."""
    return lambda case: {"Authorization": f"Bearer {token()}"}


def run_stateful(
    schema: BaseSchema,
    sim: InProcessSimulator,
    *,
    max_examples: int = 15,
    step_count: int = 6,
    before_call: Callable[[schemathesis.Case[Any]], None] | None = None,
) -> None:
    """Follow the spec's OpenAPI links, each scenario from a fresh demo state on a frozen clock.

    `before_call` may adjust each case before it is sent (e.g. aim ids at demo records).
    """

    def setup(self: Any) -> None:
        sim.reset()
        sim.freeze()

    namespace: dict[str, Any] = {"setup": setup}
    if before_call is not None:
        namespace["before_call"] = lambda self, case: before_call(case)
    machine = type("Stateful", (schema.as_state_machine(),), namespace)
    settings = hypothesis.settings(OPERATION_SETTINGS, max_examples=max_examples, stateful_step_count=step_count)
    run_state_machine_as_test(machine, settings=settings)
