"""House rules that keep the codebase honest, checked on every run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulator.core.spec import load_spec, operations
from simulator.vendors import all_vendors

ROOT = Path(__file__).resolve().parents[1]
VENDORS = ROOT / "simulator" / "vendors"
FORBIDDEN_CALLS = re.compile(
    r"datetime\.(now|utcnow)\(|time\.time\(\)|uuid\.?uuid4\(|\brandom\.(random|randint|choice|shuffle)\("
)


def _vendor_files() -> list[Path]:
    return sorted(p for p in VENDORS.rglob("*.py") if p.parent != VENDORS)


@pytest.mark.parametrize("path", _vendor_files(), ids=lambda p: str(p.relative_to(VENDORS)))
def test_vendor_imports_only_core_and_itself(path: Path) -> None:
    vendor = path.relative_to(VENDORS).parts[0]
    for node in ast.walk(ast.parse(path.read_text())):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            if name.startswith("simulator"):
                assert name.startswith(("simulator.core", f"simulator.vendors.{vendor}")), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", _vendor_files(), ids=lambda p: str(p.relative_to(VENDORS)))
def test_vendor_reads_time_and_randomness_only_through_core(path: Path) -> None:
    hits = [line for line in path.read_text().splitlines() if FORBIDDEN_CALLS.search(line)]
    assert hits == []


@pytest.mark.parametrize("vendor", all_vendors(), ids=lambda v: v.name)
def test_spec_operations_and_handlers_match_both_ways(vendor: object) -> None:
    from simulator.core.vendor import VendorPlugin

    assert isinstance(vendor, VendorPlugin)
    spec_ops = {op.operation_id for op in operations(load_spec(vendor.spec_file))}
    assert spec_ops == set(vendor.operations.handlers)


@pytest.mark.parametrize("vendor", all_vendors(), ids=lambda v: v.name)
def test_every_operation_declares_provenance(vendor: object) -> None:
    from simulator.core.vendor import VendorPlugin

    assert isinstance(vendor, VendorPlugin)
    for op in operations(load_spec(vendor.spec_file)):
        assert op.raw.get("x-provenance") in ("documented", "inferred"), op.operation_id


def test_specs_are_valid_openapi() -> None:
    from openapi_spec_validator import validate

    for spec_file in sorted((ROOT / "specs").glob("*.yaml")):
        validate(load_spec(spec_file.name))  # type: ignore[arg-type]


def test_every_vendor_table_is_tenant_scoped() -> None:
    from simulator.core.db import Base, TenantScoped
    from simulator.core.snapshots import vendor_tables

    Base.metadata.tables  # noqa: B018 - tables are registered by importing the vendors
    all_vendors()
    vendor_names = {v.name for v in all_vendors()}
    scoped = {t.name for t in vendor_tables()}
    for mapper in Base.registry.mappers:
        table = mapper.local_table.name
        if table.split("_", 1)[0] in vendor_names:
            assert issubclass(mapper.class_, TenantScoped) and table in scoped, table
