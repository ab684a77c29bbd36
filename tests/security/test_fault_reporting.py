"""The simulator's fault injection used against itself: its own test helpers say which
injected fault a failing request hit, so nobody debugs their client for the simulator's doing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulator.testing.harness import InjectedFaultDropped, InProcessSimulator

ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
AUTH = {"Authorization": "Bearer msp_acme_full"}


def test_a_dropped_connection_names_the_rule(lms_sim: InProcessSimulator) -> None:
    rule = lms_sim.fault(vendor="msportal", kind="drop", path=ENROLLMENT, times=1)
    with pytest.raises(InjectedFaultDropped) as raised:
        lms_sim.call("GET", "msportal", ENROLLMENT, headers=AUTH)
    assert f"rule {rule}: drop" in str(raised.value)
    assert ENROLLMENT in str(raised.value)
    assert raised.value.rule == f"rule {rule}: drop"
    assert lms_sim.call("GET", "msportal", ENROLLMENT, headers=AUTH).status_code == 200  # times=1


def test_the_fault_report_lists_what_each_rule_did(lms_sim: InProcessSimulator) -> None:
    error = lms_sim.fault(vendor="msportal", method="GET", path=ENROLLMENT, status=503, times=1)
    drop = lms_sim.fault(vendor="skillable", kind="drop", times=1)
    assert lms_sim.call("GET", "msportal", ENROLLMENT, headers=AUTH).status_code == 503
    with pytest.raises(InjectedFaultDropped):
        lms_sim.call("GET", "skillable", "/SearchClasses", headers={"api_key": "skl-acme-key"})
    assert lms_sim.call("GET", "msportal", ENROLLMENT, headers=AUTH).status_code == 200
    report = lms_sim.fault_report().splitlines()
    assert report == [
        f"GET /msportal{ENROLLMENT} -> 503 (fault rule {error}: error 503)",
        f"GET /skillable/SearchClasses -> connection dropped (fault rule {drop}: drop)",
    ]


USER_TESTS = """
from simulator.testing.harness import InProcessSimulator, ServerSimulator

PATH = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
AUTH = {"Authorization": "Bearer msp_acme_full"}


def test_in_process(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(vendor="msportal", method="GET", status=503, message="Backend maintenance")
    assert lms_sim.call("GET", "msportal", PATH, headers=AUTH).status_code == 200


def test_server(lms_sim_server: ServerSimulator) -> None:
    lms_sim_server.fault(vendor="msportal", kind="drop")
    lms_sim_server.call("GET", "msportal", PATH, headers=AUTH)


def test_passing(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(vendor="msportal", status=500)
    assert lms_sim.call("GET", "msportal", PATH, headers=AUTH).status_code == 500
"""


def test_a_failing_user_test_reports_the_faults_it_hit(tmp_path: Path) -> None:
    """A user's failing test (through the pytest plugin) gets a report section naming the rule."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rN", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert "2 failed, 1 passed" in out, out[-3000:]
    sections = out.split("lms-sim injected faults")
    assert len(sections) == 3, out[-3000:]  # one section per failing test, none for the passing one
    assert f"GET /msportal{USER_TESTS.split(chr(34))[1]} -> 503 (fault rule 1: error 503)" in out
    assert "-> connection dropped (fault rule 1: drop)" in out
