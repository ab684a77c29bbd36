"""Class-enrollment rules for one organization (tenant): capacity, waitlist, late cancel.

No Starlette and no JSON here: records in, records out (`records`), `ApiError` for what
the vendor reports in its body status (400 -> status 10 Error, 404 -> status 20 Not found).
Every statement is compiled once (`core.store.Statement`): a read or an update of one
enrollment is a handful of fixed statements, which the ORM would cost several times over.

Rules (all [inferred] except the enums; see docs/vendors/skillable.md):
- Every documented status and completion code is accepted, from any status: the
  documents show no transition rules. Only with the `strict_transitions` option do the
  simulator's own rules refuse (states.TRANSITIONS, no new enrollment as Cancel, a
  completion status other than Unknown only with Enroll or Audit).
- Enroll (60) and Audit (50) hold a seat; a class's `Used` counts them.
- A create asking for a seat (60 or 50) in a full class puts the enrollment on the
  Waitlist (20). An update asking for one is refused (status 10, nothing changed): what
  was asked cannot be applied, and only an applied change answers Success.
- When a seat frees (a seat holder moves to any other status), the longest-waiting
  enrollment of that class (earliest `waitlisted_at`, then lowest id) becomes Enroll (60).
- A seat holder cancelling (10) at or after `Start - late-cancel window` gets LateCancel.
- One enrollment per class and user; a second create is status 10.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update

from simulator.core import ids
from simulator.core.errors import ApiError, not_found
from simulator.core.store import Source, Statement, as_store
from simulator.vendors.skillable.models import SkillableUser, holds_seat
from simulator.vendors.skillable.records import (
    CLASS_COLUMNS,
    ENROLLMENT_COLUMNS,
    C,
    ClassRecord,
    E,
    EnrollmentRecord,
)
from simulator.vendors.skillable.states import (
    CLOSED_CLASSES,
    COMPLETION_ALLOWED,
    INITIAL,
    SEAT_HOLDING,
    CompletionStatus,
    ConfirmationStatus,
    EnrollmentStatus,
    can_change,
    label,
)

ENROLLMENT_IDS = "skillable.class_enrollment"
FIRST_ENROLLMENT_ID = 100_001


@dataclass(frozen=True)
class EnrollmentFields:
    """The parameters of CreateClassEnrollment / UpdateClassEnrollment; None = not sent."""

    class_id: int
    user_id: int
    enrollment_status: EnrollmentStatus
    completion_status: CompletionStatus
    external_id: str | None = None
    late_cancel: bool | None = None
    retake: bool | None = None
    location_type_id: int | None = None
    classroom_id: int | None = None
    hours_spent: int | None = None
    grade: int | None = None


def invalid(message: str) -> ApiError:
    """Body status 10 (Error) with `message` as the error text."""
    return ApiError(400, message)


# --- statements (built once; a request only binds values) -------------------------


def _both(query: Select[Any]) -> tuple[Statement, Statement]:
    """A read, and the same read locking its rows: the lock serialises seat counting on
    PostgreSQL (SQLite locks the whole database for a write). A plain read takes no lock,
    so it runs in a read-only transaction."""
    return Statement(query), Statement(query.with_for_update())


_ENROLLMENT_BY_ID, _ENROLLMENT_BY_ID_LOCKED = _both(
    select(*ENROLLMENT_COLUMNS).where(E.tenant == bindparam("tenant"), E.id == bindparam("enrollment_id"))
)
_ENROLLMENT_BY_CLASS_AND_USER = Statement(
    select(*ENROLLMENT_COLUMNS).where(
        E.tenant == bindparam("tenant"), E.class_id == bindparam("class_id"), E.user_id == bindparam("user_id")
    )
)
_CLASS_BY_ID, _CLASS_BY_ID_LOCKED = _both(
    select(*CLASS_COLUMNS).where(C.tenant == bindparam("tenant"), C.id == bindparam("class_id"))
)
_USER_EXISTS = Statement(
    select(SkillableUser.id).where(
        SkillableUser.tenant == bindparam("tenant"), SkillableUser.id == bindparam("user_id")
    )
)
_SEATS_TAKEN = Statement(
    select(func.count(E.id)).where(E.class_id == bindparam("class_id"), holds_seat(E.enrollment_status_id))
)
_LONGEST_WAITING = Statement(
    select(E.id)
    .where(
        E.tenant == bindparam("tenant"),
        E.class_id == bindparam("class_id"),
        E.enrollment_status_id == int(EnrollmentStatus.WAITLIST),
    )
    .order_by(E.waitlisted_at, E.id)
    .limit(1)
    .with_for_update()
)
# What a create or an update decides (every column but the enrollment's identity and creation).
_DECIDED = (
    "external_id",
    "enrollment_status_id",
    "completion_status_id",
    "late_cancel",
    "retake",
    "location_type_id",
    "classroom_id",
    "hours_spent",
    "grade",
    "waitlisted_at",
)
_UPDATE = Statement(
    update(E)
    .where(E.id == bindparam("enrollment_id"))
    .values({name: bindparam(name) for name in (*_DECIDED, "last_modified")})
)
_INSERT = Statement(
    insert(E).values(
        {
            name: bindparam(name)
            for name in ("tenant", "id", "class_id", "user_id", "created", "last_modified", *_DECIDED)
        }
    )
)
_PROMOTE = Statement(
    update(E)
    .where(E.id == bindparam("enrollment_id"))
    .values(
        enrollment_status_id=int(EnrollmentStatus.ENROLL), waitlisted_at=None, last_modified=bindparam("last_modified")
    )
)


# --- reads -------------------------------------------------------------------------


def get_enrollment(source: Source, tenant: str, enrollment_id: int, *, lock: bool = False) -> EnrollmentRecord:
    statement = _ENROLLMENT_BY_ID_LOCKED if lock else _ENROLLMENT_BY_ID
    row = statement.first(source, {"tenant": tenant, "enrollment_id": enrollment_id})
    if row is None:
        raise not_found(f"Class enrollment {enrollment_id} not found")
    return EnrollmentRecord(*row)


def find_enrollment(source: Source, tenant: str, class_id: int, user_id: int) -> EnrollmentRecord | None:
    row = _ENROLLMENT_BY_CLASS_AND_USER.first(source, {"tenant": tenant, "class_id": class_id, "user_id": user_id})
    return None if row is None else EnrollmentRecord(*row)


def get_enrollment_by_class_and_user(source: Source, tenant: str, class_id: int, user_id: int) -> EnrollmentRecord:
    row = find_enrollment(source, tenant, class_id, user_id)
    if row is None:
        raise not_found(f"No enrollment of user {user_id} in class {class_id}")
    return row


def get_class(source: Source, tenant: str, class_id: int, *, lock: bool = False) -> ClassRecord:
    statement = _CLASS_BY_ID_LOCKED if lock else _CLASS_BY_ID
    row = statement.first(source, {"tenant": tenant, "class_id": class_id})
    if row is None:
        raise not_found(f"Class {class_id} not found")
    return ClassRecord(*row)


def seats_taken(source: Source, class_id: int) -> int:
    """Enroll and Audit enrollments of the class, counted now."""
    return int(_SEATS_TAKEN.scalar(source, {"class_id": class_id}) or 0)


def _require_user(source: Source, tenant: str, user_id: int) -> None:
    if _USER_EXISTS.first(source, {"tenant": tenant, "user_id": user_id}) is None:
        raise not_found(f"User {user_id} not found")


# --- writes ------------------------------------------------------------------------


def create_enrollment(
    source: Source, tenant: str, now: dt.datetime, fields: EnrollmentFields, *, strict: bool = False
) -> EnrollmentRecord:
    klass = get_class(source, tenant, fields.class_id, lock=True)
    _require_user(source, tenant, fields.user_id)
    if strict and fields.enrollment_status not in INITIAL:
        raise invalid(f"A new class enrollment cannot start as {label(fields.enrollment_status)}")
    if ConfirmationStatus(klass.confirmation_status_id) in CLOSED_CLASSES:
        status = ConfirmationStatus(klass.confirmation_status_id)
        raise invalid(f"Class {klass.id} is {status.name.title()} and takes no enrollments")
    existing = find_enrollment(source, tenant, fields.class_id, fields.user_id)
    if existing is not None:
        raise invalid(
            f"User {fields.user_id} already has an enrollment in class {fields.class_id} "
            f"(ClassEnrollmentId {existing.id}); change it with UpdateClassEnrollment"
        )
    blank = EnrollmentRecord(
        id=ids.next_value(as_store(source).session, ENROLLMENT_IDS, start=FIRST_ENROLLMENT_ID),
        external_id=None,
        user_id=fields.user_id,
        class_id=fields.class_id,
        enrollment_status_id=int(EnrollmentStatus.REQUEST),
        completion_status_id=int(CompletionStatus.UNKNOWN),
        late_cancel=False,
        retake=False,
        location_type_id=None,
        classroom_id=None,
        hours_spent=None,
        grade=None,
        waitlisted_at=None,
    )
    target = _seat_or_waitlist(source, klass, fields.enrollment_status, held_seat=False)
    row = _decide(klass, blank, fields, now, old=None, target=target, strict=strict)
    _INSERT.execute(
        source,
        {
            "tenant": tenant,
            "id": row.id,
            "class_id": row.class_id,
            "user_id": row.user_id,
            "created": now,
            "last_modified": now,
            **_decided(row),
        },
    )
    return row


def update_enrollment(
    source: Source,
    tenant: str,
    now: dt.datetime,
    enrollment_id: int,
    fields: EnrollmentFields,
    *,
    strict: bool = False,
) -> EnrollmentRecord:
    """Apply the change and answer the enrollment as it now is."""
    row = get_enrollment(source, tenant, enrollment_id, lock=True)
    if fields.class_id != row.class_id:
        raise invalid(f"classId {fields.class_id} does not match class enrollment {row.id} (classId {row.class_id})")
    if fields.user_id != row.user_id:
        raise invalid(f"userId {fields.user_id} does not match class enrollment {row.id} (userId {row.user_id})")
    klass = get_class(source, tenant, row.class_id, lock=True)
    old = EnrollmentStatus(row.enrollment_status_id)
    if strict and not can_change(old, fields.enrollment_status):
        raise invalid(f"A class enrollment cannot change from {label(old)} to {label(fields.enrollment_status)}")
    wanted = fields.enrollment_status
    held_seat = old in SEAT_HOLDING
    if _seat_or_waitlist(source, klass, wanted, held_seat=held_seat) != wanted:
        raise invalid(
            f"Class {klass.id} is full ({klass.size} of {klass.size} seats taken): class enrollment {row.id} "
            f"cannot become {label(wanted)} and stays {label(old)}"
        )
    changed = _decide(klass, row, fields, now, old=old, target=wanted, strict=strict)
    _UPDATE.execute(source, {"enrollment_id": row.id, "last_modified": now, **_decided(changed)})
    if held_seat and wanted not in SEAT_HOLDING:
        promote_waitlist(source, tenant, klass, now)
    return changed


def _decided(row: EnrollmentRecord) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _DECIDED}


def _decide(
    klass: ClassRecord,
    row: EnrollmentRecord,
    fields: EnrollmentFields,
    now: dt.datetime,
    *,
    old: EnrollmentStatus | None,
    target: EnrollmentStatus,
    strict: bool,
) -> EnrollmentRecord:
    """`row` moved to `target` (the requested status, or the waitlist), with the fields sent."""
    _check_combination(klass, fields, target, strict=strict)
    waitlisted_at = row.waitlisted_at
    if target == EnrollmentStatus.WAITLIST and old != EnrollmentStatus.WAITLIST:
        waitlisted_at = now
    elif target != EnrollmentStatus.WAITLIST:
        waitlisted_at = None
    return row._replace(
        enrollment_status_id=int(target),
        completion_status_id=int(fields.completion_status),
        waitlisted_at=waitlisted_at,
        late_cancel=_late_cancel(klass, row, fields, target, old, now),
        # Optional parameters that were not sent keep their stored value.
        external_id=row.external_id if fields.external_id is None else fields.external_id,
        retake=row.retake if fields.retake is None else fields.retake,
        location_type_id=row.location_type_id if fields.location_type_id is None else fields.location_type_id,
        classroom_id=row.classroom_id if fields.classroom_id is None else fields.classroom_id,
        hours_spent=row.hours_spent if fields.hours_spent is None else fields.hours_spent,
        grade=row.grade if fields.grade is None else fields.grade,
    )


def _seat_or_waitlist(
    source: Source, klass: ClassRecord, requested: EnrollmentStatus, *, held_seat: bool
) -> EnrollmentStatus:
    """A seat is granted only while the class has one free; otherwise the student waits."""
    if requested in SEAT_HOLDING and not held_seat and seats_taken(source, klass.id) >= klass.size:
        return EnrollmentStatus.WAITLIST
    return requested


def _check_combination(klass: ClassRecord, fields: EnrollmentFields, target: EnrollmentStatus, *, strict: bool) -> None:
    if strict and fields.completion_status != CompletionStatus.UNKNOWN and target not in COMPLETION_ALLOWED:
        why = (
            f"class {klass.id} is full (Size {klass.size}) so the enrollment goes to the Waitlist (20), and "
            if target != fields.enrollment_status
            else ""
        )
        raise invalid(
            f"{why}completionStatusId {int(fields.completion_status)} is only accepted for "
            f"enrollmentStatusId Enroll (60) or Audit (50), not {label(target)}"
        )
    if fields.late_cancel and target != EnrollmentStatus.CANCEL:
        raise invalid(f"lateCancel=true is only accepted with enrollmentStatusId Cancel (10), not {label(target)}")


def _late_cancel(
    klass: ClassRecord,
    row: EnrollmentRecord,
    fields: EnrollmentFields,
    target: EnrollmentStatus,
    old: EnrollmentStatus | None,
    now: dt.datetime,
) -> bool:
    """LateCancel: set by the window when a seat holder cancels; a client may also set it on a cancel."""
    if target != EnrollmentStatus.CANCEL:
        return False
    stated = fields.late_cancel if fields.late_cancel is not None else (row.late_cancel if old == target else False)
    window_opens = klass.start - dt.timedelta(hours=klass.late_cancel_window_hours)
    inside_window = old in SEAT_HOLDING and now >= window_opens
    return bool(stated) or inside_window


def promote_waitlist(source: Source, tenant: str, klass: ClassRecord, now: dt.datetime) -> None:
    """Give free seats to the longest-waiting enrollments of the class (they become Enroll)."""
    while seats_taken(source, klass.id) < klass.size:
        waiting = _LONGEST_WAITING.scalar(source, {"tenant": tenant, "class_id": klass.id})
        if waiting is None:
            break
        _PROMOTE.execute(source, {"enrollment_id": waiting, "last_modified": now})
