"""pytest plugin (registered through the `pytest11` entry point).

Fixtures:
- `lms_sim`: a fresh in-process simulator per test (in-memory database, demo fixtures,
  clock frozen, every response checked against its spec).
- `lms_sim_server`: the same behind a real uvicorn server on a free loopback port.

Both offer `.client`, `.url(vendor, path)`, `.base_url(vendor)`, `.now()`, `.advance(...)`,
`.set_clock(...)`, `.requests(...)`, `.reset()` and `.load_fixtures(...)`.

Injected faults are reported: when a test that uses either fixture fails, its report gets
a section "lms-sim injected faults" with every request a fault rule answered during the
test (method, path, outcome and the rule's id and kind), so a failure caused by a fault
the test set up (or forgot to clear) says so. A connection dropped in-process raises
`InjectedFaultDropped` (a `ConnectionDropped`) naming the rule.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator, ServerSimulator

FIXTURES = ("lms_sim", "lms_sim_server")
SECTION = "lms-sim injected faults"


@pytest.fixture
def lms_sim() -> Iterator[InProcessSimulator]:
    sim = InProcessSimulator()
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def lms_sim_server() -> Iterator[ServerSimulator]:
    sim = ServerSimulator()
    try:
        yield sim
    finally:
        sim.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    for name in FIXTURES:
        sim = funcargs.get(name)
        if sim is None:
            continue
        try:
            text = sim.fault_report()
        except Exception as exc:  # the simulator may be what broke; the report must not hide the failure
            text = f"(could not read the journal: {exc})"
        if text:
            report.sections.append((SECTION, text))
