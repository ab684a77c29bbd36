"""The README and docs/fidelity.md stay true (regenerate the table: python -m simulator.fidelity --write)."""

from __future__ import annotations

from pathlib import Path

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
