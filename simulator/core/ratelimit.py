"""Rate limits counted on the simulated clock and stored in the database.

Two policies: a fixed window (MSPortal's requests per minute, Docebo's calls per hour)
and a token bucket (Absorb's requests per second with a burst).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from simulator.core.db import UTC
from simulator.core.models import RateWindowRow


@dataclass(frozen=True)
class RateState:
    allowed: bool
    limit: int
    remaining: int
    reset_at: dt.datetime
    retry_after_seconds: int


def fixed_window(session: Session, key: str, *, limit: int, window_seconds: int, now: dt.datetime) -> RateState:
    """Count one request against `limit` per window of `window_seconds`, aligned to the epoch."""
    ts = now.timestamp()
    start = math.floor(ts / window_seconds) * window_seconds
    row = session.get(RateWindowRow, key)
    if row is None:
        row = RateWindowRow(key=key, window_start=start, tokens=0.0)
        session.add(row)
    elif row.window_start != start:
        row.window_start, row.tokens = start, 0.0
    reset_at = dt.datetime.fromtimestamp(start + window_seconds, UTC)
    retry = max(1, math.ceil(start + window_seconds - ts))
    if row.tokens >= limit:
        return RateState(False, limit, 0, reset_at, retry)
    row.tokens += 1
    return RateState(True, limit, max(0, limit - int(row.tokens)), reset_at, retry)


def token_bucket(session: Session, key: str, *, rate: float, burst: int, now: dt.datetime) -> RateState:
    """Take one token from a bucket refilled at `rate` per second up to `burst` tokens."""
    ts = now.timestamp()
    row = session.get(RateWindowRow, key)
    if row is None:
        row = RateWindowRow(key=key, window_start=ts, tokens=float(burst))
        session.add(row)
    tokens = min(float(burst), row.tokens + max(0.0, ts - row.window_start) * rate)
    row.window_start = ts
    if tokens < 1.0:
        row.tokens = tokens
        wait = (1.0 - tokens) / rate
        return RateState(False, burst, 0, now + dt.timedelta(seconds=wait), max(1, math.ceil(wait)))
    row.tokens = tokens - 1.0
    full_in = (burst - row.tokens) / rate
    return RateState(True, burst, int(row.tokens), now + dt.timedelta(seconds=full_in), 1)
