"""`make bench`: the simulator measured against a bare Starlette ceiling, on loopback, with wrk.

Prints one table and writes it to bench/results.md. For each vendor's main read, main write
and main list: requests/s, p50 and p99 at 1 and 32 connections, and the ratio to the
ceiling measured in the same run (a ratio holds on a noisy machine where absolute figures
do not). Several runs per figure; medians quoted. Then the special figures (start-up,
reset, memory, the in-process fixture, the big-data operations) and, when its module is
present, the multi-worker scaling table; last, the targets table (bench.goals): every target
figure with its ratio, thresholds and whether its must-reach holds.

Rate limits are at the vendors' defaults (counted on every request) but raised above the load,
so no request is refused; one extra reading per rate-limited vendor turns them off.

Environment: BENCH_RUNS (default 3), BENCH_SECONDS (default 5), BENCH_VENDORS (comma list),
BENCH_DATASET=demo to skip the generated 100,000-enrollment dataset, BENCH_SCALE=off to skip
the scaling runs.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from bench import docebo_bulk, goals, learnlink_advance
from bench.targets import LIMITS_HIGH, LIMITS_OFF, Call, VendorCalls, discover
from simulator import __version__
from simulator.testing.harness import free_port
from tests.vendors.absorb import bench_course_enrollments as absorb_list

if TYPE_CHECKING:
    from bench.scale import ScaleRow

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = (1, 32)
OUT = Path(__file__).resolve().parent / "results.md"
Row = tuple[str, ...]
Options = Mapping[str, Mapping[str, Any]]
LOCKED_READ_PACE_SECONDS = 0.1  # longer than the pipeline's journal flush delay (50 ms)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _lua(call: Call, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{call.method}"']
    for name, value in headers.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if call.body is not None:
        lines.append(f'wrk.headers["Content-Type"] = "{call.content_type}"')
        lines.append(f"wrk.body = [[{call.body}]]")
    if call.alternate is not None:
        # Each request takes the next of the variants, so each one changes the stored record.
        variants = ", ".join(
            f"{{[[{v.path}]], {'nil' if v.body is None else f'[[{v.body}]]'}}}" for v in call.variants()
        )
        lines += [
            f"local variants = {{{variants}}}",
            "local turn = 0",
            "request = function()",
            "  turn = turn % #variants + 1",
            "  return wrk.format(nil, variants[turn][1], nil, variants[turn][2])",
            "end",
        ]
    return "\n".join(lines) + "\n"


def wrk(url: str, connections: int, call: Call | None = None, headers: dict[str, str] | None = None) -> Load:
    with tempfile.TemporaryDirectory() as tmp:
        args = wrk_args(url, connections, call, headers, Path(tmp))
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return wrk_load(url, out)


def wrk_args(
    url: str, connections: int, call: Call | None, headers: dict[str, str] | None, folder: Path, name: str = "request"
) -> list[str]:
    """The wrk command for one load (its Lua script written into `folder`)."""
    args = ["wrk", "-t", "1" if connections == 1 else "2", "-c", str(connections), "-d", f"{SECONDS}s", "--latency"]
    if call is not None:
        script = folder / f"{name}.lua"
        script.write_text(_lua(call, headers or {}))
        args += ["-s", str(script)]
    return [*args, url]


def wrk_load(url: str, out: str) -> Load:
    """The figures of one wrk run's output (non-2xx answers are an error: they were not measured)."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99)


def median_load(measure: Callable[[], Load]) -> Load:
    runs = [measure() for _ in range(RUNS)]
    return Load(*(statistics.median(getattr(r, f) for r in runs) for f in ("rps", "p50_ms", "p99_ms")))


def wait_ready(url: str, timeout: float = 600) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.005)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def process(args: list[str], ready_url: str) -> Iterator[tuple[float, int]]:
    """Start a server; yields (seconds from spawn to its first 200, its pid)."""
    env = dict(os.environ)
    # Users run with compiled bytecode (pip writes it at install); so does the benchmark.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env)
    try:
        wait_ready(ready_url)
        yield time.perf_counter() - start, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def simulator_args(
    db: Path | str, port: int, *, fresh: bool = False, fixtures: Path | None = None, limits: Options = LIMITS_HIGH
) -> list[str]:
    """`lms-sim serve` on the database; rate limits counted as by default but raised above the
    load (`limits=LIMITS_OFF`: not counted at all)."""
    args = [sys.executable, "-m", "simulator.cli", "serve", "--db", str(db), "--port", str(port)]
    for vendor, values in limits.items():
        for name, value in values.items():
            args += ["--option", f"{vendor}.{name}={value}"]
    args += ["--log-level", "warning"]
    if fixtures is not None:
        args += ["--fixtures", str(fixtures)]
    return [*args, "--fresh"] if fresh else args


