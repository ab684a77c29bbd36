"""`lms-sim` as a user runs it: one-line errors with exit code 2, specs listing and export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "simulator.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "99999"], "--port must be between"),
        (["serve", "--fixtures", "/no/such/place"], "fixtures not found"),
        (["serve", "--db", "sqlite:////proc/no/such.db"], "cannot use the database"),
        (["serve", "--option", "nonsense"], "--option takes VENDOR.NAME=VALUE"),
        (["serve", "--db", "nosuchdriver://x"], "cannot use the database"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_fixture_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenants:\n  acme:\n    msportal:\n      users: [{id: u1}]\n")
    result = _run("serve", "--fixtures", str(bad), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "tenants.acme.msportal.users[0].fullName" in result.stderr


def test_version_and_specs(tmp_path: Path) -> None:
    assert _run("--version").stdout.startswith("lms-sim ")
    listing = _run("specs", "--export", str(tmp_path / "out"))
    assert listing.returncode == 0 and "msportal" in listing.stdout
    assert (tmp_path / "out" / "msportal.yaml").read_text().startswith("openapi: 3.0.3")
