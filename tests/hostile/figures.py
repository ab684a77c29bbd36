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

    def count(self, vendor: str, n: int = 1) -> None:
        self.tried[vendor] += n

    def write(self) -> str:
        line = "hostile inputs tried per vendor: " + ", ".join(f"{v} {n}" for v, n in sorted(self.tried.items()))
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(json.dumps(dict(self.tried), indent=2, sort_keys=True) + "\n")
        return line


FIGURES = Figures()


def report_at_module_end() -> None:
    """Called by each hostile module's teardown: totals so far, printed and written."""
    print("\n" + FIGURES.write())
