"""The journal writer: entries written in batches, never lost or reordered, seen by every reader.

One process serving a SQLite file lets the entries of reads wait a few milliseconds; whatever
reads the journal (the control API, `Database.transaction()`), any write, the timer and
shutting down write them first. These tests serve a file database as `lms-sim serve` does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core import journal, pipeline
from simulator.core.db import Database
from simulator.runtime import Runtime
from simulator.settings import Settings

BASE = "/msportal/api/public/v1/training/enrollments"
ENROLLMENT = f"{BASE}/ac040000-0000-4000-8000-000000000001"
FULL = {"Authorization": "Bearer msp_acme_full"}
# A change that is stored (the demo enrollment is completed: its progress stays 100).
NEW_DUE_DATE = {"dueDate": "2027-01-15T00:00:00Z"}


def _settings(path: Path, **changes: Any) -> Settings:
    # Starlette's TestClient names the host "testserver": the control API answers it when allowed.
    return Settings(db=str(path), fresh=True, allowed_hosts=["testserver"], **changes)


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


def test_reads_wait_and_the_journal_api_sees_them_all_in_order(
    served: tuple[TestClient, Runtime], tmp_path: Path
) -> None:
    client, _ = served
    for _ in range(3):
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200
    assert client.get(ENROLLMENT).status_code == 401
    assert _stored(tmp_path / "sim.db") == []  # waiting: no read wrote anything
    entries = client.get("/_sim/requests", params={"vendor": "msportal"}).json()["requests"]
    assert [e["status"] for e in entries] == [401, 200, 200, 200]


def test_a_write_stores_the_waiting_reads_first(served: tuple[TestClient, Runtime], tmp_path: Path) -> None:
    client, _ = served
    client.get(ENROLLMENT, headers=FULL)
    client.get(f"{BASE}?limit=1", headers=FULL)
    assert client.patch(ENROLLMENT, json=NEW_DUE_DATE, headers=FULL).status_code == 200
    client.get(ENROLLMENT, headers=FULL)
    assert _stored(tmp_path / "sim.db") == [
        ("GET", ENROLLMENT, 200),
        ("GET", BASE, 200),
        ("PATCH", ENROLLMENT, 200),
    ]


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


def test_a_transaction_opened_through_the_database_sees_every_entry(
    served: tuple[TestClient, Runtime],
) -> None:
    client, runtime = served
    client.get(ENROLLMENT, headers=FULL)
    with runtime.db.transaction() as session:
        rows, total = journal.query_entries(session, vendor="msportal")
    assert total == 1 and rows[0].path == ENROLLMENT


def test_the_scheduled_flush_writes_without_a_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "JOURNAL_FLUSH_DELAY_SECONDS", 0.01)
    app = create_app(_settings(tmp_path / "sim.db"))
    with TestClient(app) as client:
        client.get(ENROLLMENT, headers=FULL)
        client.get(ENROLLMENT, headers=FULL)
        deadline = time.perf_counter() + 10
        while len(_stored(tmp_path / "sim.db")) < 2 and time.perf_counter() < deadline:
            time.sleep(0.01)
        assert _stored(tmp_path / "sim.db") == [("GET", ENROLLMENT, 200)] * 2
        assert app.state.runtime.journal.flush_scheduled is False


def test_the_scheduled_flush_never_waits_for_another_connections_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It runs on the event loop's thread: waiting there would stop the server answering.
    monkeypatch.setattr(pipeline, "JOURNAL_FLUSH_DELAY_SECONDS", 0.01)
    path = tmp_path / "sim.db"
    app = create_app(_settings(path))
    writer = app.state.runtime.journal
    with TestClient(app) as client:
        # An export, another process: it holds the write lock, and lets go of it a while later.
        locker = sqlite3.connect(path, timeout=0, check_same_thread=False)
        locker.execute("BEGIN IMMEDIATE")
        release = threading.Timer(1.0, locker.rollback)
        release.start()
        try:
            assert client.get(ENROLLMENT, headers=FULL).status_code == 200
            time.sleep(0.2)  # scheduled tries come and go while the lock is held
            assert client.get(ENROLLMENT, headers=FULL).status_code == 200
            answered_while_locked = locker.in_transaction
            waiting = len(writer)
        finally:
            release.join()
            locker.close()
        assert answered_while_locked and waiting == 2
        deadline = time.perf_counter() + 10
        while len(_stored(path)) < 2 and time.perf_counter() < deadline:
            time.sleep(0.01)
        assert _stored(path) == [("GET", ENROLLMENT, 200)] * 2


def test_shutting_down_writes_what_waits(served: tuple[TestClient, Runtime], tmp_path: Path) -> None:
    client, runtime = served
    client.get(ENROLLMENT, headers=FULL)
    runtime.db.dispose()
    assert _stored(tmp_path / "sim.db") == [("GET", ENROLLMENT, 200)]


def test_with_several_workers_every_entry_is_stored_before_its_answer(tmp_path: Path) -> None:
    # A journal read may reach another worker, which could not see this one's waiting entries.
    app = create_app(_settings(tmp_path / "sim.db", workers=2))
    with TestClient(app) as client:
        client.get(ENROLLMENT, headers=FULL)
        assert _stored(tmp_path / "sim.db") == [("GET", ENROLLMENT, 200)]


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


def test_a_failed_flush_keeps_the_entries_in_order(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    db = Database(str(path))
    db.create_schema()
    writer = journal.JournalWriter(db.engine, batching=True)
    writer.add(_entry(request_id="first"))
    locker = sqlite3.connect(path, timeout=0)
    locker.execute("BEGIN IMMEDIATE")  # another connection holds the write lock
    refusing = journal.JournalWriter(create_engine(f"sqlite:///{path}", connect_args={"timeout": 0}), batching=True)
    refusing._entries = writer._entries
    with pytest.raises(Exception, match="locked"):
        refusing.flush()
    locker.rollback()
    locker.close()
    writer.add(_entry(request_id="second"))
    assert writer.flush() == 2
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT request_id FROM sim_journal ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["first", "second"]
    db.dispose()


def test_query_secrets_are_redacted_before_an_entry_waits() -> None:
    db = Database("sqlite://")
    db.create_schema()
    writer = journal.JournalWriter(db.engine, batching=True)
    writer.add(_entry(query="access_token=s3cret&limit=5"))
    assert "s3cret" not in writer._entries[0]["query"]
    writer.flush()
    with db.transaction() as session:
        (row,), _ = journal.query_entries(session)
    assert "s3cret" not in row.query and "limit=5" in row.query


def test_while_another_server_serves_the_file_every_entry_is_stored_before_its_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read's entry waits well past the test's own steps, so "waits" does not depend on timing.
    monkeypatch.setattr(pipeline, "JOURNAL_FLUSH_DELAY_SECONDS", 60)
    path = tmp_path / "sim.db"
    first = create_app(_settings(path))
    with TestClient(first) as client:
        client.get(ENROLLMENT, headers=FULL)
        assert _stored(path) == []  # the only server: the read's entry waits
        with TestClient(create_app(Settings(db=str(path), allowed_hosts=["testserver"]), bootstrap=False)):
            client.get(ENROLLMENT, headers=FULL)
            assert len(_stored(path)) == 2
        client.get(ENROLLMENT, headers=FULL)
        assert len(_stored(path)) == 2  # alone again: entries wait again


def test_entries_a_write_took_into_its_transaction_wait_again_when_it_rolls_back(tmp_path: Path) -> None:
    database = Database(str(tmp_path / "sim.db"))
    database.create_schema()
    writer = journal.JournalWriter(database.engine, batching=True)

    def entry(path: str) -> dict[str, Any]:
        return dict(
            request_id=path,
            at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            vendor="msportal",
            tenant=None,
            operation_id=None,
            method="GET",
            path=path,
            query="",
            status=200,
            duration_ms=1.0,
            request_headers={},
            request_body=None,
            response_body=None,
            violations=[],
            violation_count=0,
            fault=None,
        )

    writer.add(entry("/first"))
    with database.engine.connect() as connection:
        transaction = connection.begin()
        stored = writer.write_within(connection, entry("/write"))
        assert stored is not None and [e["path"] for e in stored] == ["/first", "/write"]
        assert len(writer) == 0
        transaction.rollback()
    writer.put_back(stored[:-1])  # as the pipeline does when the write's transaction fails
    writer.add(entry("/after"))
    writer.flush()
    assert [p for _, p, _ in _stored(tmp_path / "sim.db")] == ["/first", "/after"]
    database.dispose()
