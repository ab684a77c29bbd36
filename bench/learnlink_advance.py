"""`make bench` figure for Learn.link: advance the clock by 365 days over N enrolments.

    python -m bench.learnlink_advance

`measure_year(enrolments_count=10_000)` builds one tenant on a fresh in-memory database (an
audience of N/5 members and five assignments, some starting later, with 30 to 110 day
completion periods), then times one catch-up 365 simulated days later: every enrolment
moves (scheduled → open → overdue) and writes its history. Returns seconds.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import insert

from simulator.core import ids
from simulator.core.db import UTC, Base, Database
from simulator.vendors.learnlink.backend import assignments, enrolments
from simulator.vendors.learnlink.models import LearnlinkAudience, LearnlinkContent, LearnlinkMembership, LearnlinkUser

START = dt.datetime(2026, 1, 1, tzinfo=UTC)
ASSIGNMENTS = 5


@dataclass(frozen=True)
class YearFigure:
    enrolments: int
    moved: int
    setup_seconds: float
    advance_seconds: float
    idle_catch_up_ms: float


def measure_year(enrolments_count: int = 10_000) -> YearFigure:
    db = Database("sqlite://")
    tables = [t for t in Base.metadata.sorted_tables if t.name.startswith(("sim_", "learnlink_"))]
    Base.metadata.create_all(db.engine, tables=tables)
    members = max(1, enrolments_count // ASSIGNMENTS)
    audience = ids.derived_object_id("bench", "audience")
    started = time.perf_counter()
    with db.transaction() as s:
        s.add(LearnlinkAudience(tenant="bench", id=audience, name="Everyone", created_at=START, updated_at=START))
        s.flush()
        users = [ids.derived_object_id("bench", "user", str(i)) for i in range(members)]
        s.execute(
            insert(LearnlinkUser),
            [{"tenant": "bench", "id": u, "created_at": START, "updated_at": START} for u in users],
        )
        s.execute(
            insert(LearnlinkMembership),
            [{"tenant": "bench", "audience_id": audience, "user_id": u, "joined_at": START} for u in users],
        )
        for n in range(ASSIGNMENTS):
            content = ids.derived_object_id("bench", "content", str(n))
            s.add(LearnlinkContent(tenant="bench", id=content, title=f"Course {n}", created_at=START, updated_at=START))
            s.flush()
            assignments.create(
                s,
                "bench",
                START,
                audience_id=audience,
                content_id=content,
                completion_period=30 + 20 * n,
                available_from=START + dt.timedelta(days=10 * n) if n % 2 else None,
            )
    setup = time.perf_counter() - started
    with db.transaction() as s:
        started = time.perf_counter()
        moved = enrolments.catch_up_count(s, "bench", START + dt.timedelta(days=365))
        advance = time.perf_counter() - started
    with db.transaction() as s:
        started = time.perf_counter()
        enrolments.catch_up(s, "bench", START + dt.timedelta(days=366))
        idle = (time.perf_counter() - started) * 1000
    db.engine.dispose()
    return YearFigure(members * ASSIGNMENTS, moved, setup, advance, idle)


if __name__ == "__main__":
    figure = measure_year()
    print(
        f"learnlink: advance 365 days over {figure.enrolments} enrolments: {figure.advance_seconds:.2f} s "
        f"({figure.moved} moved); catch-up with nothing due: {figure.idle_catch_up_ms:.2f} ms; "
        f"setup {figure.setup_seconds:.1f} s"
    )
