"""A kill -9 under writes loses nothing acknowledged: one crash, a restart on the same file,
and every write that was answered 2xx before the crash is there. (The soak benchmark does this
three times under heavier load; this short version keeps the promise in the default suite.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from simulator.testing.harness import free_port

pytestmark = pytest.mark.server
AUTH = {"Authorization": "Bearer msp_acme_full"}
BULK = "/msportal/api/public/v1/training/enrollments/bulk"
ENROLLMENTS = "/msportal/api/public/v1/training/enrollments"
WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 40


def _start(db: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), "--db", str(db), *extra]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_sim/health").status_code == 200:
                return proc
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError("lms-sim serve did not start") from None
            time.sleep(0.05)


def _free_pairs(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        users = [r[0] for r in conn.execute("SELECT id FROM msportal_users WHERE tenant = 'acme'")]
        courses = [r[0] for r in conn.execute("SELECT id FROM msportal_courses WHERE tenant = 'acme'")]
        taken = set(conn.execute("SELECT user_id, course_id FROM msportal_enrollments WHERE tenant = 'acme'"))
    return [(u, c) for c in courses for u in users if (u, c) not in taken]


def test_every_acknowledged_write_survives_a_kill_9(tmp_path: Path) -> None:
    db, port = tmp_path / "crash.db", free_port()
    proc = _start(db, port, "--fresh")
    pairs = _free_pairs(db)
    assert len(pairs) >= ACKNOWLEDGED_BEFORE_KILL * 2
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    enough = threading.Event()

    def writer(mine: list[tuple[str, str]]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=10) as client:
            for user, course in mine:
                try:
                    response = client.post(BULK, json={"courseId": course, "userIds": [user]})
                except httpx.TransportError:
                    return  # the server is gone: this write may or may not have landed
                if response.status_code == 201:
                    with lock:
                        acknowledged.append((user, course))
                        if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                            enough.set()

    threads = [threading.Thread(target=writer, args=(pairs[n::WRITERS],)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        assert enough.wait(60), "the writers did not get going"
        os.kill(proc.pid, signal.SIGKILL)  # while the writers are still writing
        proc.wait(timeout=30)
    finally:
        for thread in threads:
            thread.join(30)
    with lock:
        written = list(acknowledged)
    assert len(written) >= ACKNOWLEDGED_BEFORE_KILL

    never_sent = pairs[-1]  # the last pair of one writer's share: the crash came long before it
    assert never_sent not in written
    proc = _start(db, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=10) as client:
            user, course = never_sent  # the check below can tell a missing enrollment
            assert client.get(ENROLLMENTS, params={"userId": user, "courseId": course}).json()["data"] == []
            missing = [
                (user, course)
                for user, course in written
                if not client.get(ENROLLMENTS, params={"userId": user, "courseId": course}).json()["data"]
            ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert missing == [], f"{len(missing)} of {len(written)} acknowledged writes were lost"
