"""Real-socket smoke tests: uvicorn in a thread, and `lms-sim serve` as a process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from simulator.testing.harness import ServerSimulator, free_port

ENROLLMENT = "/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"


def test_lms_sim_server_fixture(lms_sim_server: ServerSimulator) -> None:
    r = httpx.get(
        lms_sim_server.url("msportal", ENROLLMENT[len("/msportal") :]),
        headers={"Authorization": "Bearer msp_acme_full"},
    )
    assert r.status_code == 200 and r.headers["X-Request-Id"]
    assert lms_sim_server.requests(vendor="msportal")[0]["status"] == 200


@pytest.mark.server
def test_serve_keeps_state_in_its_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"

    def start() -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), "--db", str(db)])
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/_sim/health").status_code == 200:
                    return proc, base
            except httpx.TransportError:
                time.sleep(0.05)
        proc.kill()
        raise AssertionError("lms-sim serve did not answer")

    auth = {"Authorization": "Bearer msp_acme_full"}
    proc, base = start()
    try:
        r = httpx.patch(f"{base}{ENROLLMENT}", json={"status": "in_progress"}, headers=auth)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    proc, base = start()
    try:
        assert httpx.get(f"{base}{ENROLLMENT}", headers=auth).json()["data"]["status"] == "in_progress"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
