"""Skillable TMS rows as plain values: what the rules decide on and the wire renders.

Reads and writes go through statements compiled once (`core.store.Statement`), not ORM
entities: an ORM query costs more than the database's own work for the one record or the
one page a request needs. A record is a named tuple of the columns selected, in the order
below, so a result row becomes a record without renaming anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from simulator.vendors.skillable.models import SkillableClass, SkillableClassEnrollment

E = SkillableClassEnrollment
C = SkillableClass


class EnrollmentRecord(NamedTuple):
    """A class enrollment: its wire fields in wire order, then when it joined the waitlist."""

    id: int
    external_id: str | None
    user_id: int
    class_id: int
    enrollment_status_id: int
    completion_status_id: int
    late_cancel: bool
    retake: bool
    location_type_id: int | None
    classroom_id: int | None
    hours_spent: int | None
    grade: int | None
    waitlisted_at: dt.datetime | None


ENROLLMENT_COLUMNS: tuple[Any, ...] = (
    E.id,
    E.external_id,
    E.user_id,
    E.class_id,
    E.enrollment_status_id,
    E.completion_status_id,
    E.late_cancel,
    E.retake,
    E.location_type_id,
    E.classroom_id,
    E.hours_spent,
    E.grade,
    E.waitlisted_at,
)


class ClassRecord(NamedTuple):
    """A class as the wire shows it (`used`: seats taken, counted when read)."""

    id: int
    name: str
    start: dt.datetime
    end: dt.datetime
    size: int
    used: int
    confirmation_status_id: int
    late_cancel_window_hours: int


CLASS_COLUMNS: tuple[Any, ...] = (
    C.id,
    C.name,
    C.start,
    C.end,
    C.size,
    C.used,
    C.confirmation_status_id,
    C.late_cancel_window_hours,
)
