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
    # `make contract` prints one line per spec and mode: operations covered, declared links
    # followed, declared statuses seen, state transitions reached, cases, failures, time; then
    # the transitions each spec reached.
    if not DEEP_REPORTS:
        return
    terminalreporter.section("contract coverage")
    for r in DEEP_REPORTS:
        seen, listed = r.statuses_seen()
        reached, missed = r.transitions_reached()
        terminalreporter.write_line(
            f"{r.target:<10} {r.base_url:<34} {r.operations_covered:>3}/{len(r.operations):<3} operations  "
            f"{len(r.declared_links_followed):>3}/{len(r.declared.links):<3} links ({r.link_coverage:4.0%})  "
            f"{seen:>3}/{listed:<3} statuses  {len(reached)}/{len(reached) + len(missed)} transitions  "
            f"{r.cases:>6} cases  {r.failures} failures  {r.seconds:6.1f}s"
        )
    for r in DEEP_REPORTS:
        reached, missed = r.transitions_reached()
        terminalreporter.write_line(f"{r.target} ({r.base_url}) reached: {'; '.join(reached) or '-'}")
        if missed:
            terminalreporter.write_line(f"{r.target} ({r.base_url}) not reached: {'; '.join(missed)}")


@pytest.fixture(scope="session")
def deep_reports() -> list[ContractReport]:
    return DEEP_REPORTS
