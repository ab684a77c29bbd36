"""pytest plugin (registered through the `pytest11` entry point).

Fixtures:
- `lms_sim`: a fresh in-process simulator per test (in-memory database, demo fixtures,
  clock frozen, every response checked against its spec).
- `lms_sim_server`: the same behind a real uvicorn server on a free loopback port.

Both offer `.client`, `.url(vendor, path)`, `.base_url(vendor)`, `.now()`, `.advance(...)`,
`.set_clock(...)`, `.requests(...)`, `.reset()` and `.load_fixtures(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.testing.harness import InProcessSimulator, ServerSimulator


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
