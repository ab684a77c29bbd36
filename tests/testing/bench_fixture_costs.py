"""What a test costs with each fixture, measured as a user's project sees it.

    .venv/bin/python tests/testing/bench_fixture_costs.py [N]

Writes a throwaway project with N (default 50) trivial tests per fixture (one authenticated
GET each), runs pytest on each file in a subprocess and prints the seconds pytest reports
for the tests (collection and start-up excluded), and per test. A benchmark, not a test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TEST = """
import pytest

PATH = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"


@pytest.mark.parametrize("n", range({n}))
def test_read(n, {fixture}):
    url = {fixture}.url("msportal", PATH)
    response = {fixture}.client.get(url, headers={{"Authorization": "Bearer msp_acme_full"}})
    assert response.status_code == 200
"""

BASELINE = """
import pytest


@pytest.mark.parametrize("n", range({n}))
def test_nothing(n):
    assert n >= 0
"""

INTERCEPT = """
import httpx
import pytest


@pytest.mark.parametrize("n", range({n}))
def test_read(n, lms_sim_intercept):
    url = "https://app.msportal.ai/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
    assert httpx.get(url, headers={{"Authorization": "Bearer msp_acme_full"}}).status_code == 200
"""


def run(project: Path, name: str, source: str) -> float:
    (project / f"test_{name}.py").write_text(textwrap.dedent(source))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", f"test_{name}.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"passed in ([0-9.]+)s", result.stdout)
    if not found:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-2000:])
    return float(found.group(1))


def steady_live_ms(rounds: int = 50) -> float:
    """The shared live server's cost per test once started: `fresh()` and one GET."""
    import time

    from simulator.testing.live import SharedServer

    shared = SharedServer()
    try:
        headers = {"Authorization": "Bearer msp_acme_full"}
        path = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
        start = time.perf_counter()
        for _ in range(rounds):
            sim = shared.fresh()
            assert sim.client.get(sim.url("msportal", path), headers=headers).status_code == 200
        return (time.perf_counter() - start) / rounds * 1000
    finally:
        shared.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "pytest.ini").write_text("[pytest]\n")
        cases = {
            "no simulator (pytest's own cost)": BASELINE.format(n=n),
            "lms_sim (in-process)": TEST.format(n=n, fixture="lms_sim"),
            "lms_sim_intercept (real URL, httpx)": INTERCEPT.format(n=n),
            "lms_sim_live (shared live server)": TEST.format(n=n, fixture="lms_sim_live"),
            "lms_sim_server (server per test)": TEST.format(n=n, fixture="lms_sim_server"),
        }
        for i, (label, source) in enumerate(cases.items()):
            seconds = run(project, f"case{i}", source)
            print(f"{label:40} {n} tests: {seconds:6.2f} s  ({seconds / n * 1000:6.1f} ms a test)")
        print(f"steady state on the shared live server: {steady_live_ms():.1f} ms a test (restore + one GET)")


if __name__ == "__main__":
    main()
