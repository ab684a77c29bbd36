"""The targets table that `make bench` ends with: one row per target figure, what the run
measured, its ratio to the bare-Starlette ceiling of the same run (where the target is a
ratio), the must-reach and aim thresholds, and whether must-reach holds.

Only numbers in, rows out: bench.run measures, this module judges and renders, so a test can
check every verdict with made-up figures. A figure the run did not measure (a skipped step,
or data other than the target's) is shown as such and counts as not holding.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

READ_RATIO, READ_P99_MS, READ_AIM = 0.30, 15.0, 0.5
WRITE_RATIO, WRITE_AIM = 0.15, 0.3
LIST_RATIO, LIST_P99_MS, LIST_AIM = 0.05, 50.0, 0.1
LIMIT_ON_SHORTFALL = 0.10  # the default-limits GET may be at most 10% slower than limits off
ABSORB_LIST_P50_MS = 10.0
# "Answered at once": a read that waited for the write lock would wait for SQLite's busy
# timeout (30 s); 100 ms leaves room for a busy machine and none for a wait.
LOCKED_READ_MAX_MS = 100.0
RESET_SECONDS = 0.5
START_SECONDS = 0.5


@dataclass(frozen=True)
class Target:
    figure: str
    measured: str
    ratio: str  # to the ceiling; "-" where the target is not a ratio
    must: str
    aim: str
    holds: bool


@dataclass(frozen=True)
class Throughput:
    rps: float
    p99_ms: float


def _measured(load: Throughput) -> str:
    return f"{load.rps:,.0f} req/s, p99 {load.p99_ms:.1f} ms"


def _against_ceiling(
    figure: str, load: Throughput, ceiling: Throughput, least: float, aim: float, p99_ms: float | None = None
) -> Target:
    ratio = load.rps / ceiling.rps
    must = f">= {least:.2f}" + ("" if p99_ms is None else f", p99 <= {p99_ms:.0f} ms")
    holds = ratio >= least and (p99_ms is None or load.p99_ms <= p99_ms)
    return Target(figure, _measured(load), f"{ratio:.2f}", must, f">= {aim}", holds)


def read(vendor: str, label: str, load: Throughput, ceiling: Throughput) -> Target:
    figure = f"authenticated single-record GET, {vendor} ({label})"
    return _against_ceiling(figure, load, ceiling, READ_RATIO, READ_AIM, READ_P99_MS)


def write(vendor: str, label: str, load: Throughput, ceiling: Throughput) -> Target:
    return _against_ceiling(f"single-record write, {vendor} ({label})", load, ceiling, WRITE_RATIO, WRITE_AIM)


def listing(vendor: str, label: str, load: Throughput, ceiling: Throughput) -> Target:
    figure = f"list of 100, {vendor} ({label})"
    return _against_ceiling(figure, load, ceiling, LIST_RATIO, LIST_AIM, LIST_P99_MS)


def limit_on(vendor: str, on: Throughput, off: Throughput) -> Target:
    share = on.rps / off.rps
    return Target(
        f"the same GET, {vendor}, default rate limit on (raised above the load) vs limit off",
        f"on {on.rps:,.0f} req/s, off {off.rps:,.0f} req/s: {share:.2f} of off",
        "-",
        f"within {LIMIT_ON_SHORTFALL:.0%} of limit off",
        "",
        share >= 1 - LIMIT_ON_SHORTFALL,
    )


def absorb_list(p50_ms: float, p95_ms: float) -> Target:
    return Target(
        "Absorb `_filter` + `_sort` list, `_limit=100`, over 100,000 (in-process, SQLite file)",
        f"p50 {p50_ms:.1f} ms, p95 {p95_ms:.1f} ms",
        "-",
        f"p50 <= {ABSORB_LIST_P50_MS:.0f} ms",
        "",
        p50_ms <= ABSORB_LIST_P50_MS,
    )


def locked_reads(latencies_ms: Sequence[float], failures: int, vendors: int) -> Target:
    """Reads sent one at a time while another connection holds `BEGIN IMMEDIATE` on the file."""
    slowest = max(latencies_ms)
    return Target(
        "reads while another connection holds the write lock (SQLite `BEGIN IMMEDIATE`)",
        f"{len(latencies_ms)} reads over {vendors} vendors: p50 {statistics.median(latencies_ms):.1f} ms, "
        f"slowest {slowest:.1f} ms, {failures} not 2xx",
        "-",
        f"answered at once: every one 2xx, slowest <= {LOCKED_READ_MAX_MS:.0f} ms",
        "",
        failures == 0 and slowest <= LOCKED_READ_MAX_MS,
    )


def workers(db: str, one_rps: float | None, two_rps: float | None, missing: str = "not measured") -> Target:
    """2 workers' read throughput against 1's on the same database: no lock in the way means
    a second worker adds to the first rather than waiting for it."""
    figure = f"reads at 2 workers vs 1, {db} (MSPortal GET, 32 connections)"
    must = "report; no lock in the way (2 workers >= 1 worker)"
    if one_rps is None or two_rps is None:
        return Target(figure, missing, "-", must, "", False)
    share = two_rps / one_rps
    measured = f"1 worker {one_rps:,.0f} req/s, 2 workers {two_rps:,.0f} req/s: x{share:.2f}"
    return Target(figure, measured, "-", must, "", share >= 1)


def reset(seconds: float, dataset: str, is_target_dataset: bool) -> Target:
    measured = f"{seconds:.2f} s on {dataset}"
    if not is_target_dataset:
        measured += " (not the generated 100k dataset: does not count)"
    return Target(
        "`POST /_sim/reset` on the generated 100k dataset",
        measured,
        "-",
        f"<= {RESET_SECONDS} s",
        "",
        is_target_dataset and seconds <= RESET_SECONDS,
    )


def start(seconds: float) -> Target:
    return Target(
        "start to first 200, existing database (demo fixtures)",
        f"{seconds:.2f} s",
        "-",
        f"<= {START_SECONDS} s",
        "",
        seconds <= START_SECONDS,
    )


def render(targets: Sequence[Target]) -> str:
    """Markdown; the last column is a plain yes or no for every row."""
    lines = [
        "| figure | measured | ratio to ceiling | must reach | aim | must reach holds |",
        "|---|---|---|---|---|---|",
    ]
    for t in targets:
        lines.append(
            f"| {t.figure} | {t.measured} | {t.ratio} | {t.must} | {t.aim or '-'} | {'yes' if t.holds else 'no'} |"
        )
    held = sum(t.holds for t in targets)
    lines += ["", f"Must-reach holds for {held} of {len(targets)} figures."]
    return "\n".join(lines)
