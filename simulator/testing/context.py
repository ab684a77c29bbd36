"""`lms_simulator()`: an in-process simulator answering the vendors' real hosts, outside pytest too.

    with lms_simulator() as sim:
        httpx.get("https://acme.docebosaas.com/learn/v1/enrollments", headers=...)

    @lms_simulator()
    def test_sync():
        sim = current_simulator()   # the decorator's simulator, for clock, faults and assertions
        ...

Like moto's `mock_aws`: every entry gets a fresh simulator, gone on exit.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ContextDecorator
from typing import Any

from simulator.settings import Settings
from simulator.testing.harness import InProcessSimulator
from simulator.testing.hosts import VendorHosts
from simulator.testing.intercept import Interception

_ACTIVE: list[tuple[InProcessSimulator, Interception]] = []


class lms_simulator(ContextDecorator):
    """Answer requests to the vendors' hosts (httpx sync and async, requests) from a fresh simulator.

    passthrough: False (the default) fails a test that calls any other host with
    `UnroutedRequest`; True lets every other host through; a list of host names lets
    those through. Loopback always passes.
    skillable_url: where the code under test reaches Skillable TMS (its host is not published).
    """

    def __init__(
        self,
        *,
        passthrough: bool | Iterable[str] = False,
        skillable_url: str | None = None,
        settings: Settings | None = None,
        frozen: bool = True,
    ) -> None:
        self.hosts = VendorHosts.build(skillable_url=skillable_url, passthrough=passthrough)
        self.settings = settings
        self.frozen = frozen

    def __enter__(self) -> InProcessSimulator:
        sim = InProcessSimulator(self.settings, frozen=self.frozen)
        interception = Interception(sim, self.hosts)
        interception.__enter__()
        _ACTIVE.append((sim, interception))
        return sim

    def __exit__(self, *exc: Any) -> None:
        sim, interception = _ACTIVE.pop()
        interception.__exit__(*exc)
        sim.close()


def current_simulator() -> InProcessSimulator:
    """The simulator of the innermost active `lms_simulator` (for tests it decorates)."""
    if not _ACTIVE:
        raise RuntimeError("no lms_simulator() is active")
    return _ACTIVE[-1][0]
