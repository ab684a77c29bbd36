"""Headless Chromium for the dashboard's end-to-end tests and screenshots.

Debian's `chromium` package (installed by `make test`), driven by Playwright; Playwright's
own browser downloads are never used, so nothing is fetched at test time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("LMS_SIM_CHROMIUM", "/usr/bin/chromium"))
# Root in a container, no network: no sandbox, no GPU, and nothing that phones home.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
MISSING = (
    f"Chromium is not installed at {CHROMIUM}: the dashboard's browser tests need it. "
    "Run `make test` (it installs Debian's chromium package), or `apt-get install -y chromium`, "
    "or set LMS_SIM_CHROMIUM to another Chromium binary."
)


def chromium_path() -> Path:
    """The browser binary, or a RuntimeError that says how to install it."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which(str(CHROMIUM))
    if found:
        return Path(found)
    raise RuntimeError(MISSING)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=list(ARGS), headless=True)
