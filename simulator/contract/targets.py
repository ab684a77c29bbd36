"""What can be contract-tested: every vendor in `all_vendors()` plus the simulator's control API."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.core.spec import spec_path
from simulator.vendors import all_vendors

ADMIN = "admin"
# What a run can do (here, not in runner.py, so that building the CLI does not import Schemathesis).
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
ALL_MODES = ("positive", "negative")


@dataclass(frozen=True)
class Target:
    name: str  # what `--vendor` takes
    spec_file: str  # file name in specs/
    prefix: str  # where the simulator mounts it, e.g. "/msportal"
    # Operations left out by default, with the reason shown in the summary.
    excluded: tuple[tuple[str, str], ...] = ()
    # Headers every generated request carries (the control API wants JSON on every state change).
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def spec_path(self) -> str:
        return str(spec_path(self.spec_file))


def all_targets() -> list[Target]:
    targets = [Target(v.name, v.spec_file, f"/{v.name}") for v in all_vendors()]
    # /_sim/fixtures replaces the whole state: generated documents would only exercise our refusal
    # of them (tests/admin covers that precisely) and would wipe the state other operations use.
    targets.append(
        Target(
            ADMIN,
            "simulator.yaml",
            "/_sim",
            excluded=(("loadFixtures", "replaces the whole simulator state"),),
            headers=(("Content-Type", "application/json"),),
        )
    )
    return targets


def find_target(name: str) -> Target:
    for target in all_targets():
        if target.name == name:
            return target
    known = ", ".join(t.name for t in all_targets())
    raise LookupError(f"unknown vendor {name!r} (known: {known})")
