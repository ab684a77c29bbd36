"""Skillable TMS tables: API keys, users, class enrollments and classes.

Ids are plain integers (the vendor's ids are int32) and unique across tenants, so an id
from one organization never matches a row of another.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Index, Integer, String, UniqueConstraint, func, or_, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from simulator.core.db import Base, TenantScoped
from simulator.vendors.skillable.states import SEAT_HOLDING

SEAT_HOLDING_CODES = sorted(int(s) for s in SEAT_HOLDING)


def holds_seat(status: Any) -> ColumnElement[bool]:
    """`status` is a seat-holding code. Spelled as comparisons, not IN (...): an IN-list is
    expanded when executed, and statements compiled once (`core.store.Statement`) bind
    plain values only."""
    return or_(*(status == code for code in SEAT_HOLDING_CODES))


class SkillableApiKey(TenantScoped, Base):
    """An organization's integration key, sent in the `api_key` header."""

    __tablename__ = "skillable_api_keys"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class SkillableUser(TenantScoped, Base):
    """A TMS user (student). Only referenced by enrollments; no user operations are simulated."""

    __tablename__ = "skillable_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))


class SkillableClassEnrollment(TenantScoped, Base):
    """One user's enrollment in one class (at most one per class and user)."""

    __tablename__ = "skillable_class_enrollments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    class_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    enrollment_status_id: Mapped[int] = mapped_column(Integer)
    completion_status_id: Mapped[int] = mapped_column(Integer, default=0)
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    retake: Mapped[bool] = mapped_column(Boolean, default=False)
    location_type_id: Mapped[int | None] = mapped_column(Integer, default=None)
    classroom_id: Mapped[int | None] = mapped_column(Integer, default=None)
    hours_spent: Mapped[int | None] = mapped_column(Integer, default=None)
    grade: Mapped[int | None] = mapped_column(Integer, default=None)
    # When the enrollment last joined the waitlist: the promotion order. None unless waitlisted.
    waitlisted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created: Mapped[dt.datetime] = mapped_column()
    last_modified: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("tenant", "class_id", "user_id", name="uq_skillable_enrollments_class_user"),
        # A class's enrollments in id order: SearchClassEnrollments?classId=... reads only
        # that class's rows (without it SQLite walks the whole tenant to skip a sort).
        Index("ix_skillable_enrollments_tenant_class", "tenant", "class_id", "id"),
        Index("ix_skillable_enrollments_tenant_user", "tenant", "user_id"),
        Index("ix_skillable_enrollments_tenant_status", "tenant", "enrollment_status_id"),
        Index("ix_skillable_enrollments_tenant_created", "tenant", "created"),
        Index("ix_skillable_enrollments_tenant_modified", "tenant", "last_modified"),
        Index("ix_skillable_enrollments_waitlist", "class_id", "enrollment_status_id", "waitlisted_at", "id"),
    )


class SkillableClass(TenantScoped, Base):
    """A scheduled class with `size` seats, of which `used` are taken."""

    __tablename__ = "skillable_classes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[dt.datetime] = mapped_column()
    end: Mapped[dt.datetime] = mapped_column()
    size: Mapped[int] = mapped_column(Integer)
    confirmation_status_id: Mapped[int] = mapped_column(Integer, default=0)
    late_cancel_window_hours: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[dt.datetime] = mapped_column()
    last_modified: Mapped[dt.datetime] = mapped_column()
    # Seats taken: derived in SQL from the enrollments (never stored, so it cannot drift).
    # Class ids are unique across tenants, so the class id alone picks the right rows.
    used: Mapped[int] = column_property(
        select(func.count(SkillableClassEnrollment.id))
        .where(
            SkillableClassEnrollment.class_id == id,
            holds_seat(SkillableClassEnrollment.enrollment_status_id),
        )
        .correlate_except(SkillableClassEnrollment)
        .scalar_subquery()
    )

    __table_args__ = (
        Index("ix_skillable_classes_tenant_name", "tenant", "name"),
        Index("ix_skillable_classes_tenant_start", "tenant", "start"),
        Index("ix_skillable_classes_tenant_confirmation", "tenant", "confirmation_status_id"),
    )
