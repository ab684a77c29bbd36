"""Measure the simulator against a bare Starlette ceiling, on loopback, with wrk.

Prints one table and writes it to bench/results.md. Several runs per figure; medians quoted.
Throughput is also given as a ratio to the ceiling, which holds on a noisy machine.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import docebo_bulk
from simulator import __version__
from simulator.testing.harness import free_port
from simulator.vendors.learnlink import benchmark as learnlink_benchmark
from tests.vendors.absorb import bench_course_enrollments as absorb_list

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
MSP = "/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"
AUTH = "Authorization: Bearer msp_acme_full"
OUT = Path(__file__).resolve().parent / "results.md"


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, connections: int, method: str = "GET", body: str | None = None) -> Load:
    args = [
        "wrk",
        "-t",
        "1" if connections == 1 else "2",
        "-c",
        str(connections),
        "-d",
        f"{SECONDS}s",
        "--latency",
        "-H",
        AUTH,
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if method != "GET":
            script = Path(tmp) / "request.lua"
            script.write_text(
                f'wrk.method = "{method}"\nwrk.body = \'{body}\'\nwrk.headers["Content-Type"] = "application/json"\n'
            )
            args += ["-s", str(script)]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    return Load(rps, p50, p99)


def median_load(url: str, connections: int, method: str = "GET", body: str | None = None) -> Load:
    runs = [wrk(url, connections, method, body) for _ in range(RUNS)]
    return Load(*(statistics.median(getattr(r, f) for r in runs) for f in ("rps", "p50_ms", "p99_ms")))


def wait_ready(url: str, timeout: float = 60) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def process(args: list[str], ready_url: str) -> Iterator[float]:
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        wait_ready(ready_url)
        yield time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def simulator_args(db: Path, port: int, fresh: bool = False) -> list[str]:
    args = [sys.executable, "-m", "simulator.cli", "serve", "--db", str(db), "--port", str(port)]
    args += ["--option", "msportal.rate_limit_per_minute=0", "--log-level", "warning"]
    return [*args, "--fresh"] if fresh else args


def main() -> None:
    rows: list[tuple[str, str, str, str, str]] = []
    figures: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        ceiling_port, sim_port = free_port(), free_port()
        ceiling_args = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.ceiling:app",
            "--port",
            str(ceiling_port),
            "--log-level",
            "warning",
        ]
        with process(ceiling_args, f"http://127.0.0.1:{ceiling_port}/x"):
            ceiling = {c: median_load(f"http://127.0.0.1:{ceiling_port}/x", c) for c in (1, 32)}
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

        with process(simulator_args(db, sim_port, fresh=True), f"http://127.0.0.1:{sim_port}/_sim/health") as cold:
            figures.append(("start to first 200, fresh database (fixtures loaded)", f"{cold:.2f} s", "<= 1.5 s"))
            base = f"http://127.0.0.1:{sim_port}"
            for label, method, body in (
                ("msportal GET enrollment", "GET", None),
                ("msportal PATCH enrollment", "PATCH", '{"progress": 50}'),
            ):
                for c in (1, 32):
                    load = median_load(base + MSP, c, method, body)
                    ratio = load.rps / ceiling[c].rps
                    rows.append(
                        (label, str(c), f"{load.rps:,.0f}", f"{load.p50_ms:.2f} / {load.p99_ms:.2f}", f"{ratio:.2f}")
                    )
            resets = []
            with httpx.Client(base_url=base) as client:
                for _ in range(20):
                    start = time.perf_counter()
                    client.post("/_sim/reset").raise_for_status()
                    resets.append((time.perf_counter() - start) * 1000)
            figures.append(
                ("POST /_sim/reset (demo fixtures), median of 20", f"{statistics.median(resets):.1f} ms", "<= 50 ms")
            )
        warm_port = free_port()
        starts = []
        for _ in range(RUNS):
            with process(simulator_args(db, warm_port), f"http://127.0.0.1:{warm_port}/_sim/health") as warm:
                starts.append(warm)
        figures.append(("start to first 200, existing database", f"{statistics.median(starts):.2f} s", "<= 1.5 s"))
    p50, p95 = absorb_list.measure(100, 100_000)
    figures.append(
        (
            "Absorb GET /courses/{id}/enrollments, _filter + _sort + _limit=100 over 100,000 (in-process, SQLite file)",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
            "p50 <= 25 ms",
        )
    )
    year = learnlink_benchmark.measure_year(10_000)
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
    report(rows, figures)


def report(rows: list[tuple[str, str, str, str, str]], figures: list[tuple[str, str, str]]) -> None:
    lines = [
        f"# lms-simulator benchmark ({__version__})",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"{RUNS} runs of {SECONDS} s per figure, medians; one uvicorn worker; wrk on the same machine.",
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
    text = "\n".join(lines)
    print(text)
    OUT.write_text(text)


if __name__ == "__main__":
    main()
