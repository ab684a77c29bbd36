"""Run pytest on a separate user project, as that project's developer would (the plugin loaded
through its entry point, none of this repository's settings or import paths)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_user_project(folder: Path) -> subprocess.CompletedProcess[str]:
    (folder / "pytest.ini").write_text("[pytest]\n")  # the project's own (empty) settings, not ours
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=300,
        check=False,
    )
