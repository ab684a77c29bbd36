"""Throughput of `lms-sim serve --workers N` on one SQLite file and on one PostgreSQL database.

For N in 1, 2, 4 and each database: an MSPortal GET (read) and PATCH (write) of one
enrollment with wrk at 32 connections, and the same PATCH by two tenants at once (16
connections each, one enrollment per tenant: their requests/s added up), several short runs,
medians (BENCH_RUNS, BENCH_SECONDS as in bench/run.py, whose wrk driver this reuses). The
two-tenant row shows whether writes of different tenants wait for each other: on SQLite they
do (one write lock per file); on PostgreSQL each tenant has its own lock.

    python -m bench.scale                  # SQLite and PostgreSQL (.ci/postgres starts one)
    LMS_SIM_BENCH_PG_URL=postgresql+psycopg://... python -m bench.scale
    LMS_SIM_BENCH_PG=off python -m bench.scale   # SQLite only

From code: `measure()` returns the rows; `table(rows)` renders them as Markdown.
The PostgreSQL database named by the URL is emptied and reloaded (`--fresh`) for every run.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import targets
from bench.run import Load, median_load, simulator_args, wait_ready, wrk, wrk_args, wrk_load
from bench.targets import discover
from simulator.testing.harness import free_port

WORKERS = (1, 2, 4)
CONNECTIONS = 32
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ScaleRow:
    db: str  # "sqlite" or "postgresql"
    workers: int
    operation: str
    rps: float
    p50_ms: float
    p99_ms: float


def postgres_url() -> str | None:
    """The PostgreSQL to measure: LMS_SIM_BENCH_PG_URL, else the test server (started if need be)."""
    if os.environ.get("LMS_SIM_BENCH_PG", "").lower() == "off":
        return None
    url = os.environ.get("LMS_SIM_BENCH_PG_URL")
    if url:
        return url
    started = subprocess.run(
        ["bash", str(ROOT / ".ci" / "postgres"), "start"], capture_output=True, text=True, check=True
    )
    return started.stdout.strip()


def measure(pg_url: str | None = None, workers: Sequence[int] = WORKERS, *, sqlite: bool = True) -> list[ScaleRow]:
    """Rows for every database (SQLite unless `sqlite=False`; PostgreSQL if `pg_url`) and worker count."""
    rows: list[ScaleRow] = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = ([("sqlite", str(Path(tmp) / "scale.db"))] if sqlite else []) + (
            [("postgresql", pg_url)] if pg_url else []
        )
        for db_name, db in targets:
            for i, n in enumerate(workers):
                port = free_port()
                # The first start loads the fixtures afresh; later ones reuse them (and the
                # journal so far), so every worker count starts from the same records.
                args = [*simulator_args(db, port, fresh=i == 0), "--workers", str(n)]
                base = f"http://127.0.0.1:{port}"
                with serving(args, f"{base}/_sim/health"):
                    [calls] = discover(base, ["msportal"])
                    for kind in ("read", "write"):
                        call = getattr(calls, kind)
                        load = median_load(functools.partial(wrk, base + call.path, CONNECTIONS, call, calls.headers))
                        label = f"{kind}: msportal {call.method} enrollment"
                        rows.append(ScaleRow(db_name, n, label, load.rps, load.p50_ms, load.p99_ms))
                    load = median_load(functools.partial(_two_tenants_writing, base))
                    label = "write: msportal PATCH enrollment, two tenants at once"
                    rows.append(ScaleRow(db_name, n, label, load.rps, load.p50_ms, load.p99_ms))
    return rows


def _two_tenants_writing(base: str) -> Load:
    """Both tenants' PATCH loads at once, half the connections each: requests/s added up,
    the slower tenant's latencies."""
    with httpx.Client(base_url=base, timeout=30) as client:
        tenants = [targets.msportal(client, tenant_index=i) for i in (0, 1)]
        for calls in tenants:
            for call in calls.write.variants():
                targets.check(client, calls, call)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            subprocess.Popen(
                wrk_args(base + calls.write.path, CONNECTIONS // 2, calls.write, calls.headers, Path(tmp), f"t{i}"),
                stdout=subprocess.PIPE,
                text=True,
            )
            for i, calls in enumerate(tenants)
        ]
        loads = [wrk_load(base, run.communicate()[0]) for run in runs]
    return Load(sum(x.rps for x in loads), max(x.p50_ms for x in loads), max(x.p99_ms for x in loads))


@contextmanager
def serving(args: list[str], ready_url: str) -> Iterator[None]:
    # bench.run.process waits 60 s for the first answer; loading the fixtures into
    # PostgreSQL on a busy machine can take longer than that.
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        wait_ready(ready_url, timeout=600)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def table(rows: Sequence[ScaleRow]) -> str:
    """Markdown, with throughput also as a multiple of the same database's one-worker figure."""
    one = {(r.db, r.operation): r.rps for r in rows if r.workers == 1}
    lines = [
        "| database | workers | operation | requests/s | x 1 worker | p50 / p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = one.get((r.db, r.operation))
        ratio = f"{r.rps / base:.2f}" if base else "-"
        lines.append(
            f"| {r.db} | {r.workers} | {r.operation} | {r.rps:,.0f} | {ratio} | {r.p50_ms:.1f} / {r.p99_ms:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    rows = measure(postgres_url())
    print(f"{os.cpu_count()} CPUs; wrk with {CONNECTIONS} connections on the same machine; medians")
    print(table(rows))


if __name__ == "__main__":
    sys.exit(main())
