"""Figures the control API does not give: record and status counts, request and error rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core import clock
from simulator.core.models import JournalRow
from simulator.core.snapshots import vendor_tables
from simulator.core.vendor import VendorPlugin

# Enough rows for a busy few minutes; older requests in the window are left out of the chart.
TRAFFIC_ROW_CAP = 200_000


def record_counts(session: Session, vendors: Iterable[VendorPlugin]) -> dict[str, dict[str, int]]:
    """vendor -> tenant -> rows in every table of that vendor (users, courses, enrollments, tokens...)."""
    names = {v.name for v in vendors}
    out: dict[str, dict[str, int]] = {name: {} for name in names}
    for table in vendor_tables():
        vendor = table.name.split("_", 1)[0]
        if vendor not in names:
            continue
        tenant_col = table.c.tenant
        for tenant, count in session.execute(select(tenant_col, func.count()).group_by(tenant_col)):
            per_tenant = out[vendor]
            per_tenant[tenant] = per_tenant.get(tenant, 0) + int(count)
    return out


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    requests: int
    errors: int  # answers with status 400 or above (faults included)


@dataclass(frozen=True)
class Traffic:
    window_seconds: int
    bucket_seconds: int
    buckets: list[Bucket]

    @property
    def requests(self) -> int:
        return sum(b.requests for b in self.buckets)

    @property
    def errors(self) -> int:
        return sum(b.errors for b in self.buckets)

    def per_minute(self, count: int) -> float:
        return count * 60 / self.bucket_seconds


def traffic(session: Session, *, window_seconds: int = 300, buckets: int = 30, vendor: str | None = None) -> Traffic:
    """Requests and errors per bucket over the last `window_seconds` of real (wall-clock) time.

    Wall time, not the simulated clock: the rate a client hits the simulator at is real.
    """
    width = max(1, window_seconds // buckets)
    end = clock.wall_now()
    start = end - dt.timedelta(seconds=width * buckets)
    counts = [[0, 0] for _ in range(buckets)]
    stmt = select(JournalRow.wall_at, JournalRow.status).where(JournalRow.wall_at >= start)
    if vendor:
        stmt = stmt.where(JournalRow.vendor == vendor)
    for wall_at, status in session.execute(stmt.order_by(JournalRow.id.desc()).limit(TRAFFIC_ROW_CAP)):
        index = min(buckets - 1, int((wall_at - start).total_seconds() // width))
        if index < 0:
            continue
        counts[index][0] += 1
        counts[index][1] += status >= 400
    return Traffic(
        window_seconds=width * buckets,
        bucket_seconds=width,
        buckets=[
            Bucket(start + dt.timedelta(seconds=i * width), requests, errors)
            for i, (requests, errors) in enumerate(counts)
        ],
    )
