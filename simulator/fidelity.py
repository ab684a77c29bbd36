"""The fidelity table (docs/fidelity.md), generated from the bundled specs (`python -m simulator.fidelity`).

Each row is one operation with its `x-provenance`: `documented` (in the vendor's docs) or
`inferred` (our reconstruction). A test keeps the document's copy equal to this output; `--write` updates it in place.
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


def replace_table(text: str) -> str:
    """`text` with its generated table (between BEGIN and END) replaced by the current one."""
    return text[: text.index(BEGIN)] + table() + text[text.index(END) + len(END) :]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if sys.argv[1:] == ["--write"]:
        doc = Path(__file__).resolve().parents[1] / "docs" / "fidelity.md"
        doc.write_text(replace_table(doc.read_text()))
    else:
        print(table())
