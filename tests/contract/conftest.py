"""Helpers for the contract tests: serve any ASGI app on a real port, and collect deep-run reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from simulator.contract.report import ContractReport
from simulator.testing.harness import free_port

DEEP_REPORTS: list[ContractReport] = []


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run `app` under uvicorn on a free loopback port; yields its root URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="contract-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # `make contract` prints one line per spec and mode: what was covered, how much ran, how long.
    if not DEEP_REPORTS:
        return
    terminalreporter.section("contract coverage")
    for r in DEEP_REPORTS:
        terminalreporter.write_line(
            f"{r.target:<10} {r.base_url:<34} {r.operations_covered:>3}/{len(r.operations):<3} operations  "
            f"{r.cases:>6} cases  {len(r.links_covered):>3}/{r.links_total:<3} links  {r.failures} failures  "
            f"{r.seconds:6.1f}s"
        )


@pytest.fixture(scope="session")
def deep_reports() -> list[ContractReport]:
    return DEEP_REPORTS