class RssSampler:
    """The server's resident memory, sampled from /proc while a load runs; the peak is kept."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, _rss_kb(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _dataset(tmp: Path) -> tuple[Path, str, bool]:
    """The database the throughput figures run on: the generated 100k dataset when available
    (the last item says whether it is that one)."""
    if os.environ.get("BENCH_DATASET") == "demo":
        return tmp / "demo.db", "demo fixtures", False
    from bench import dataset

    spec = dataset.BENCH_100K
    db = dataset.ensure_dataset(tmp / "dataset.db", spec)
    return db, f"generated dataset (`lms-sim generate {spec.args()}`)", True


def _wanted_vendors() -> list[str] | None:
    return [v for v in os.environ.get("BENCH_VENDORS", "").split(",") if v] or None


@dataclass
class VendorLoads:
    rows: list[Row]
    loads: dict[tuple[str, str, int], Load]  # (vendor, "read"/"write"/"list", connections)
    calls: list[VendorCalls]
    peak_kb: int


def vendor_rows(base: str, ceiling: dict[int, Load], pid: int) -> VendorLoads:
    rows: list[Row] = []
    loads: dict[tuple[str, str, int], Load] = {}
    found = discover(base, _wanted_vendors())
    with RssSampler(pid) as rss:
        for calls in found:
            for kind in ("read", "write", "list"):
                call: Call = getattr(calls, kind)
                for c in CONNECTIONS:
                    load = median_load(lambda call=call, c=c, calls=calls: _measure(base, calls, call, c))
                    loads[calls.vendor, kind, c] = load
                    rows.append(
                        (
                            f"{calls.vendor} {kind}: {call.method} {_short(call.path)}",
                            str(c),
                            f"{load.rps:,.0f}",
                            f"{load.p50_ms:.2f} / {load.p99_ms:.2f}",
                            f"{load.rps / ceiling[c].rps:.2f}",
                        )
                    )
                    print(" | ".join(rows[-1]), flush=True)
    return VendorLoads(rows, loads, found, rss.peak_kb)


def locked_reads(db: Path, base: str, found: list[VendorCalls], per_vendor: int = 5) -> tuple[list[float], int]:
    """Every vendor's read, one at a time, while a separate sqlite3 connection holds the write
    lock (`BEGIN IMMEDIATE`) on the served file: (milliseconds per read, reads not 2xx).

    The reads are paced further apart than the journal's flush delay, so whatever the server
    does a little after a read (writing its journal entry) also meets the held lock. A read
    that waits for the lock would wait SQLite's busy timeout; the first read slower than 5 s
    (or unanswered after 10 s: counted as not 2xx) ends the measurement, so a blocked server
    costs seconds, not minutes."""
    latencies: list[float] = []
    failures = 0
    holder = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with httpx.Client(base_url=base, timeout=10) as client:
            for calls in found:
                for _ in range(per_vendor):
                    time.sleep(LOCKED_READ_PACE_SECONDS)
                    start = time.perf_counter()
                    try:
                        answered = client.request(calls.read.method, calls.read.path, headers=calls.headers)
                    except httpx.TimeoutException:
                        answered = None
                    latencies.append((time.perf_counter() - start) * 1000)
                    failures += answered is None or answered.status_code >= 300
                    if latencies[-1] > 5000:
                        return latencies, failures
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
    return latencies, failures


def limit_off_reads(db: Path, vendors: list[str]) -> dict[str, Load]:
    """The extra reading: each rate-limited vendor's GET at 32 connections, limits not counted."""
    if not vendors:
        return {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Load] = {}
    with process(simulator_args(db, port, limits=LIMITS_OFF), f"{base}/_sim/health"):
        for calls in discover(base, vendors):
            out[calls.vendor] = median_load(lambda calls=calls: _measure(base, calls, calls.read, 32))
    return out


def reset_seconds(base: str, times: int = 3) -> float:
    """`POST /_sim/reset` on the served database, median of a few."""
    seconds = []
    with httpx.Client(base_url=base, timeout=600) as client:
        for _ in range(times):
            start = time.perf_counter()
            client.post("/_sim/reset", headers={"Content-Type": "application/json"}).raise_for_status()
            seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def _measure(base: str, calls: VendorCalls, call: Call, connections: int) -> Load:
    return wrk(base + call.path, connections, call, calls.headers)


