"""Journal entries of requests that change nothing are written in batches, never lost or reordered.

One process serving a SQLite file keeps those entries pending for a few milliseconds
(`journal.PendingJournal`); whatever reads the journal, and any request that writes, writes
them first. These tests serve a file database as `lms-sim serve` does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core import journal, pipeline
from simulator.core.db import Database
from simulator.runtime import Runtime
from simulator.settings import Settings

BASE = "/msportal/api/public/v1/training/enrollments"
ENROLLMENT = f"{BASE}/ac040000-0000-4000-8000-000000000001"
FULL = {"Authorization": "Bearer msp_acme_full"}
# MSPortal counts its rate limit in the database: with it on, every request writes.
NO_RATE_LIMIT = {"msportal": {"rate_limit_per_minute": 0}}
# A change that is stored (the demo enrollment is completed: its progress stays 100).
NEW_DUE_DATE = {"dueDate": "2027-01-15T00:00:00Z"}


def _settings(path: Path, **changes: Any) -> Settings:
    # Starlette's TestClient names the host "testserver": the control API answers it when allowed.
    return Settings(db=str(path), fresh=True, vendor_options=NO_RATE_LIMIT, allowed_hosts=["testserver"], **changes)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Runtime]]:
    # A flush that never comes while a test runs: what the tests see is what readers and
    # writers flush, not the timer (tested on its own below).
    monkeypatch.setattr(pipeline, "JOURNAL_FLUSH_DELAY_SECONDS", 3600.0)
    app = create_app(_settings(tmp_path / "sim.db"))
    with TestClient(app) as client:
        yield client, app.state.runtime


def _stored(path: Path) -> list[tuple[str, str, int]]:
    """The journal as another process sees it: (method, path, status) in the order written."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT method, path, status FROM sim_journal ORDER BY id").fetchall()
    return [(str(m), str(p), int(s)) for m, p, s in rows]


def test_reads_wait_and_the_journal_api_sees_them_all(served: tuple[TestClient, Runtime]) -> None:
    client, runtime = served
    assert runtime.pending_journal is not None
    for _ in range(3):
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200
    assert client.get(ENROLLMENT).status_code == 401
    assert len(runtime.pending_journal) == 4
    entries = client.get("/_sim/requests", params={"vendor": "msportal"}).json()["requests"]
    assert [e["status"] for e in entries] == [401, 200, 200, 200]
    assert len(runtime.pending_journal) == 0


def test_a_write_stores_the_waiting_reads_first(served: tuple[TestClient, Runtime], tmp_path: Path) -> None:
    client, runtime = served
    assert runtime.pending_journal is not None
    client.get(ENROLLMENT, headers=FULL)
    client.get(f"{BASE}?limit=1", headers=FULL)
    assert client.patch(ENROLLMENT, json=NEW_DUE_DATE, headers=FULL).status_code == 200
    client.get(ENROLLMENT, headers=FULL)
    assert _stored(tmp_path / "sim.db") == [
        ("GET", ENROLLMENT, 200),
        ("GET", BASE, 200),
        ("PATCH", ENROLLMENT, 200),
    ]
    assert len(runtime.pending_journal) == 1  # the last read still waits


def test_a_rejected_write_changes_nothing_and_is_journaled_in_order(
    served: tuple[TestClient, Runtime], tmp_path: Path
) -> None:
    client, _ = served
    client.get(ENROLLMENT, headers=FULL)
    assert client.patch(ENROLLMENT, json={"progress": "lots"}, headers=FULL).status_code == 400
    assert client.patch(ENROLLMENT, json=NEW_DUE_DATE, headers=FULL).status_code == 200
    assert [(method, status) for method, _, status in _stored(tmp_path / "sim.db")] == [
        ("GET", 200),
        ("PATCH", 400),
        ("PATCH", 200),
    ]


def test_a_write_that_changes_nothing_waits_like_a_read(served: tuple[TestClient, Runtime]) -> None:
    client, runtime = served
    assert runtime.pending_journal is not None
    # A completed enrollment's progress set to the 100 it has: nothing to store.
    assert client.patch(ENROLLMENT, json={"progress": 100}, headers=FULL).json()["data"]["progress"] == 100
    assert len(runtime.pending_journal) == 1


def test_the_scheduled_flush_writes_without_a_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "JOURNAL_FLUSH_DELAY_SECONDS", 0.01)
    app = create_app(_settings(tmp_path / "sim.db"))
    with TestClient(app) as client:
        client.get(ENROLLMENT, headers=FULL)
        client.get(ENROLLMENT, headers=FULL)
        deadline = time.monotonic() + 10
        while len(_stored(tmp_path / "sim.db")) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _stored(tmp_path / "sim.db") == [("GET", ENROLLMENT, 200)] * 2
        assert app.state.runtime.pending_journal.flush_scheduled is False


def test_shutting_down_writes_what_waits(served: tuple[TestClient, Runtime], tmp_path: Path) -> None:
    client, runtime = served
    client.get(ENROLLMENT, headers=FULL)
    runtime.db.dispose()
    assert _stored(tmp_path / "sim.db") == [("GET", ENROLLMENT, 200)]


def test_several_workers_write_every_entry_at_once(tmp_path: Path) -> None:
    # A journal read may reach another worker, which could not see this one's pending entries.
    runtime = Runtime(_settings(tmp_path / "sim.db", workers=2))
    assert runtime.pending_journal is None and runtime.db.pending is None
    runtime.db.dispose()


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "request_id": "r",
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "vendor": "msportal",
        "method": "GET",
        "path": "/x",
        "query": "",
        "status": 200,
        "duration_ms": 1.0,
        "request_headers": {},
        "violations": [],
        "violation_count": 0,
    }
    return {**entry, **changes}


def test_a_failed_write_keeps_the_entries_in_order() -> None:
    pending = journal.PendingJournal()
    db = Database("sqlite://")
    db.create_schema()
    pending.add(_entry(request_id="first"))

    class Refusing:
        def cursor(self) -> Any:
            raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError):
        pending.write(Refusing(), db.engine.dialect)
    pending.add(_entry(request_id="second"))
    assert len(pending) == 2
    raw = db.engine.raw_connection()
    try:
        assert pending.write(raw.driver_connection, db.engine.dialect) == 2
        rows = raw.driver_connection.execute("SELECT request_id FROM sim_journal ORDER BY id").fetchall()
    finally:
        raw.close()
    assert [r[0] for r in rows] == ["first", "second"]


def test_query_secrets_are_redacted_before_an_entry_waits() -> None:
    pending = journal.PendingJournal()
    pending.add(_entry(query="access_token=s3cret&limit=5"))
    db = Database("sqlite://")
    db.create_schema()
    raw = db.engine.raw_connection()
    try:
        pending.write(raw.driver_connection, db.engine.dialect)
        (query,) = raw.driver_connection.execute("SELECT query FROM sim_journal").fetchone()
    finally:
        raw.close()
    assert "s3cret" not in query and "limit=5" in query
