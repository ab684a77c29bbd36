"""docs/testing.md's examples run as they are written: every ```python block, in order, as one
test file of a separate project (the plugin loaded through its entry point)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.testing.project import run_user_project

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def test_the_guide_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) >= 6, "the guide has an example per vendor"
    (tmp_path / "test_guide_examples.py").write_text("\n\n".join(blocks))
    result = run_user_project(tmp_path)
    assert "5 passed" in result.stdout and "failed" not in result.stdout, result.stdout[-4000:]
