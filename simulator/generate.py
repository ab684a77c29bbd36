"""`lms-sim generate`: one large, consistent fixture document for every vendor.

Tenants are named `t1`..`tN`. Each (tenant, vendor) section comes from the vendor's own
`generate` with a `random.Random` seeded by (seed, tenant, vendor), so one vendor's data
does not change when another vendor is left out, and one seed gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml

from simulator.core import clock, ids
from simulator.core.fixtures import GenerateSpec
from simulator.core.vendor import VendorPlugin
from simulator.progress import Progress, terminal_progress
from simulator.usage import UsageError
from simulator.vendors import all_vendors

# The file endings `write_document` knows: JSON for .json, YAML for the others.
SUFFIXES = (".json", ".yaml", ".yml")


def generators() -> dict[str, VendorPlugin]:
    return {v.name: v for v in all_vendors() if v.generate is not None}


def generate_document(
    tenants: int,
    users: int,
    courses: int,
    seed: int,
    vendors: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The fixture document; raises ValueError on impossible sizes or unknown vendors."""
    if tenants < 1 or users < 1 or courses < 1:
        raise ValueError("--tenants, --users and --courses must be at least 1")
    known = generators()
    names = sorted(known) if not vendors else list(dict.fromkeys(vendors))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"no generator for {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    doc: dict[str, Any] = {"tenants": {}}
    steps, done = tenants * len(names), 0
    for index in range(tenants):
        tenant = f"t{index + 1}"
        sections = doc["tenants"][tenant] = {}
        for name in names:
            rng = ids.seeded_random(f"{seed}:{tenant}:{name}")
            generate = known[name].generate
            assert generate is not None
            sections[name] = generate(GenerateSpec(tenant, users, courses, rng, index))
            done += 1
            if progress is not None:
                progress(done, steps, f"{tenant}/{name}")
    return doc


def write_document(doc: dict[str, Any], out: Path) -> int:
    """JSON when the file name ends in .json (much faster to write and load), else YAML (.yaml, .yml)."""
    if out.suffix.lower() == ".json":
        data = orjson.dumps(doc) + b"\n"
    else:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        data = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120).encode()
    out.write_bytes(data)
    return len(data)


def run(args: Any) -> None:
    """The `lms-sim generate` command: a usage problem is a one-line error (exit 2)."""
    out = Path(args.out)
    if out.suffix.lower() not in SUFFIXES:
        raise UsageError(f"--out must end in .json or .yaml (the formats it writes), got {out.name!r}")
    vendors = [v.strip() for v in args.vendors.split(",") if v.strip()] if args.vendors else None
    show = terminal_progress(force=args.progress)
    started = clock.monotonic()
    try:
        doc = generate_document(args.tenants, args.users, args.courses, args.seed, vendors, show)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    try:
        size = write_document(doc, out)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from exc
    counts = ", ".join(f"{name}: {n:,}" for name, n in enrollment_counts(doc).items())
    took = clock.monotonic() - started
    print(f"wrote {out} ({size:,} bytes; {len(doc['tenants'])} tenants; enrollments {counts}) in {took:.1f} s")


def enrollment_counts(doc: dict[str, Any]) -> dict[str, int]:
    """Enrollments per vendor. Learn.link's are made at load from audience members x assignments:
    this counts that product, an upper bound (a member who left before an assignment misses it)."""
    out: dict[str, int] = {}
    for sections in doc["tenants"].values():
        for name, section in sections.items():
            out[name] = out.get(name, 0) + _enrollments(name, section)
    return out


def _enrollments(name: str, section: dict[str, Any]) -> int:
    if name == "learnlink":
        members = {a["key"]: len(a.get("members", [])) for a in section.get("audiences", [])}
        return sum(members.get(a["audience"], 0) for a in section.get("assignments", []))
    key = "class_enrollments" if name == "skillable" else "enrollments"
    return len(section.get(key, []))
