"""pytest plugin (registered through the `pytest11` entry point).

Loaded by every pytest run of a project that has lms-simulator installed, so it imports
nothing but pytest: the simulator (Starlette, SQLAlchemy, the specs) is imported by the
first fixture a test requests.

Fixtures (the guide is docs/testing.md):
- `lms_sim`: a fresh in-process simulator per test (in-memory database, demo fixtures,
  clock frozen, every response checked against its spec).
- `lms_sim_intercept`: `lms_sim`, also answering the vendors' real hosts
  (`https://acme.docebosaas.com/...`) for httpx (sync and async) and requests, so code under
  test keeps its URLs; options from the `lms_sim_intercept_options` fixture (override it:
  `{"passthrough": True, "skillable_url": "https://tms.example.com/api"}`).
- `lms_sim_live`: a real server on a loopback port, shared by the session and restored
  before each test (records, journal, clock, faults).
- `lms_sim_server`: a real server of the test's own (full isolation, slower).
- `lms_sim_tenant`: a fresh clone of the demo tenant "acme" on `lms_sim_live`, with
  credentials of its own.
- `lms_sim_database_url`: the database `lms_sim` and `lms_sim_server` use; None (the default)
  means a fresh in-memory SQLite database. Override it to run them on PostgreSQL: the URL
  must name a database with the fixtures loaded, of this test alone (see
  `simulator.testing.postgres.PostgresServer`).

Injected faults are reported: when a test that uses a simulator fixture fails, its report
gets a section "lms-sim injected faults" with every request a fault rule answered during
the test (method, path, outcome and the rule's id and kind). A connection dropped
in-process raises `InjectedFaultDropped` (a `ConnectionDropped`) naming the rule.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from simulator.testing.harness import InProcessSimulator, ServerSimulator
    from simulator.testing.live import SharedServer, TenantClone

FIXTURES = ("lms_sim", "lms_sim_server", "lms_sim_live", "lms_sim_intercept")
SECTION = "lms-sim injected faults"


def _settings(database_url: str | None) -> Any:
    if database_url is None:
        return None
    from simulator.testing.harness import test_settings

    return test_settings(db=database_url)


@pytest.fixture
def lms_sim_database_url() -> str | None:
    return None


@pytest.fixture
def lms_sim(lms_sim_database_url: str | None) -> Iterator[InProcessSimulator]:
    from simulator.testing.harness import InProcessSimulator

    sim = InProcessSimulator(_settings(lms_sim_database_url))
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def lms_sim_intercept_options() -> dict[str, Any]:
    """Options of `lms_sim_intercept`: passthrough (bool or host names), skillable_url."""
    return {}


@pytest.fixture
def lms_sim_intercept(lms_sim: InProcessSimulator, lms_sim_intercept_options: dict[str, Any]) -> Iterator[Any]:
    from simulator.testing.hosts import VendorHosts
    from simulator.testing.intercept import Interception

    with Interception(lms_sim, VendorHosts.build(**lms_sim_intercept_options)):
        yield lms_sim


@pytest.fixture
def lms_sim_server(lms_sim_database_url: str | None) -> Iterator[ServerSimulator]:
    from simulator.testing.harness import ServerSimulator

    sim = ServerSimulator(_settings(lms_sim_database_url))
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture(scope="session")
def lms_sim_shared_server() -> Iterator[SharedServer]:
    """The session's live server (one per xdist worker: each worker is its own process)."""
    from simulator.testing.live import SharedServer

    shared = SharedServer()
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def lms_sim_live(lms_sim_shared_server: SharedServer) -> ServerSimulator:
    return lms_sim_shared_server.fresh()


@pytest.fixture
def lms_sim_tenant(lms_sim_live: ServerSimulator) -> TenantClone:
    from simulator.testing.live import clone_tenant

    return clone_tenant(lms_sim_live, "acme")


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
        break  # lms_sim_intercept is lms_sim: one section per test
