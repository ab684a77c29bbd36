"""Counts of hostile inputs tried per vendor, written where the closing figures are read from.

Each test module that throws hostile input counts it here; at the end of the session the
totals are written to `reports/hostile-inputs.json` (git-ignored) and printed (seen with
`-s`), so the number in the project notes comes from a run, not from arithmetic.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "reports" / "hostile-inputs.json"


class Figures:
    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.isolation_checks: Counter[str] = Counter()
        self.isolation_operations: dict[str, set[str]] = {}

    def count_isolation(self, vendor: str, operation: str, checks: int) -> None:
        """One operation checked as one calling tenant against another's records."""
        self.isolation_checks[vendor] += checks
        self.isolation_operations.setdefault(vendor, set()).add(operation)

    def count(self, vendor: str, n: int = 1) -> None:
        self.tried[vendor] += n

    def write(self) -> str:
        line = "hostile inputs tried per vendor: " + ", ".join(f"{v} {n}" for v, n in sorted(self.tried.items()))
        operations = {v: len(ops) for v, ops in sorted(self.isolation_operations.items())}
        if self.isolation_checks:
            line += "\nisolation (operation x calling tenant) checks per vendor: " + ", ".join(
                f"{v} {n} over {operations[v]} operations" for v, n in sorted(self.isolation_checks.items())
            )
        REPORT.parent.mkdir(exist_ok=True)
        document = {
            "hostileInputsTried": dict(self.tried),
            "isolationChecks": dict(self.isolation_checks),
            "isolationOperations": operations,
        }
        REPORT.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return line


FIGURES = Figures()


def report_at_module_end() -> None:
    """Called by each hostile module's teardown: totals so far, printed and written."""
    print("\n" + FIGURES.write())
