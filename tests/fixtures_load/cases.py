"""Fixture documents the equivalence test loads, and how it loads them.

The clock is pinned so that relative times ("@now-P30D") resolve to the same instants on
every run; otherwise the documents are exactly what users load.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.db import Database
from simulator.core.fixtures import read_documents
from simulator.generate import generate_document
from simulator.runtime import Runtime
from simulator.settings import DEFAULT_FIXTURES, Settings
from tests.fixtures_load.state import table_digests

PINNED_CLOCK = {"now": "2026-03-01T09:00:00Z", "frozen": True}


def _pinned(doc: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(doc), "clock": PINNED_CLOCK}


def _demo(runtime: Runtime, session: Session) -> None:
    runtime.load_document(session, _pinned(read_documents(DEFAULT_FIXTURES)), replace=True)


def _generated(runtime: Runtime, session: Session) -> None:
    runtime.load_document(session, _pinned(generate_document(2, 40, 6, seed=11)), replace=True)


def _merged_and_cloned(runtime: Runtime, session: Session) -> None:
    """A merge after a full load (row ids and counters continue), then clones of both kinds."""
    runtime.load_document(session, _pinned(read_documents(DEFAULT_FIXTURES)), replace=True)
    runtime.load_document(session, copy.deepcopy(generate_document(1, 12, 4, seed=3)), replace=False)
    runtime.clone_tenant(session, "acme")
    runtime.clone_tenant(session, "t1", "t1_copy")


CASES: dict[str, Callable[[Runtime, Session], None]] = {
    "demo": _demo,
    "generated": _generated,
    "merged_and_cloned": _merged_and_cloned,
}


def load_case(name: str) -> dict[str, str]:
    """Run one case on a fresh in-memory database and return its table digests."""
    runtime = Runtime(Settings(db=":memory:", fixtures=None), Database("sqlite://"))
    runtime.db.create_schema()
    with runtime.db.transaction() as session:
        ids.set_seed(session, 0)
        CASES[name](runtime, session)
    with runtime.db.transaction() as session:
        return table_digests(session)
