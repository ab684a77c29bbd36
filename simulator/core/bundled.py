"""Where the bundled specs and demo fixtures are, installed or in a source checkout.

They have one home in the source tree, `specs/` and `fixtures/` at its top. A wheel carries
them inside the package, as `simulator/_bundled/specs` and `simulator/_bundled/fixtures`
(pyproject.toml maps them there at build time), so an installed simulator finds them from
any working directory and nobody keeps a second copy in sync.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def bundled_dir(name: str) -> Path:
    """`specs` or `fixtures`: the installed copy when there is one, else the source tree's."""
    installed = _PACKAGE / "_bundled" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
