"""The targets table `make bench` ends with: every target figure has its row, and each row's
yes/no follows from its numbers. Made-up figures only; nothing here is timed."""

from __future__ import annotations

import re

from bench import goals
from bench.run import Load, VendorLoads, target_rows
from bench.scale import ScaleRow
from bench.targets import Call, VendorCalls

CEILING = goals.Throughput(rps=10_000, p99_ms=5)


def _verdict(target: goals.Target) -> str:
    [row] = [line for line in goals.render([target]).splitlines() if line.startswith(f"| {target.figure} |")]
    return row.rstrip(" |").rsplit("| ", 1)[1]


def test_read_needs_both_the_ratio_and_the_p99() -> None:
    assert _verdict(goals.read("msportal", "GET x", goals.Throughput(3_000, 15.0), CEILING)) == "yes"
    assert _verdict(goals.read("msportal", "GET x", goals.Throughput(2_999, 15.0), CEILING)) == "no"
    assert _verdict(goals.read("msportal", "GET x", goals.Throughput(9_000, 15.1), CEILING)) == "no"
    assert goals.read("msportal", "GET x", goals.Throughput(3_000, 1), CEILING).ratio == "0.30"


def test_write_and_list_thresholds() -> None:
    assert goals.write("docebo", "PUT x", goals.Throughput(1_500, 900), CEILING).holds
    assert not goals.write("docebo", "PUT x", goals.Throughput(1_499, 1), CEILING).holds
    assert goals.listing("absorb", "GET x", goals.Throughput(500, 50), CEILING).holds
    assert not goals.listing("absorb", "GET x", goals.Throughput(500, 51), CEILING).holds
    assert not goals.listing("absorb", "GET x", goals.Throughput(499, 1), CEILING).holds


def test_limit_on_within_ten_percent_of_limit_off() -> None:
    off = goals.Throughput(1_000, 10)
    assert goals.limit_on("absorb", goals.Throughput(900, 10), off).holds
    assert not goals.limit_on("absorb", goals.Throughput(899, 10), off).holds


def test_single_figures() -> None:
    assert goals.absorb_list(10.0, 30).holds and not goals.absorb_list(10.1, 11).holds
    assert goals.locked_reads([1, 2, 100], 0, 1).holds
    assert not goals.locked_reads([1, 2, 100.5], 0, 1).holds
    assert not goals.locked_reads([1, 2, 3], 1, 1).holds
    assert goals.start(0.5).holds and not goals.start(0.51).holds
    assert goals.reset(0.4, "the 100k", True).holds and not goals.reset(0.6, "the 100k", True).holds


def test_what_was_not_measured_does_not_hold() -> None:
    # A fast reset on the small demo data says nothing about the 100k one.
    demo = goals.reset(0.01, "demo fixtures", False)
    assert not demo.holds and "does not count" in demo.measured
    skipped = goals.workers("postgresql", None, None, "not measured (off)")
    assert not skipped.holds and skipped.measured == "not measured (off)"
    assert goals.workers("sqlite", 1_000, 1_000).holds
    assert not goals.workers("sqlite", 1_000, 860).holds


def _calls(vendor: str) -> VendorCalls:
    return VendorCalls(vendor, {}, Call("GET", f"/{vendor}/one/1"), Call("PUT", f"/{vendor}/one/1"), Call("GET", "/l"))


def test_every_figure_of_the_targets_has_a_row() -> None:
    vendors = ["msportal", "docebo", "absorb"]
    loads = {(v, k, c): Load(4_000, 1, 10) for v in vendors for k in ("read", "write", "list") for c in (1, 32)}
    vendor = VendorLoads([], loads, [_calls(v) for v in vendors], 0)
    scaling = [ScaleRow("sqlite", n, "read: msportal GET enrollment", 900 * n, 1, 2) for n in (1, 2, 4)]
    rows = target_rows(
        Load(10_000, 1, 5),
        vendor,
        {"msportal": Load(5_000, 1, 9), "absorb": Load(4_100, 1, 9)},
        absorb=(12.0, 15.0),
        locked=([2.0, 3.0], 0),
        scaling=scaling,
        reset=(0.3, "generated dataset", True),
        warm_start=0.7,
    )
    table = goals.render(rows)
    verdicts = {t.figure: t.holds for t in rows}
    for v in vendors:
        assert verdicts[f"authenticated single-record GET, {v} (GET /{v}/one/{{id}})"]
        assert verdicts[f"single-record write, {v} (PUT /{v}/one/{{id}})"]
        assert verdicts[f"list of 100, {v} (GET /l)"]
    limit_rows = {t.figure.split(", ")[1]: t.holds for t in rows if "rate limit" in t.figure}
    assert limit_rows == {"msportal": False, "absorb": True}  # 4,000 is 0.80 of 5,000, 0.98 of 4,100
    assert [t.holds for t in rows if "reads at 2 workers" in t.figure] == [True, False]  # PostgreSQL not measured
    for figure, holds in (("Absorb `_filter`", False), ("write lock", True), ("reset", True), ("start to", False)):
        [row] = [t for t in rows if figure in t.figure]
        assert row.holds is holds, figure
    # One table row per figure, and every row ends in a plain yes or no.
    body = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| figure")]
    assert len(body) == len(rows) == 3 * 3 + 2 + 1 + 1 + 2 + 1 + 1
    assert all(re.search(r"\| (yes|no) \|$", line) for line in body)
    assert f"Must-reach holds for {sum(verdicts.values())} of {len(rows)} figures." in table
