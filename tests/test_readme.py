"""The README and docs/fidelity.md stay true (regenerate the table: python -m simulator.fidelity --write)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.fidelity import BEGIN, END, table

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FIDELITY = ROOT / "docs" / "fidelity.md"


def test_fidelity_table_is_current() -> None:
    text = FIDELITY.read_text()
    assert BEGIN in text and END in text, "docs/fidelity.md has no generated fidelity table"
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert current == table(), "docs/fidelity.md is stale: run python -m simulator.fidelity --write"


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text()
    assert "make run" in text and "make test" in text


# -- the quick tour, run as written ---------------------------------------------------------

STEP_MARK = "@@tour-step@@"
README_BASE = "http://127.0.0.1:8000"


@dataclass
class Step:
    command: str
    expected: str


def tour_steps(text: str) -> list[Step]:
    """The `$ command` lines of the Quick tour's console blocks, each with the output shown under it."""
    tour = text[text.index("## Quick tour") :]
    tour = tour[: tour.index("\n## ", 1)]
    steps: list[Step] = []
    for block in re.findall(r"```console\n(.*?)```", tour, re.DOTALL):
        command: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], ""))
                command = [line]
            elif command and command[-1].endswith("\\"):
                steps[-1].command += "\n" + line
                command.append(line)
            else:
                steps[-1].expected += line + "\n"
                command = []
    return steps


def shown_matches(expected: str, actual: str) -> bool:
    """Whether `actual` is `expected` with each `…` standing for any text (possibly none)."""
    pieces = expected.strip().split("…")
    actual = actual.strip()
    if len(pieces) == 1:
        return actual == pieces[0]
    first, *middle, last = pieces
    if not actual.startswith(first) or not actual.endswith(last) or len(first) + len(last) > len(actual):
        return False
    at, end = len(first), len(actual) - len(last)
    for piece in middle:
        found = actual.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def test_shown_matches_reads_the_ellipsis_as_any_text() -> None:
    assert shown_matches('{"a":1,…,"c":3}', '{"a":1,"b":2,"c":3}')
    assert shown_matches("…", "")
    assert not shown_matches('{"a":1,…,"c":3}', '{"a":1,"b":2,"c":4}')
    assert not shown_matches('{"status":"open",…}', '{"status":"overdue","x":1}')
    assert not shown_matches("abc…abc", "abc")


def test_the_tour_has_every_vendor_and_shows_an_answer_for_each_call() -> None:
    steps = tour_steps(README.read_text())
    commands = "\n".join(s.command for s in steps)
    for vendor in ("msportal", "docebo", "skillable", "absorb", "learnlink", "_sim/clock/advance"):
        assert f"{README_BASE}/{vendor}" in commands
    assert all(s.expected.strip() for s in steps if s.command.startswith("curl")), "a curl step shows no answer"


@pytest.mark.server
def test_the_quick_tour_answers_as_shown(tmp_path: Path) -> None:
    """Runs every step of the README's tour against a fresh `lms-sim serve` and compares the answers."""
    steps = tour_steps(README.read_text())
    cli = [sys.executable, "-m", "simulator.cli", "serve", "--port", "0", "--db", str(tmp_path / "sim.db")]
    with subprocess.Popen(cli, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        assert server.stdout is not None
        try:
            banner = ""
            for line in server.stdout:
                if line.startswith("lms-sim"):
                    banner = line
                    break
            found = re.search(r"on (http://127\.0\.0\.1:\d+) ", banner)
            assert found, banner
            script = "".join(f"{s.command}\nprintf '\\n{STEP_MARK}\\n'\n" for s in steps)
            script = script.replace(README_BASE, found.group(1))
            result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False)
        finally:
            server.terminate()
            server.wait(timeout=30)
    outputs = result.stdout.split(f"\n{STEP_MARK}\n")
    assert len(outputs) == len(steps) + 1, result.stderr
    for step, actual in zip(steps, outputs, strict=False):
        assert shown_matches(step.expected, actual), f"$ {step.command}\nshown:\n{step.expected}\nanswered:\n{actual}"
