from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from simulator.core import clock

pytestmark = pytest.mark.both_databases

T0 = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def test_frozen_clock_stays_put_and_advances_exactly(session: Session) -> None:
    clock.set_clock(session, to=T0, frozen=True, allow_backwards=True)
    assert clock.now(session) == T0
    before, after = clock.advance(session, 86400)
    assert (before, after) == (T0, T0 + dt.timedelta(days=1))
    assert clock.now(session) == T0 + dt.timedelta(days=1)


def test_time_only_moves_forward(session: Session) -> None:
    clock.set_clock(session, to=T0, frozen=True, allow_backwards=True)
    with pytest.raises(clock.ClockError):
        clock.set_clock(session, to=T0 - dt.timedelta(seconds=1))
    with pytest.raises(clock.ClockError):
        clock.advance(session, -1)
    assert clock.now(session) == T0


def test_running_clock_keeps_its_offset(session: Session) -> None:
    clock.set_clock(session, to=T0, frozen=False, allow_backwards=True)
    first = clock.now(session)
    assert abs((first - T0).total_seconds()) < 5
    clock.advance(session, 3600)
    assert clock.now(session) >= first + dt.timedelta(seconds=3600)
    assert not clock.is_frozen(session)


def test_tenant_clock_is_independent(session: Session) -> None:
    clock.set_clock(session, to=T0, frozen=True, allow_backwards=True)
    clock.advance(session, 7 * 86400, scope="acme")
    assert clock.now(session, "acme") == T0 + dt.timedelta(days=7)
    assert clock.now(session, "globex") == T0
    assert clock.now(session) == T0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("P30D", 30 * 86400), ("PT1H30M", 5400), ("P1W", 7 * 86400), ("PT0.5S", 0.5)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert clock.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30 days", "P", "", "P-1", "DROP TABLE"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(clock.ClockError):
        clock.parse_duration(text)


def test_iso_renders_utc_with_z() -> None:
    value = dt.datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert clock.iso(value) == "2026-01-15T09:00:00Z"
    assert clock.iso(value, millis=True) == "2026-01-15T09:00:00.123Z"
    assert clock.parse_instant("2026-01-15T09:00:00Z") == T0


def test_iso_pads_years_before_1000() -> None:
    # A client may send any year from 0001; the rendering must stay a valid RFC 3339 date-time.
    from simulator.core.clock import iso

    value = dt.datetime(145, 1, 31, 22, 18, 32, 5000, tzinfo=dt.UTC)
    assert iso(value) == "0145-01-31T22:18:32Z"
    assert iso(value, millis=True) == "0145-01-31T22:18:32.005Z"
