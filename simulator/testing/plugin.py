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
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.testing.harness import InProcessSimulator, ServerSimulator, test_settings


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
