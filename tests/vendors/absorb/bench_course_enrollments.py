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

QUERIES = [
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


async def measure(sim: harness.InProcessSimulator, headers: dict[str, str], count: int) -> None:
    """Time requests on the ASGI app directly (no test-client thread hop in the figure)."""
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for params in QUERIES:
            timings = []
            for _ in range(count):
                began = time.perf_counter()
                r = await client.get(f"/absorb/courses/{SAFETY}/enrollments", params=params, headers=headers)
                timings.append((time.perf_counter() - began) * 1000)
                assert r.status_code == 200, r.text
            body = r.json()
            timings.sort()
            p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95)]
            print(
                f"{params}: total={body['totalItems']} page={body['returnedItems']} p50={p50:.1f} ms p95={p95:.1f} ms"
            )


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    rows = int(numbers[0]) if numbers else 100_000
    count = int(numbers[1]) if len(numbers) > 1 else 200
    journal_bodies = "--no-journal-bodies" not in sys.argv
    print(f"{rows} enrollments, {count} requests per query, journal bodies {'on' if journal_bodies else 'off'}")
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
            asyncio.run(measure(sim, headers, count))
        finally:
            sim.close()


if __name__ == "__main__":
    main()
