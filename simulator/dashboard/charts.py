"""Chart geometry for the server-rendered SVG charts (the templates draw; this file measures).

Hand-written SVG: no chart library, nothing to fetch, and the numbers stay readable as
text beside every chart for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from simulator.core import clock
from simulator.core.browse import DashboardHooks, StatusInfo
from simulator.dashboard.stats import Traffic

BAR_WIDTH = 560.0
PLOT_WIDTH, PLOT_HEIGHT = 560.0, 150.0


@dataclass(frozen=True)
class Segment:
    status: StatusInfo
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class StatusBar:
    vendor: str
    total: int
    segments: list[Segment]


def status_bar(vendor: str, hooks: DashboardHooks, counts: Mapping[str, Mapping[str, int]]) -> StatusBar:
    """One stacked bar: the vendor's statuses in its own order, summed over the tenants in `counts`."""
    summed: dict[str, int] = {}
    for per_status in counts.values():
        for status, count in per_status.items():
            summed[status] = summed.get(status, 0) + count
    total = sum(summed.values())
    known = [info.value for info in hooks.statuses]
    order = known + sorted(set(summed) - set(known))
    segments, x = [], 0.0
    for value in order:
        count = summed.get(value, 0)
        if not count:
            continue
        width = BAR_WIDTH * count / total
        segments.append(Segment(hooks.status(value), count, x, width))
        x += width
    return StatusBar(vendor, total, segments)


@dataclass(frozen=True)
class LinePlot:
    requests_points: str  # SVG polyline points
    errors_points: str
    y_max: float  # requests per minute at the top of the plot
    x_labels: Sequence[tuple[float, str]]  # (x, "HH:MM:SS")
    peak_rpm: float
    total_requests: int
    total_errors: int
    window_seconds: int
    bucket_seconds: int

    @property
    def error_share(self) -> float:
        return self.total_errors / self.total_requests if self.total_requests else 0.0


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return float(step * exponent)
    return float(10 * exponent)


def traffic_plot(data: Traffic) -> LinePlot:
    rpm = [data.per_minute(b.requests) for b in data.buckets]
    epm = [data.per_minute(b.errors) for b in data.buckets]
    y_max = _nice_ceiling(max(rpm, default=0.0))
    step = PLOT_WIDTH / max(1, len(rpm) - 1)

    def points(values: list[float]) -> str:
        return " ".join(f"{i * step:.1f},{PLOT_HEIGHT - PLOT_HEIGHT * v / y_max:.1f}" for i, v in enumerate(values))

    ticks = range(0, len(data.buckets), max(1, len(data.buckets) // 5))
    labels = [(i * step, (clock.iso(data.buckets[i].start) or "")[11:19]) for i in ticks]
    return LinePlot(
        requests_points=points(rpm),
        errors_points=points(epm),
        y_max=y_max,
        x_labels=labels,
        peak_rpm=max(rpm, default=0.0),
        total_requests=data.requests,
        total_errors=data.errors,
        window_seconds=data.window_seconds,
        bucket_seconds=data.bucket_seconds,
    )
