"""The README's fidelity table must match the specs (regenerate: python -m simulator.fidelity)."""

from __future__ import annotations

from pathlib import Path

from simulator.fidelity import BEGIN, END, table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_fidelity_table_is_current() -> None:
    text = README.read_text()
    assert BEGIN in text and END in text, "the README has no generated fidelity table"
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert current == table(), "README fidelity table is stale: run python -m simulator.fidelity and paste it"


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text()
    assert "make run" in text and "make test" in text
