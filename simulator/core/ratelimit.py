"""Rate limits counted on the simulated clock, in the memory of the serving process.

Two policies: a fixed window (MSPortal's requests per minute, Docebo's calls per hour)
and a token bucket (Absorb's requests per second with a burst).

The windows are per process, as they are per gateway node at the real vendors: counting
them in the database made every request, reads included, a write (and the largest cost
of a read). Several workers or replicas each allow the limit.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass

from simulator.core.db import UTC


@dataclass(frozen=True)
class RateState:
    allowed: bool
    limit: int
    remaining: int
    reset_at: dt.datetime
    retry_after_seconds: int


class RateWindows:
    """The windows of one process: per key, (window start or last refill, tokens counted or left)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()  # webhook and test threads may count too

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def fixed_window(self, key: str, *, limit: int, window_seconds: int, now: dt.datetime) -> RateState:
        """Count one request against `limit` per window of `window_seconds`, aligned to the epoch."""
        ts = now.timestamp()
        start = math.floor(ts / window_seconds) * window_seconds
        reset_at = dt.datetime.fromtimestamp(start + window_seconds, UTC)
        retry = max(1, math.ceil(start + window_seconds - ts))
        with self._lock:
            stored_start, count = self._windows.get(key, (start, 0.0))
            if stored_start != start:
                count = 0.0
            if count >= limit:
                self._windows[key] = (start, count)
                return RateState(False, limit, 0, reset_at, retry)
            self._windows[key] = (start, count + 1)
        return RateState(True, limit, max(0, limit - int(count + 1)), reset_at, retry)

    def token_bucket(self, key: str, *, rate: float, burst: int, now: dt.datetime) -> RateState:
        """Take one token from a bucket refilled at `rate` per second up to `burst` tokens."""
        ts = now.timestamp()
        with self._lock:
            last, left = self._windows.get(key, (ts, float(burst)))
            tokens = min(float(burst), left + max(0.0, ts - last) * rate)
            if tokens < 1.0:
                self._windows[key] = (ts, tokens)
                wait = (1.0 - tokens) / rate
                return RateState(False, burst, 0, now + dt.timedelta(seconds=wait), max(1, math.ceil(wait)))
            self._windows[key] = (ts, tokens - 1.0)
        full_in = (burst - (tokens - 1.0)) / rate
        return RateState(True, burst, int(tokens - 1.0), now + dt.timedelta(seconds=full_in), 1)


class RequestRates:
    """One request's view of the windows: a key counts once per request, even when the
    request is run a second time (a read that had to become a write)."""

    def __init__(self, windows: RateWindows) -> None:
        self.windows = windows
        self._counted: dict[str, RateState] = {}

    def fixed_window(self, key: str, *, limit: int, window_seconds: int, now: dt.datetime) -> RateState:
        if key not in self._counted:
            self._counted[key] = self.windows.fixed_window(key, limit=limit, window_seconds=window_seconds, now=now)
        return self._counted[key]

    def token_bucket(self, key: str, *, rate: float, burst: int, now: dt.datetime) -> RateState:
        if key not in self._counted:
            self._counted[key] = self.windows.token_bucket(key, rate=rate, burst=burst, now=now)
        return self._counted[key]


Windows = RateWindows | RequestRates


def fixed_window(windows: Windows, key: str, *, limit: int, window_seconds: int, now: dt.datetime) -> RateState:
    return windows.fixed_window(key, limit=limit, window_seconds=window_seconds, now=now)


def token_bucket(windows: Windows, key: str, *, rate: float, burst: int, now: dt.datetime) -> RateState:
    return windows.token_bucket(key, rate=rate, burst=burst, now=now)
