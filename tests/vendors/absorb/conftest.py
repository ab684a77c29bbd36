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
def db_session() -> Iterator[Session]:
    """A bare database with the schema (no fixtures), for backend unit tests."""
    db = Database("sqlite://")
    db.create_schema()
    with db.transaction() as session:
        yield session
    db.dispose()
