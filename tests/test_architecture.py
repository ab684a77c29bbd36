"""House rules that keep the codebase honest, checked on every run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulator.core.spec import load_spec, operations
from simulator.vendors import all_vendors

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ROOT / "simulator"
VENDORS = PRODUCT / "vendors"
CORE = PRODUCT / "core"
FORBIDDEN_CALLS = re.compile(
    r"datetime\.(now|utcnow)\(|time\.time\(\)|time\.monotonic\(|uuid\.?uuid[14]\(|\buuid[14]\("
    r"|\brandom\.(random|randint|choice|shuffle|Random)\(|\bsecrets\."
)
# The only modules that may read time and randomness directly.
TIME_AND_RANDOMNESS = {CORE / "clock.py", CORE / "ids.py"}
# Modules of the product's top level that must not import each other in a loop.
ENTRY_MODULES = {"cli", "app", "generate", "serving"}


def _vendor_files() -> list[Path]:
    return sorted(p for p in VENDORS.rglob("*.py") if p.parent != VENDORS)


def _product_files() -> list[Path]:
    return sorted(PRODUCT.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (TYPE_CHECKING blocks and functions too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


@pytest.mark.parametrize("path", _product_files(), ids=lambda p: str(p.relative_to(PRODUCT)))
def test_time_and_randomness_only_through_clock_and_ids(path: Path) -> None:
    if path in TIME_AND_RANDOMNESS:
        return
    hits = [line.strip() for line in path.read_text().splitlines() if FORBIDDEN_CALLS.search(line)]
    assert hits == [], "read time through simulator.core.clock and randomness through simulator.core.ids"


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_nothing_above_it(path: Path) -> None:
    # Not the runtime, the settings, the vendors, the app or the control API: they build on the core.
    upward = [n for n in _imports(path) if n.startswith("simulator") and not n.startswith("simulator.core")]
    assert upward == [], f"{path.name} imports {upward}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, known: set[str]) -> set[str]:
    """The product modules a file imports (`from package import module` counts the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                found.add(inner if inner in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found & known


def test_the_entry_modules_import_each_other_in_no_loop() -> None:
    files = {_module_name(p): p for p in _product_files()}
    graph = {name: _module_imports(path, set(files)) - {name} for name, path in files.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    loops = sorted(m for m in ENTRY_MODULES if reaches(f"simulator.{m}", f"simulator.{m}"))
    assert loops == [], f"import loops through {loops}"


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


# What core offers the vendors: the request context and its store (statements, session,
# shared settings), errors, the plugin contract, the model base and column types, time and
# ids, rate windows, fixtures, tenants, spec access and dashboard hooks. The machinery behind
# them (pipeline, steps, plumbing, journal, snapshots, the core's own tables) is core's alone.
VENDOR_INTERFACE = frozenset(
    {"browse", "clock", "context", "db", "errors", "fixtures", "ids", "ratelimit", "spec", "store", "tenants", "vendor"}
)


@pytest.mark.parametrize("path", _vendor_files(), ids=lambda p: str(p.relative_to(VENDORS)))
def test_vendor_reaches_core_only_through_its_interface(path: Path) -> None:
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "simulator.core":
            used.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulator.core."):
            used.add((node.module or "").split(".")[2])
        elif isinstance(node, ast.Import):
            used.update(a.name.split(".")[2] for a in node.names if a.name.startswith("simulator.core."))
    assert used <= VENDOR_INTERFACE, f"{path.name} uses core's {sorted(used - VENDOR_INTERFACE)}"


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
