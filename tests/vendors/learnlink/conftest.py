"""Backend fixtures: a fresh in-memory database per test with only the tables Learn.link needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session

from simulator.core import models as core_models
from simulator.core.db import Base, Database
from simulator.core.fixtures import FixtureContext
from simulator.vendors.learnlink import delivery
from simulator.vendors.learnlink import models as learnlink_models
from simulator.vendors.learnlink.fixtures import load_tenant

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "fixtures" / "demo" / "learnlink.yaml"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _tables() -> list[Any]:
    # Only the core's and this vendor's tables: other vendors may not be importable here.
    assert core_models and learnlink_models
    return [t for t in Base.metadata.sorted_tables if t.name.startswith(("sim_", "learnlink_"))]


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    Base.metadata.create_all(database.engine, tables=_tables())
    try:
        yield database
    finally:
        delivery.stop_all()
        database.engine.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.transaction() as s:
        yield s


def _demo_section(tenant: str) -> dict[str, Any]:
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    section: dict[str, Any] = doc["tenants"][tenant]["learnlink"]
    return section


@pytest.fixture
def t0() -> dt.datetime:
    """The simulated 'now' at which backend tests load their data."""
    return T0


@pytest.fixture
def demo_section() -> Callable[[str], dict[str, Any]]:
    """The demo fixture's learnlink section of a tenant (a fresh copy per call)."""
    return _demo_section


@pytest.fixture
def demo(session: Session) -> Session:
    """Both demo tenants loaded at T0."""
    fx = FixtureContext(session=session, now=T0)
    for tenant in ("acme", "globex"):
        load_tenant(fx, tenant, _demo_section(tenant))
    session.flush()
    return session
