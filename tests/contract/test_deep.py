"""`make contract`: every spec, every phase, every check, positive and negative data, fixed seed,
in-process and against a live uvicorn server. Zero failures allowed.

Deselected from the default run (pyproject addopts `-m "not contract_deep"`). The default run
keeps a fast slice of the same tests: `test_quick_slice` below (examples, fuzzing and stateful,
two cases each, in-process), `lms-sim contract` in test_command.py and the body-status checks
in test_body_status.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.contract.auth import resolve_auth
from simulator.contract.report import ContractReport, write_junit
from simulator.contract.runner import ALL_PHASES, ContractOptions, run_contract, stateful_budget
from simulator.contract.targets import ADMIN, Target, all_targets
from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator, ServerSimulator, test_settings

REPORTS = Path(__file__).resolve().parents[2] / "reports"
SEED = 42
MAX_EXAMPLES = 50
# MSPortal's and Absorb's per-key rate limits count on the frozen simulated clock, so a deep run
# would spend most of its cases on 429s (MSPortal's after the first 600, Absorb's bucket never
# refills after its burst of 100); other vendors' limits show up in the per-status counts of the
# summary.
OPTIONS: dict[str, dict[str, Any]] = {
    "msportal": {"rate_limit_per_minute": 0},
    "absorb": {"rate_limit_per_second": 0},
}


def _options(target: Target, api_url: str, client: Any, **where: Any) -> ContractOptions:
    options = ContractOptions(target=target, max_examples=MAX_EXAMPLES, seed=SEED, phases=ALL_PHASES, **where)
    if target.name != ADMIN:
        # The credential `lms-sim contract --auth demo` picks (a token first, for OAuth2 vendors).
        auth = resolve_auth("demo", vendor=target.name, base_url=api_url, client=client)
        options.headers, options.basic_auth = auth.headers, auth.basic
    return options


def _check(report: ContractReport, options: ContractOptions, mode: str, reports: list[ContractReport] | None) -> None:
    target = options.target
    if reports is not None:
        reports.append(report)
        write_junit([report], REPORTS / f"contract-{target.name}-{mode}.xml")
    print(report.summary())
    assert report.passed, report.summary()
    excluded = {op_id for op_id, _ in target.excluded}
    expected = sum(1 for op in operations(load_spec(target.spec_file)) if op.operation_id not in excluded)
    assert report.operations_covered == expected, report.summary()
    # Hypothesis ends a stateful run early when a replay draws differently on the changed server;
    # the runner resumes it, so the phase runs the scenarios it was given.
    assert report.stateful_scenarios >= stateful_budget(options), report.summary()


@pytest.mark.contract_deep
@pytest.mark.parametrize("target", all_targets(), ids=lambda t: t.name)
def test_in_process(target: Target, deep_reports: list[ContractReport]) -> None:
    sim = InProcessSimulator(test_settings(vendor_options=OPTIONS))
    try:
        options = _options(target, f"http://testserver{target.prefix}", sim.client, app=sim.app)
        report = run_contract(options)
    finally:
        sim.close()
    _check(report, options, "in-process", deep_reports)


@pytest.mark.contract_deep
@pytest.mark.server
@pytest.mark.parametrize("target", all_targets(), ids=lambda t: t.name)
def test_live_server(target: Target, deep_reports: list[ContractReport]) -> None:
    sim = ServerSimulator(test_settings(vendor_options=OPTIONS))
    try:
        url = sim.root_url + target.prefix
        options = _options(target, url, sim.client, base_url=url)
        report = run_contract(options)
    finally:
        sim.close()
    _check(report, options, "live", deep_reports)


# The specs this slice keeps honest in the default run (Absorb's and Learn.link's have their own
# Schemathesis modules under tests/vendors; `make contract` runs every spec).
QUICK_TARGETS = [t for t in all_targets() if t.name in ("docebo", "skillable", "msportal", ADMIN)]


@pytest.mark.parametrize("target", QUICK_TARGETS, ids=lambda t: t.name)
def test_quick_slice(target: Target) -> None:
    sim = InProcessSimulator(test_settings(vendor_options=OPTIONS))
    try:
        options = _options(target, f"http://testserver{target.prefix}", sim.client, app=sim.app)
        # Fuzzing reaches the operations that have nothing to exemplify (no parameters, no body).
        options.phases, options.max_examples = ("examples", "fuzzing", "stateful"), 2
        report = run_contract(options)
    finally:
        sim.close()
    _check(report, options, "quick", None)
    # Two examples are six stateful scenarios. Half of their starts are aimed at demo records
    # (aim.py), so they enrol, update and read: every declared state transition is reached.
    # Which links are followed also rests on Schemathesis's own unseeded coin (it leaves a
    # link's values out now and then, to explore), so the bound on links is one, not a count.
    missed = report.transitions_reached()[1]
    assert missed == [], report.summary()
    assert report.links_covered, report.summary()
