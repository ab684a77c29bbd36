"""Package rules: no wall clock or randomness, imports only the core, docs match the data."""

from __future__ import annotations

import re
from pathlib import Path

from simulator.vendors.skillable.states import TRANSITIONS, EnrollmentStatus

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "simulator" / "vendors" / "skillable"
FORBIDDEN = re.compile(r"datetime\.now\(|time\.time\(|uuid4\(|\bimport random\b|from random\b|\.utcnow\(")
IMPORT = re.compile(r"^\s*(?:from|import)\s+(simulator\.[\w.]+)", re.MULTILINE)


def test_no_wall_clock_or_randomness() -> None:
    offenders = [p.name for p in PACKAGE.glob("*.py") if FORBIDDEN.search(p.read_text())]
    assert offenders == []


def test_imports_only_the_core_and_itself() -> None:
    for path in PACKAGE.glob("*.py"):
        for module in IMPORT.findall(path.read_text()):
            assert module.startswith(("simulator.core", "simulator.vendors.skillable")), f"{path.name}: {module}"


def test_the_documented_transition_table_is_the_one_enforced() -> None:
    text = (ROOT / "docs" / "vendors" / "skillable.md").read_text()
    rows = re.findall(r"^\| (\w+) \((\d+)\) \|(.*)\|$", text, re.MULTILINE)
    assert len(rows) == len(EnrollmentStatus)
    columns = [EnrollmentStatus.REQUEST, EnrollmentStatus.CANCEL, EnrollmentStatus.WAITLIST, EnrollmentStatus.APPROVE]
    columns += [EnrollmentStatus.DENY, EnrollmentStatus.AUDIT, EnrollmentStatus.ENROLL]
    for _, value, cells in rows:
        old = EnrollmentStatus(int(value))
        allowed = {new for new, cell in zip(columns, cells.split("|"), strict=True) if cell.strip() == "yes"}
        assert allowed == set(TRANSITIONS[old]), old
