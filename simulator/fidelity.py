"""The README's fidelity table, generated from the bundled specs (`python -m simulator.fidelity`).

Each row is one operation with its `x-provenance`: `documented` (in the vendor's docs) or
`inferred` (our reconstruction). A test keeps the README's copy equal to this output.
"""

from __future__ import annotations

from simulator.core.spec import load_spec, operations
from simulator.vendors import all_vendors

BEGIN = "<!-- fidelity-table:begin (python -m simulator.fidelity) -->"
END = "<!-- fidelity-table:end -->"


def table() -> str:
    lines = [BEGIN, "", "| vendor | operation | method and path | provenance |", "|---|---|---|---|"]
    for vendor in sorted(all_vendors(), key=lambda v: v.name):
        for op in operations(load_spec(vendor.spec_file)):
            lines.append(f"| {vendor.name} | `{op.operation_id}` | `{op.method} {op.path}` | {op.provenance} |")
    counts = {
        v.name: sum(op.provenance == "documented" for op in operations(load_spec(v.spec_file))) for v in all_vendors()
    }
    totals = ", ".join(
        f"{name} {n} of {len(operations(load_spec(f'{name}.yaml')))} documented" for name, n in sorted(counts.items())
    )
    lines += ["", f"Documented operations: {totals}.", "", END]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
