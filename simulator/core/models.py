"""The simulator's own tables: clock, id counters, settings, journal, snapshots, rate windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simulator.core.db import Base


class ClockRow(Base):
    """The simulated clock. Scope '' is the global clock; a tenant name overrides it for that tenant."""

    __tablename__ = "sim_clock"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    frozen_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class CounterRow(Base):
    """Sequence counters behind deterministic ids; one row per namespace."""

    __tablename__ = "sim_counters"
    namespace: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class MetaRow(Base):
    """Instance-wide settings that every worker must agree on (seed, loaded fixture)."""

    __tablename__ = "sim_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class JournalRow(Base):
    """One vendor request as the simulator saw and answered it."""

    __tablename__ = "sim_journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column()
    wall_at: Mapped[dt.datetime] = mapped_column()
    vendor: Mapped[str] = mapped_column(String(32))
    tenant: Mapped[str | None] = mapped_column(String(64), default=None)
    operation_id: Mapped[str | None] = mapped_column(String(128), default=None)
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    request_headers: Mapped[Any] = mapped_column(JSON)
    request_body: Mapped[str | None] = mapped_column(Text, default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    violations: Mapped[Any] = mapped_column(JSON, default=list)
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    fault: Mapped[str | None] = mapped_column(String(128), default=None)

    __table_args__ = (
        Index("ix_sim_journal_vendor_id", "vendor", "id"),
        Index("ix_sim_journal_operation", "operation_id"),
        Index("ix_sim_journal_status", "status"),
        Index("ix_sim_journal_violations", "violation_count", "id"),
    )


class SnapshotRow(Base):
    """A saved copy of the whole state (or of the loaded fixtures, for reset)."""

    __tablename__ = "sim_snapshots"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RateWindowRow(Base):
    """Request counts per rate-limit key and window, counted on the simulated clock."""

    __tablename__ = "sim_rate_windows"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    tokens: Mapped[float] = mapped_column(Float)


class FaultRuleRow(Base):
    """A fault-injection rule: which requests it matches, when it fires, and what it does."""

    __tablename__ = "sim_fault_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor: Mapped[str | None] = mapped_column(String(32), default=None)
    operation_id: Mapped[str | None] = mapped_column(String(128), default=None)
    method: Mapped[str | None] = mapped_column(String(16), default=None)
    path: Mapped[str | None] = mapped_column(Text, default=None)
    tenant: Mapped[str | None] = mapped_column(String(64), default=None)
    probability: Mapped[float] = mapped_column(Float, default=1.0)
    nth: Mapped[int | None] = mapped_column(Integer, default=None)
    after: Mapped[int | None] = mapped_column(Integer, default=None)
    times: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    latency: Mapped[Any] = mapped_column(JSON, default=None)
    hang_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    retry_after: Mapped[int | None] = mapped_column(Integer, default=None)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column()


class GenerationRow(Base):
    """A counter bumped by every change to plumbing (clock, fault rules, loaded state).

    Each process caches that plumbing and reads only this row per request to know whether
    its copy is still current (see `core.plumbing`)."""

    __tablename__ = "sim_generation"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
