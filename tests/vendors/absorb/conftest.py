"""Fixtures for the Absorb tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from simulator.core.db import Database
from simulator.testing.harness import InProcessSimulator
from tests.vendors.absorb.helpers import Absorb


@pytest.fixture
def api(lms_sim: InProcessSimulator) -> Absorb:
    return Absorb(lms_sim)


@pytest.fixture
def db_session(db: Database) -> Iterator[Session]:
    """A bare database with the schema (no fixtures), for backend unit tests (see tests/conftest.py's `db`)."""
    with db.transaction() as session:
        yield session
