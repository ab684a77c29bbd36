"""Benchmark: `GET /courses/{courseId}/enrollments` with `_filter`, `_sort` and `_limit=100`
over 100,000 enrollments of one course (the issue's target: p50 under 25 ms).

Run: `PYTHONPATH=. python tests/vendors/absorb/bench_course_enrollments.py [rows] [requests] [--no-journal-bodies]`.
The rows are inserted in bulk into a file database; the requests go through the whole
app (auth, validation, journal) in-process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert

from simulator.core import ids
from simulator.testing import harness
from simulator.vendors.absorb.models import AbsorbCourseEnrollment, AbsorbUser
from tests.vendors.absorb.helpers import SAFETY, Absorb

QUERIES: list[dict[str, object]] = [
    {"_filter": "status eq 3", "_sort": "-dateAdded", "_limit": 100},
    {"_filter": "status eq 1 and progress ge 50", "_sort": "fullName", "_limit": 100},
    {"_filter": "startswith(fullName, 'Learner 012')", "_sort": "-score,fullName", "_limit": 100},
    {
        "_filter": "isActive and dateAdded gt datetime'2026-06-01T00:00:00Z'",
        "_sort": "-dateEdited",
        "_limit": 100,
        "_offset": 3,
    },
]


def seed(sim: harness.InProcessSimulator, rows: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with sim.session() as session:
        users = [
            {
                "id": ids.derived_uuid("bench-user", str(i)),
                "tenant": "acme",
                "username": f"bench.{i}",
                "first_name": "Learner",
                "last_name": f"{i:06d}",
                "date_added": start,
                "date_edited": start,
            }
            for i in range(rows)
        ]
        session.execute(insert(AbsorbUser), users)
        enrollments = []
        for i, user in enumerate(users):
            added = start + dt.timedelta(minutes=3 * i)
            status = (0, 1, 3, 5, 4)[i % 5]
            enrollments.append(
                {
                    "id": ids.derived_uuid("bench-enrollment", str(i)),
                    "tenant": "acme",
                    "course_id": SAFETY,
                    "user_id": user["id"],
                    "course_name": "Workplace Safety Fundamentals",
                    "full_name": f"Learner {i:06d}",
                    "status": status,
                    "progress": float((i * 7) % 101),
                    "score": float((i * 13) % 101),
                    "is_active": i % 10 != 0,
                    "date_added": added,
                    "date_edited": added,
                    "time_spent_ticks": 0,
                    "accepted_terms_and_conditions": False,
                }
            )
        session.execute(insert(AbsorbCourseEnrollment), enrollments)


Result = tuple[dict[str, object], int, float, float]  # query, totalItems, p50 ms, p95 ms


async def _time_queries(
    sim: harness.InProcessSimulator, headers: dict[str, str], count: int, queries: list[dict[str, object]]
) -> list[Result]:
    """Time requests on the ASGI app directly (no test-client thread hop in the figure)."""
    out: list[Result] = []
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for params in queries:
            timings = []
            total = 0
            for _ in range(count):
                began = time.perf_counter()
                r = await client.get(f"/absorb/courses/{SAFETY}/enrollments", params=params, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                assert r.status_code == 200, r.text
                total = r.json()["totalItems"]
            timings.sort()
            out.append((params, total, statistics.median(timings), timings[int(len(timings) * 0.95)]))
    return out


def run(
    rows: int, count: int, *, journal_bodies: bool = True, queries: list[dict[str, object]] | None = None
) -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        settings = harness.test_settings(
            db=str(Path(folder) / "bench.db"),
            validate_responses=False,
            journal_bodies=journal_bodies,
            vendor_options={"absorb": {"rate_limit_per_second": 0}},
        )
        sim = harness.InProcessSimulator(settings)
        try:
            seed(sim, rows)
            headers = Absorb(sim).headers()
            return asyncio.run(_time_queries(sim, headers, count, queries or QUERIES))
        finally:
            sim.close()


def measure(requests: int = 100, rows: int = 100_000) -> tuple[float, float]:
    """p50 and p95 (ms) of the issue's figure: `_filter=status eq 3&_sort=-dateAdded&_limit=100`."""
    [(_, _, p50, p95)] = run(rows, requests, queries=QUERIES[:1])
    return p50, p95


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    rows = int(numbers[0]) if numbers else 100_000
    count = int(numbers[1]) if len(numbers) > 1 else 200
    journal_bodies = "--no-journal-bodies" not in sys.argv
    print(f"{rows} enrollments, {count} requests per query, journal bodies {'on' if journal_bodies else 'off'}")
    for params, total, p50, p95 in run(rows, count, journal_bodies=journal_bodies):
        print(f"{params}: total={total} p50={p50:.1f} ms p95={p95:.1f} ms")


if __name__ == "__main__":
    main()
