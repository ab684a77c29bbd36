"""Backend fixtures: a fresh in-memory database with the Skillable tables and demo data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from simulator.core import models as _core_models  # noqa: F401  (registers the core tables)
from simulator.core.db import UTC, Base, Database
from simulator.core.fixtures import FixtureContext, read_documents
from simulator.vendors.skillable.fixtures import load_tenant

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo" / "skillable.yaml"


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    # Only the core and Skillable tables: the backend tests need no other vendor.
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as s, s.begin():
        yield s


def load_demo(session: Session, now: dt.datetime = NOW) -> None:
    doc = read_documents(DEMO)
    fx = FixtureContext(session=session, now=now)
    for tenant, sections in doc["tenants"].items():
        load_tenant(fx, tenant, sections["skillable"])
    session.flush()


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo(session)
    return session
