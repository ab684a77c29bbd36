"""Several processes on one database, a vendor on its own port, and state export/import."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from simulator.testing.harness import free_port

pytestmark = pytest.mark.server
ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"
AUTH = {"Authorization": "Bearer msp_acme_full"}


@contextmanager
def serving(*args: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), *args])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/_sim/health").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("lms-sim serve did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_two_workers_share_faults_clock_and_journal(tmp_path: Path) -> None:
    with serving("--db", str(tmp_path / "shared.db"), "--workers", "2") as base, httpx.Client(base_url=base) as client:
        client.put("/_sim/clock", json={"frozen": True}).raise_for_status()
        client.post("/_sim/faults", json={"vendor": "msportal", "status": 503, "times": 3}).raise_for_status()
        statuses = []
        for _ in range(40):
            # A fresh connection each time, so the kernel spreads requests over both workers.
            with httpx.Client(base_url=base) as one:
                statuses.append(one.get(f"/msportal{ENROLLMENT}", headers=AUTH).status_code)
        assert statuses.count(503) == 3 and statuses.count(200) == 37
        assert client.get("/_sim/requests", params={"vendor": "msportal", "limit": 1}).json()["total"] == 40
        now = client.get("/_sim/clock").json()["now"]
        client.post("/_sim/clock/advance", json={"duration": "P1D"}).raise_for_status()
        nows = {httpx.get(f"{base}/_sim/clock").json()["now"] for _ in range(10)}
        assert len(nows) == 1 and nows != {now}


def test_vendor_on_its_own_port(tmp_path: Path) -> None:
    port = free_port()
    with serving("--db", str(tmp_path / "v.db"), "--vendor-port", f"msportal={port}") as base:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}{ENROLLMENT}", headers=AUTH)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["data"]["id"].startswith("ac04")
        assert httpx.get(f"{base}/msportal{ENROLLMENT}", headers=AUTH).status_code == 200
        journal = httpx.get(f"{base}/_sim/requests", params={"vendor": "msportal"}).json()
        assert journal["total"] == 2


def test_export_and_import_round_trip(tmp_path: Path) -> None:
    db, dump = tmp_path / "s.db", tmp_path / "state.json"
    with serving("--db", str(db)) as base:
        httpx.patch(f"{base}/msportal{ENROLLMENT}", json={"status": "in_progress"}, headers=AUTH).raise_for_status()
    run = [sys.executable, "-m", "simulator.cli"]
    assert subprocess.run([*run, "export", str(dump), "--db", str(db)], check=False).returncode == 0
    with serving("--db", str(db)) as base:
        httpx.patch(f"{base}/msportal{ENROLLMENT}", json={"status": "completed"}, headers=AUTH).raise_for_status()
    assert subprocess.run([*run, "import", str(dump), "--db", str(db)], check=False).returncode == 0
    with serving("--db", str(db)) as base:
        assert httpx.get(f"{base}/msportal{ENROLLMENT}", headers=AUTH).json()["data"]["status"] == "in_progress"
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = subprocess.run([*run, "import", str(bad), "--db", str(db)], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "not a whole-state export" in result.stderr
