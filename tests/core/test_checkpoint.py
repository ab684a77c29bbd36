"""While a SQLite file is served, a thread checkpoints its write-ahead log, not the requests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core.checkpoint import RESTART_FRAMES, WalCheckpointer
from simulator.settings import Settings


def _log_frames(connection: sqlite3.Connection) -> int:
    _busy, frames, _done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def test_serving_connections_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    app = create_app(Settings(db=str(tmp_path / "sim.db"), fresh=True))
    with TestClient(app):
        raw = app.state.runtime.db.engine.raw_connection()
        try:
            (autocheckpoint,) = raw.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()
        finally:
            raw.close()
        assert autocheckpoint == 0
        assert app.state.runtime.db._checkpointer is not None


def test_the_checkpointer_lets_a_long_log_start_over(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    for _ in range(RESTART_FRAMES + 200):
        writer.execute("INSERT INTO t VALUES (zeroblob(4000))")  # about a page each
    checkpointing = sqlite3.connect(path, isolation_level=None)
    assert Path(f"{path}-wal").stat().st_size > RESTART_FRAMES * 4096  # (measuring must not checkpoint)
    WalCheckpointer.checkpoint(checkpointing)
    writer.execute("INSERT INTO t VALUES (zeroblob(4000))")
    # The log started over: a few frames, not the thousand before them plus these.
    assert _log_frames(checkpointing) < 10
    writer.close()
    checkpointing.close()