def _short(path: str) -> str:
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", path)
    path = re.sub(r"/[0-9a-f]{24}", "/{id}", path)
    return re.sub(r"/\d+", "/{id}", path).split("?", 1)[0] + ("?…" if "?" in path else "")


def in_process_fixture_ms(samples: int = 20) -> float:
    """The `lms_sim` pytest fixture: a fresh in-process simulator and its first request."""
    from simulator.testing.harness import InProcessSimulator

    InProcessSimulator().close()  # the first one per process builds the template; tests pay it once
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        sim = InProcessSimulator()
        sim.client.get(
            "/msportal/api/public/v1/training/courses", headers={"Authorization": "Bearer msp_acme_full"}
        ).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
        sim.close()
    return statistics.median(times)


def main() -> None:
    rows: list[Row] = []
    figures: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ceiling_port = free_port()
        ceiling_args = [sys.executable, "-m", "uvicorn", "bench.ceiling:app", "--port", str(ceiling_port)]
        ceiling_url = f"http://127.0.0.1:{ceiling_port}/x"
        with process([*ceiling_args, "--log-level", "warning"], ceiling_url):
            ceiling = {c: median_load(lambda c=c: wrk(ceiling_url, c)) for c in CONNECTIONS}
        for c, load in ceiling.items():
            rows.append(
                (
                    "ceiling: bare Starlette GET",
                    str(c),
                    f"{load.rps:,.0f}",
                    f"{load.p50_ms:.2f} / {load.p99_ms:.2f}",
                    "1.00",
                )
            )

        # Start-up and reset on the demo fixtures (what `make run` serves). One start first,
        # unmeasured: it compiles the bytecode and caches the parsed specs, as an install does.
        demo_db, port = tmp / "demo.db", free_port()
        health = f"http://127.0.0.1:{port}/_sim/health"
        with process(simulator_args(demo_db, port, fresh=True), health):
            pass
        colds = []
        for _ in range(RUNS - 1):
            with process(simulator_args(demo_db, port, fresh=True), health) as (cold, _):
                colds.append(cold)
        with process(simulator_args(demo_db, port, fresh=True), health) as (cold, _):
            colds.append(cold)
            cold = statistics.median(colds)
            figures.append(("start to first 200, fresh database (demo fixtures loaded)", f"{cold:.2f} s", "<= 1.5 s"))
            resets = []
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(20):
                    start = time.perf_counter()
                    client.post("/_sim/reset", headers={"Content-Type": "application/json"}).raise_for_status()
                    resets.append((time.perf_counter() - start) * 1000)
            figures.append(
                ("POST /_sim/reset (demo fixtures), median of 20", f"{statistics.median(resets):.1f} ms", "<= 50 ms")
            )
        starts = []
        for _ in range(RUNS):
            with process(simulator_args(demo_db, port), health) as (warm, _):
                starts.append(warm)
        warm_start = statistics.median(starts)

        db, label, is_100k = _dataset(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process(simulator_args(db, port), f"{base}/_sim/health") as (_, pid):
            vendor = vendor_rows(base, ceiling, pid)
            rows += vendor.rows
            latencies, failures = locked_reads(db, base, vendor.calls)
            reset = reset_seconds(base)
        figures.append(
            (
                f"resident memory, one worker, {label}, peak under the loads above",
                f"{vendor.peak_kb / 1024:.0f} MB",
                "<= 200 MB",
            )
        )
        limited = [calls.vendor for calls in vendor.calls if calls.vendor in LIMITS_HIGH]
        limits_off = limit_off_reads(db, limited)
    figures.append(
        (
            "in-process `lms_sim` fixture: create + first call, median of 20",
            f"{in_process_fixture_ms():.1f} ms",
            "<= 20 ms",
        )
    )
    absorb_p50, absorb_p95 = absorb_list.measure(100, 100_000)
    year = learnlink_advance.measure_year(10_000)
    figures.append(
        (
            f"Learn.link clock advance of 365 days over {year.enrolments:,} enrolments ({year.moved:,} moved)",
            f"{year.advance_seconds:.2f} s",
            "<= 2 s",
        )
    )
    median, p95 = docebo_bulk.measure(20)
    figures.append(
        (
            "Docebo PUT /learn/v1/enrollments, 1,000 users x 5 courses (in-process, SQLite file)",
            f"median {median:.0f} ms, p95 {p95:.0f} ms",
            "<= 250 ms",
        )
    )
    scaling = scaling_rows()
    targets = target_rows(
        ceiling[32],
        vendor,
        limits_off,
        absorb=(absorb_p50, absorb_p95),
        locked=(latencies, failures),
        scaling=scaling,
        reset=(reset, label, is_100k),
        warm_start=warm_start,
    )
    report(rows, figures, label, scaling, targets, ceiling[32])


def _throughput(load: Load) -> goals.Throughput:
    return goals.Throughput(load.rps, load.p99_ms)


def target_rows(
    ceiling: Load,
    vendor: VendorLoads,
    limits_off: dict[str, Load],
    *,
    absorb: tuple[float, float],
    locked: tuple[list[float], int],
    scaling: list[ScaleRow] | None,
    reset: tuple[float, str, bool],
    warm_start: float,
) -> list[goals.Target]:
    """The targets table's rows, from figures this run measured (32 connections, one worker)."""
    top = _throughput(ceiling)
    out: list[goals.Target] = []
    for judge, kind in ((goals.read, "read"), (goals.write, "write"), (goals.listing, "list")):
        for calls in vendor.calls:
            call: Call = getattr(calls, kind)
            label = f"{call.method} {_short(call.path)}"
            out.append(judge(calls.vendor, label, _throughput(vendor.loads[calls.vendor, kind, 32]), top))
    for name, off in limits_off.items():
        out.append(goals.limit_on(name, _throughput(vendor.loads[name, "read", 32]), _throughput(off)))
    out.append(goals.absorb_list(*absorb))
    latencies, failures = locked
    out.append(goals.locked_reads(latencies, failures, len(vendor.calls)))
    for db, skipped in (("sqlite", "BENCH_SCALE=off"), ("postgresql", "LMS_SIM_BENCH_PG=off or BENCH_SCALE=off")):
        reads = {r.workers: r.rps for r in scaling or [] if r.db == db and r.operation.startswith("read")}
        out.append(goals.workers(db, reads.get(1), reads.get(2), f"not measured ({skipped})"))
    out.append(goals.reset(*reset))
    out.append(goals.start(warm_start))
    return out


def scaling_rows() -> list[ScaleRow] | None:
    """bench.scale's rows: 1, 2 and 4 workers on SQLite and on PostgreSQL (None: BENCH_SCALE=off)."""
    if os.environ.get("BENCH_SCALE") == "off":
        return None
    from bench import scale  # it imports this module's wrk driver

    return scale.measure(scale.postgres_url())


def report(
    rows: list[Row],
    figures: list[Row],
    dataset: str,
    scaling: list[ScaleRow] | None,
    targets: list[goals.Target],
    ceiling: Load,
) -> None:
    lines = [
        f"# lms-simulator benchmark ({__version__})",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"{_versions()}. {RUNS} runs of {SECONDS} s per figure, medians; one uvicorn worker; "
        f"wrk on the same machine; data: {dataset}. Each write alternates between two values, so "
        "every request changes the stored record.",
        "",
        f"Options that differ from a user's defaults: {_options_note()}",
        "",
        "| operation | connections | requests/s | p50 / p99 ms | ratio to ceiling |",
        "|---|---|---|---|---|",
        *(f"| {' | '.join(r)} |" for r in rows),
        "",
        "| figure | measured | target |",
        "|---|---|---|",
        *(f"| {' | '.join(f)} |" for f in figures),
        "",
    ]
    if scaling:
        from bench import scale

        lines += [
            "Several workers (`--workers N`, MSPortal's read and write, 32 connections, demo fixtures):",
            "",
            scale.table(scaling),
            "",
        ]
    lines += [
        "## Targets",
        "",
        "One worker, 32 connections; ratios to the bare-Starlette ceiling measured in this run "
        f"({ceiling.rps:,.0f} req/s).",
        "",
        goals.render(targets),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    OUT.write_text(text)


def _options_note() -> str:
    raised = ", ".join(f"`{v}.{k}={x}`" for v, o in LIMITS_HIGH.items() for k, x in o.items())
    off = ", ".join(f"`{v}.{k}={x}`" for v, o in LIMITS_OFF.items() for k, x in o.items())
    return (
        f"the rate limits that are on by default stay on (counted on every request) but are raised "
        f"above the load, so none is refused: {raised}; the limit-off rows use {off}. "
        "The other vendors have no rate limit on by default. Everything else is as `lms-sim serve` starts."
    )


def _versions() -> str:
    from importlib.metadata import version

    names = ("starlette", "uvicorn", "sqlalchemy", "uvloop", "httptools")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:  # noqa: S112 - an optional package may be absent
            continue
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n", 1)[0]
    return ", ".join([*found, wrk_version.split(" [", 1)[0].strip() or "wrk"])


if __name__ == "__main__":
    main()
