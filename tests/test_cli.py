"""`lms-sim` as a user runs it: one-line errors with exit code 2, specs listing and export."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.settings import DEFAULT_FIXTURES

CLI = [sys.executable, "-m", "simulator.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "99999"], "--port must be between 0 and 65535"),
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


@contextlib.contextmanager
def _serving(*args: str, cwd: Path) -> Iterator[list[str]]:
    """Run `lms-sim serve ...`; yields its output up to the banner (which names the bound port)."""
    with subprocess.Popen(
        [*CLI, "serve", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip())
            if line.startswith("lms-sim"):
                break
        try:
            yield lines
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_port_0_serves_on_a_free_port_named_in_the_banner_after_binding(tmp_path: Path) -> None:
    import httpx

    with _serving("--port", "0", "--db", "sim.db", cwd=tmp_path) as lines:
        assert lines[0].startswith("loaded the demo fixtures into sim.db: ") and lines[0].endswith(" s")
        port = int(re.search(r"http://127\.0\.0\.1:(\d+) ", lines[-1]).group(1))  # type: ignore[union-attr]
        assert port != 0
        # The banner comes after the bind: the port is taken, so a second server cannot have it.
        taken = _run("serve", "--port", str(port), "--db", str(tmp_path / "other.db"))
        assert taken.returncode == 2
        assert taken.stderr.strip() == f"lms-sim: error: cannot listen on 127.0.0.1:{port}: the port is in use"
        assert httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=30).json()["status"] == "ok"


def test_fixtures_given_for_an_existing_database_are_reported_as_not_loaded(tmp_path: Path) -> None:
    with _serving("--port", "0", "--db", "sim.db", cwd=tmp_path) as lines:
        assert lines[0].startswith("loaded ")
    one = str(DEFAULT_FIXTURES / "msportal.yaml")
    with _serving("--port", "0", "--db", "sim.db", "--fixtures", one, cwd=tmp_path) as lines:
        assert lines[0] == (
            f"kept the existing state of sim.db: {one} was not loaded (add --fresh to replace the state with it)"
        )
    with _serving("--port", "0", "--db", "sim.db", cwd=tmp_path) as lines:
        assert lines[0] == "serving the existing state of sim.db (--fresh reloads the fixtures)"


def test_a_database_path_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = _run("serve", "--port", "0", "--db", str(blocker / "sim.db"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"lms-sim: error: cannot use --db {blocker / 'sim.db'}: {blocker} is not a folder"


def test_generate_refuses_a_file_ending_it_does_not_write(tmp_path: Path) -> None:
    result = _run("generate", "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and "--out must end in .json or .yaml" in result.stderr
    assert not (tmp_path / "x.txt").exists()


def test_every_option_names_its_default_and_environment_variable() -> None:
    from simulator.cli import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("serve", "export", "import"):
        for action in commands.choices[name]._actions:
            if action.option_strings and action.dest != "help":
                assert action.help and "default: " in action.help and "env LMS_SIM_" in action.help, (name, action.dest)


def test_options_come_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "LMS_SIM_PORT": "99999"}
    result = subprocess.run([*CLI, "serve"], capture_output=True, text=True, timeout=60, check=False, env=env)
    assert result.returncode == 2 and "--port must be between 0 and 65535, got 99999" in result.stderr


# Run with the test-only packages unimportable, as after `make run` (no test extra installed).
WITHOUT_TEST_PACKAGES = """
import sys
class TestOnly:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("schemathesis", "hypothesis", "pytest", "_pytest", "playwright"):
            raise ModuleNotFoundError(f"No module named {name!r} (test-only package)")
        return None
sys.meta_path.insert(0, TestOnly())
sys.argv = ["lms-sim", *sys.argv[1:]]
from simulator.cli import main
main()
"""


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["specs"]])
def test_commands_run_without_the_test_only_packages(args: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_TEST_PACKAGES, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: lms-sim" in result.stdout or "msportal" in result.stdout
