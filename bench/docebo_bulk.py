"""Benchmark: `PUT /learn/v1/enrollments` with 1,000 users x 5 courses (5,000 enrollments).

Part of `make bench`; alone: `python -m bench.docebo_bulk [rounds] [--validate] [--file]`.
Goes through the whole in-process pipeline (request validation, auth, handler, journal;
the response check too with `--validate`) on an in-memory SQLite database (a WAL file
with `--file`) and prints the median and p95 in milliseconds. The target is a median
under 250 ms. Not collected by pytest: tests never assert on wall-clock time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from simulator.testing.harness import InProcessSimulator, test_settings
from simulator.vendors.docebo.models import DoceboEnrollment, DoceboUser

USERS = list(range(700_000, 701_000))
COURSES = [101, 102, 103, 104, 105]


def measure(rounds: int = 30, *, file_db: bool = True, validate: bool = False) -> tuple[float, float]:
    """(median, p95) in ms of the 1,000 x 5 multiple update through the whole pipeline."""
    # Response validation is a test-harness option (off in `lms-sim serve`): measure like a server.
    db = str(Path(tempfile.mkdtemp(prefix="docebo-bench-")) / "bench.db") if file_db else "sqlite://"
    sim = InProcessSimulator(test_settings(db=db, validate_responses=validate))
    with sim.session() as session:
        now = sim.now()
        session.execute(
            insert(DoceboUser), [{"tenant": "acme", "id": u, "username": f"bench{u}", "created_at": now} for u in USERS]
        )
        session.execute(
            insert(DoceboEnrollment),
            [
                {"tenant": "acme", "course_id": c, "user_id": u, "date_inscr": now, "enrollment_fields": {}}
                for c in COURSES
                for u in USERS
            ],
        )
    form = {
        "grant_type": "password",
        "client_id": "acme-client",
        "client_secret": "acme-secret",
        "username": "api.admin",
        "password": "Passw0rd!",
    }
    token = sim.client.post("/docebo/oauth2/token", data=form).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for i in range(rounds):
        body = {"user_ids": USERS, "course_ids": COURSES, "status": (1, 2, 3)[i % 3]}
        started = time.perf_counter()
        response = sim.client.put("/docebo/learn/v1/enrollments", json=body, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(response.json()["data"]["updated"]) == 5000, response.text[:300]
    timings.sort()
    sim.close()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    rounds = int(numbers[0]) if numbers else 30
    median, p95 = measure(rounds, file_db="--file" in sys.argv, validate="--validate" in sys.argv)
    print(f"PUT /learn/v1/enrollments, 1000 users x 5 courses: median {median:.1f} ms, p95 {p95:.1f} ms")
