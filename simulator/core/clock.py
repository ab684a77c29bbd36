"""The simulated clock: every time read in the simulator goes through here.

The clock is stored in the database (an offset from wall time, or a frozen instant),
so every worker process reads the same time. Time only moves forward: `advance` takes
a positive duration and `set_clock` refuses a moment earlier than the current one.
"""

from __future__ import annotations

import datetime as dt
import time

import isodate
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from simulator.core import store
from simulator.core.db import UTC
from simulator.core.models import ClockRow

GLOBAL = ""
# The latest instant the clock may show. Vendors add periods to now (token lifetimes, due
# dates, expiries, recurrences, rate windows): a thousand years of headroom below the
# calendar's end (9999-12-31) keeps every such date representable.
LATEST = dt.datetime(9000, 1, 1, tzinfo=UTC)


class ClockError(ValueError):
    """A clock change that cannot be made (time going backwards, a bad duration)."""


def monotonic() -> float:
    """Real elapsed seconds (deadlines, durations of work): never simulated, never wall time."""
    return time.monotonic()


def wall_now() -> dt.datetime:
    """Real time. Only the clock and the journal's wall timestamp use it."""
    return dt.datetime.fromtimestamp(time.time(), UTC)


def _row(session: Session, scope: str) -> ClockRow | None:
    return session.get(ClockRow, scope)


def _row_for(session: Session, tenant: str | None) -> ClockRow | None:
    if tenant:
        rows = {r.scope: r for r in session.scalars(select(ClockRow).where(ClockRow.scope.in_((GLOBAL, tenant))))}
        return rows.get(tenant) or rows.get(GLOBAL)
    return _row(session, GLOBAL)


def _read(row: ClockRow | None) -> dt.datetime:
    if row is None:
        return wall_now()
    return instant(row.offset_seconds, row.frozen_at)


def instant(offset_seconds: float, frozen_at: dt.datetime | None) -> dt.datetime:
    if frozen_at is not None:
        return frozen_at
    return wall_now() + dt.timedelta(seconds=offset_seconds)


# Built once: the statement's compiled form and cache key are reused by every request.
_NOW = store.Statement(
    select(ClockRow.scope, ClockRow.offset_seconds, ClockRow.frozen_at).where(
        ClockRow.scope.in_([bindparam("global_scope"), bindparam("tenant_scope")])
    )
)


def now(session: Session | store.Store, tenant: str | None = None) -> dt.datetime:
    """Simulated now for a tenant (its own clock if it has one, else the global clock).

    A `Statement` rather than an ORM load: requests that have no cached clock read it.
    """
    params = {"global_scope": GLOBAL, "tenant_scope": tenant or GLOBAL}
    rows = {scope: (offset, frozen) for scope, offset, frozen in _NOW.rows(session, params)}
    found = rows.get(tenant) if tenant else None
    found = found or rows.get(GLOBAL)
    return wall_now() if found is None else instant(*found)


def is_frozen(session: Session, tenant: str | None = None) -> bool:
    row = _row_for(session, tenant)
    return row is not None and row.frozen_at is not None


def has_own_clock(session: Session, tenant: str) -> bool:
    return _row(session, tenant) is not None


def _ensure(session: Session, scope: str) -> ClockRow:
    row = _row(session, scope)
    if row is None:
        # A tenant's own clock starts where the global clock is now, frozen if it is frozen.
        parent = _row(session, GLOBAL) if scope != GLOBAL else None
        start = _read(parent) if scope != GLOBAL else wall_now()
        frozen_at = start if parent is not None and parent.frozen_at is not None else None
        row = ClockRow(scope=scope, offset_seconds=(start - wall_now()).total_seconds(), frozen_at=frozen_at)
        session.add(row)
    return row


def set_clock(
    session: Session,
    *,
    scope: str = GLOBAL,
    to: dt.datetime | None = None,
    frozen: bool | None = None,
    allow_backwards: bool = False,
) -> dt.datetime:
    """Move the clock to `to` (forward only) and/or freeze or unfreeze it. Returns the new now."""
    row = _ensure(session, scope)
    current = _read(row)
    target = current if to is None else to.astimezone(UTC)
    if target > LATEST:
        raise ClockError(f"the clock cannot go past {iso(LATEST)} (dates computed from it need headroom)")
    if target < current and not allow_backwards:
        raise ClockError(f"time only moves forward: {target.isoformat()} is before the current {current.isoformat()}")
    keep_frozen = row.frozen_at is not None if frozen is None else frozen
    if keep_frozen:
        row.frozen_at = target
    else:
        row.frozen_at = None
        row.offset_seconds = (target - wall_now()).total_seconds()
    return target


def advance(session: Session, seconds: float, *, scope: str = GLOBAL) -> tuple[dt.datetime, dt.datetime]:
    """Move the clock forward by `seconds`. Returns (before, after)."""
    if seconds < 0:
        raise ClockError("time only moves forward: seconds must not be negative")
    row = _ensure(session, scope)
    before = _read(row)
    if seconds > (LATEST - before).total_seconds():
        raise ClockError(f"the clock cannot go past {iso(LATEST)} (dates computed from it need headroom)")
    after = before + dt.timedelta(seconds=seconds)
    if row.frozen_at is not None:
        row.frozen_at = after
    else:
        row.offset_seconds += seconds
    return before, after


def parse_duration(text: str) -> float:
    """Seconds in an ISO 8601 duration such as 'P30D' or 'PT1H30M' (months count as 30 days)."""
    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError) as exc:
        raise ClockError(f"not an ISO 8601 duration: {text!r}") from exc
    if isinstance(value, isodate.Duration):
        # Calendar months and years have no fixed length; anchor them at the epoch.
        value = value.totimedelta(start=dt.datetime(1970, 1, 1, tzinfo=UTC))
    return float(value.total_seconds())


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant; a value without an offset is taken as UTC."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ClockError(f"not an ISO 8601 date-time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: dt.datetime | None, *, millis: bool = False) -> str | None:
    """Render an instant as ISO 8601 UTC with a 'Z' suffix."""
    if value is None:
        return None
    # isoformat pads years below 1000 to four digits, which strftime("%Y") does not do on glibc.
    value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds" if millis else "seconds") + "Z"
