"""Backend fixtures: the demo data loaded into the shared fresh in-memory database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from simulator.core.db import UTC
from simulator.core.fixtures import FixtureContext, read_documents
from simulator.vendors.skillable.fixtures import load_tenant

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo" / "skillable.yaml"


def load_demo(session: Session, now: dt.datetime = NOW) -> None:
    doc = read_documents(DEMO)
    fx = FixtureContext(session=session, now=now)
    for tenant, sections in doc["tenants"].items():
        load_tenant(fx, tenant, sections["skillable"])
    session.flush()


@pytest.fixture
def demo(session: Session) -> Session:
    """`session` (tests/conftest.py) with the Skillable demo organizations loaded at NOW."""
    load_demo(session)
    return session
