"""pytest plugin (registered through the `pytest11` entry point).

Fixtures:
- `lms_sim`: a fresh in-process simulator per test (in-memory database, demo fixtures,
  clock frozen, every response checked against its spec).
- `lms_sim_server`: the same behind a real uvicorn server on a free loopback port.

- `lms_sim_database_url`: the database both use; None (the default) means a fresh
  in-memory SQLite database. Override it to run them on PostgreSQL: the URL must name a
  database with the fixtures loaded, of this test alone (see
  `simulator.testing.postgres.PostgresServer`).

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

from simulator.testing.harness import InProcessSimulator, ServerSimulator, test_settings

FIXTURES = ("lms_sim", "lms_sim_server")
SECTION = "lms-sim injected faults"


@pytest.fixture
def lms_sim_database_url() -> str | None:
    return None


@pytest.fixture
def lms_sim(lms_sim_database_url: str | None) -> Iterator[InProcessSimulator]:
    sim = InProcessSimulator(test_settings(db=lms_sim_database_url) if lms_sim_database_url else None)
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def lms_sim_server(lms_sim_database_url: str | None) -> Iterator[ServerSimulator]:
    sim = ServerSimulator(test_settings(db=lms_sim_database_url) if lms_sim_database_url else None)
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
