"""Test helpers: an in-process simulator (`InProcessSimulator`) and the pytest plugin."""

from simulator.testing.harness import InjectedFaultDropped, InProcessSimulator, ServerSimulator

__all__ = ["InProcessSimulator", "InjectedFaultDropped", "ServerSimulator"]
