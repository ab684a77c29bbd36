"""Secrets stay out of the server's access log and out of files others can read.

- uvicorn's access log (`--log-level info`) shows `?api_key=...`, `?access_token=...` and
  the like redacted, exactly as the journal stores them;
- `lms-sim export` onto an existing, world-readable file leaves a file readable by its
  owner only (written through a new 0600 file renamed into place).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from simulator.cli import export_state
from simulator.core import journal
from simulator.testing.harness import free_port

SECRETS = {"api_key": "k-SHOULD-NOT-LEAK-1", "access_token": "t-SHOULD-NOT-LEAK-2", "client_secret": "s-LEAK-3"}


@pytest.mark.server
def test_the_access_log_redacts_secrets_in_query_strings(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulator.cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "info",
                "--db",
                str(tmp_path / "s.db"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    httpx.get(f"{base}/_sim/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and proc.poll() is None, "lms-sim serve did not start"
                    time.sleep(0.05)
            httpx.get(f"{base}/msportal/api/public/v1/training/courses", params={**SECRETS, "limit": "5"})
            httpx.get(f"{base}/docebo/learn/v1/enrollments", params=SECRETS)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log.read_text()
    assert "/msportal/api/public/v1/training/courses?" in text  # the access log is on
    assert "limit=5" in text
    for value in SECRETS.values():
        assert value not in text
    assert f"api_key={journal.REDACTED}" in text and f"access_token={journal.REDACTED}" in text


def test_export_onto_a_readable_file_leaves_it_owner_only(tmp_path: Path) -> None:
    from simulator.app import create_app
    from simulator.settings import DEFAULT_FIXTURES, Settings

    db, target = tmp_path / "s.db", tmp_path / "state.json"
    create_app(Settings(db=str(db), fixtures=DEFAULT_FIXTURES)).state.runtime.db.dispose()
    target.write_text("old content")
    os.chmod(target, 0o644)
    export_state(str(db), str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"{")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left
