"""The vendor reads time and makes ids only through the core, and imports only the core and itself."""

from __future__ import annotations

import re
from pathlib import Path

import simulator.vendors.learnlink as package
from simulator.core.spec import load_spec, operations
from simulator.vendors.learnlink.routes import operations as handlers

ROOT = Path(package.__file__).resolve().parent
FORBIDDEN = re.compile(r"datetime\.now\(|\bdt\.datetime\.now\(|time\.time\(|uuid4\(|\bimport random\b|\brandom\.")
IMPORTS = re.compile(r"^\s*(?:from|import)\s+(simulator\.[\w.]+)", re.MULTILINE)


def sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_no_wall_clock_or_randomness() -> None:
    offenders = [f"{p.name}: {m.group(0)}" for p in sources() for m in FORBIDDEN.finditer(p.read_text())]
    assert offenders == []


def test_imports_only_the_core_and_itself() -> None:
    bad = [
        f"{p.name}: {name}"
        for p in sources()
        for name in IMPORTS.findall(p.read_text())
        if not name.startswith(("simulator.core", "simulator.vendors.learnlink"))
    ]
    assert bad == []


def test_every_spec_operation_has_a_handler_and_back() -> None:
    spec_ids = {op.operation_id for op in operations(load_spec("learnlink.yaml"))}
    assert spec_ids == set(handlers.handlers)


def test_every_operation_declares_provenance_and_auth_statuses() -> None:
    for op in operations(load_spec("learnlink.yaml")):
        assert op.provenance in ("documented", "inferred"), op.operation_id
        statuses = set(op.raw["responses"])
        if not op.public:
            assert {"401", "403", "422"} <= statuses, op.operation_id
        if "requestBody" in op.raw:
            assert "413" in statuses, op.operation_id


def test_benchmark_moves_every_enrolment() -> None:
    from bench.learnlink_advance import measure_year

    figure = measure_year(100)
    assert figure.enrolments == 100 and figure.moved == 100
