"""Shared test helpers. The `lms_sim` and `lms_sim_server` fixtures come from the package's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from simulator.core.db import Database


@pytest.fixture
def db() -> Iterator[Database]:
    """A fresh in-memory database with every table, and no fixtures."""
    database = Database("sqlite://")
    database.create_schema()
    yield database


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.transaction() as s:
        yield s
