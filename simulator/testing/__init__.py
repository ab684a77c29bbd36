"""Test helpers: in-process and live simulators, interception of the vendors' hosts, the pytest plugin.

Names are imported on first use: the pytest plugin imports this package in every pytest
run of a project that has lms-simulator installed, and must stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.testing.context import current_simulator, lms_simulator
    from simulator.testing.harness import InjectedFaultDropped, InProcessSimulator, ServerSimulator
    from simulator.testing.hosts import UnroutedRequest, VendorHosts
    from simulator.testing.intercept import Interception, SimulatorAdapter, async_sim_mounts, sim_mounts
    from simulator.testing.live import TenantClone

_HOMES = {
    "InProcessSimulator": "harness",
    "InjectedFaultDropped": "harness",
    "ServerSimulator": "harness",
    "lms_simulator": "context",
    "current_simulator": "context",
    "Interception": "intercept",
    "SimulatorAdapter": "intercept",
    "sim_mounts": "intercept",
    "async_sim_mounts": "intercept",
    "UnroutedRequest": "hosts",
    "VendorHosts": "hosts",
    "TenantClone": "live",
}

__all__ = [
    "InProcessSimulator",
    "InjectedFaultDropped",
    "Interception",
    "ServerSimulator",
    "SimulatorAdapter",
    "TenantClone",
    "UnroutedRequest",
    "VendorHosts",
    "async_sim_mounts",
    "current_simulator",
    "lms_simulator",
    "sim_mounts",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simulator.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"simulator.testing.{home}"), name)
