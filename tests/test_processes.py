"""Several processes on one database, a vendor on its own port, and state export/import.

The shared-database tests run on one SQLite file and on one PostgreSQL database.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from simulator.testing.harness import CONTROL_JSON, free_port
from tests.conftest import DATABASES

pytestmark = pytest.mark.server
ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"
AUTH = {"Authorization": "Bearer msp_acme_full"}


@pytest.fixture(params=DATABASES)
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for `lms-sim serve --db`: a SQLite file, or a PostgreSQL database of this test."""
    if request.param == "sqlite":
        yield str(tmp_path / "shared.db")
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create(None)
    yield url
    server.drop(url)


@contextmanager
def serving_many(count: int, *args: str) -> Iterator[list[str]]:
    """`count` separate `lms-sim serve` processes started at once, each on its own port."""
    ports = [free_port() for _ in range(count)]
    procs = [
        subprocess.Popen([sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), *args]) for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 120
        for base, proc in zip(bases, procs, strict=True):
            while True:
                try:
                    if httpx.get(f"{base}/_sim/health").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise AssertionError("lms-sim serve did not start") from None
                    time.sleep(0.05)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


@contextmanager
def serving(*args: str) -> Iterator[str]:
    with serving_many(1, *args) as bases:
        yield bases[0]


def test_two_workers_share_faults_clock_and_journal(shared_db: str) -> None:
    with serving("--db", shared_db, "--workers", "2") as base, httpx.Client(base_url=base) as client:
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


def test_two_servers_on_one_database_share_everything(shared_db: str) -> None:
    # Started together on an empty database: one loads the fixtures, the other waits for it.
    with serving_many(2, "--db", shared_db) as (one, two), httpx.Client() as http:
        url = f"/msportal{ENROLLMENT}"
        # A write through one is read through the other.
        http.patch(one + url, json={"status": "in_progress", "progress": 40}, headers=AUTH).raise_for_status()
        assert http.get(two + url, headers=AUTH).json()["data"]["progress"] == 40
        # The clock: frozen through one, advanced through the other, the same instant on both.
        frozen = http.put(f"{one}/_sim/clock", json={"frozen": True}).json()["now"]
        advanced = http.post(f"{two}/_sim/clock/advance", json={"duration": "P2D"}).json()["now"]
        assert advanced > frozen
        assert http.get(f"{one}/_sim/clock").json()["now"] == advanced
        # A fault rule added through one fires on a request to the other, and both count it.
        rule = http.post(f"{one}/_sim/faults", json={"vendor": "msportal", "status": 503, "times": 1}).json()
        assert http.get(two + url, headers=AUTH).status_code == 503
        assert http.get(one + url, headers=AUTH).status_code == 200
        assert http.get(f"{two}/_sim/faults/{rule['id']}").json()["fired"] == 1
        # A snapshot taken through one is restored through the other.
        http.post(f"{one}/_sim/snapshots/before", headers=CONTROL_JSON).raise_for_status()
        http.patch(two + url, json={"progress": 90}, headers=AUTH).raise_for_status()
        assert [s["name"] for s in http.get(f"{two}/_sim/snapshots").json()["snapshots"]] == ["before"]
        http.post(f"{two}/_sim/snapshots/before/restore", headers=CONTROL_JSON).raise_for_status()
        assert http.get(one + url, headers=AUTH).json()["data"]["progress"] == 40
        # One journal: every vendor request, whichever server answered it.
        journal = http.get(f"{two}/_sim/requests", params={"vendor": "msportal", "limit": 100}).json()
        assert journal["total"] == 6
        assert [e["method"] for e in journal["requests"]][:2] == ["GET", "PATCH"]


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


def test_export_and_import_round_trip(shared_db: str, tmp_path: Path) -> None:
    db, dump = shared_db, tmp_path / "state.json"
    with serving("--db", db) as base:
        httpx.patch(f"{base}/msportal{ENROLLMENT}", json={"status": "in_progress"}, headers=AUTH).raise_for_status()
    run = [sys.executable, "-m", "simulator.cli"]
    assert subprocess.run([*run, "export", str(dump), "--db", db], check=False).returncode == 0
    with serving("--db", db) as base:
        httpx.patch(f"{base}/msportal{ENROLLMENT}", json={"status": "completed"}, headers=AUTH).raise_for_status()
    assert subprocess.run([*run, "import", str(dump), "--db", db], check=False).returncode == 0
    with serving("--db", db) as base:
        assert httpx.get(f"{base}/msportal{ENROLLMENT}", headers=AUTH).json()["data"]["status"] == "in_progress"
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    result = subprocess.run([*run, "import", str(bad), "--db", db], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "not a whole-state export" in result.stderr
