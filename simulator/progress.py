"""Progress of long work (generating or loading a large fixture document) on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

# progress(done, total, label): `done` of `total` steps are finished, the last being `label`.
Progress = Callable[[int, int, str], None]


def text_progress(stream: TextIO | None = None, width: int = 30) -> Progress:
    """A one-line text bar, redrawn in place; a newline once the last step is done."""
    out = stream or sys.stderr

    def show(done: int, total: int, label: str) -> None:
        filled = width * done // total if total else width
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<24}")
        if done >= total:
            out.write("\n")
        out.flush()

    return show


def terminal_progress(force: bool = False) -> Progress | None:
    """A text bar on standard error when it is a terminal (or when asked), else nothing."""
    return text_progress() if force or sys.stderr.isatty() else None
