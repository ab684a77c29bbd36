"""Class-enrollment rules for one organization (tenant): capacity, waitlist, late cancel.

No Starlette and no JSON here: rows in, rows out, `ApiError` for what the vendor
reports in its body status (400 -> status 10 Error, 404 -> status 20 Not found).

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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError, not_found
from simulator.vendors.skillable.models import (
    SEAT_HOLDING_CODES,
    SkillableClass,
    SkillableClassEnrollment,
    SkillableUser,
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


# --- reads -------------------------------------------------------------------------


def get_enrollment(
    session: Session, tenant: str, enrollment_id: int, *, lock: bool = False
) -> SkillableClassEnrollment:
    query = select(SkillableClassEnrollment).where(
        SkillableClassEnrollment.tenant == tenant, SkillableClassEnrollment.id == enrollment_id
    )
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise not_found(f"Class enrollment {enrollment_id} not found")
    return row


def find_enrollment(session: Session, tenant: str, class_id: int, user_id: int) -> SkillableClassEnrollment | None:
    return session.scalar(
        select(SkillableClassEnrollment).where(
            SkillableClassEnrollment.tenant == tenant,
            SkillableClassEnrollment.class_id == class_id,
            SkillableClassEnrollment.user_id == user_id,
        )
    )


def get_enrollment_by_class_and_user(
    session: Session, tenant: str, class_id: int, user_id: int
) -> SkillableClassEnrollment:
    row = find_enrollment(session, tenant, class_id, user_id)
    if row is None:
        raise not_found(f"No enrollment of user {user_id} in class {class_id}")
    return row


def get_class(session: Session, tenant: str, class_id: int, *, lock: bool = False) -> SkillableClass:
    # populate_existing: `used` is derived, so a class already in the session is re-read.
    query = (
        select(SkillableClass)
        .where(SkillableClass.tenant == tenant, SkillableClass.id == class_id)
        .execution_options(populate_existing=True)
    )
    # The class row is the lock that serialises seat counting (PostgreSQL; SQLite locks the database).
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise not_found(f"Class {class_id} not found")
    return row


def seats_taken(session: Session, klass: SkillableClass) -> int:
    """Enroll and Audit enrollments of the class, counted now (pending changes flushed)."""
    session.flush()
    count = session.scalar(
        select(func.count(SkillableClassEnrollment.id)).where(
            SkillableClassEnrollment.class_id == klass.id,
            SkillableClassEnrollment.enrollment_status_id.in_(SEAT_HOLDING_CODES),
        )
    )
    return int(count or 0)


def _require_user(session: Session, tenant: str, user_id: int) -> None:
    found = session.scalar(select(SkillableUser.id).where(SkillableUser.tenant == tenant, SkillableUser.id == user_id))
    if found is None:
        raise not_found(f"User {user_id} not found")


# --- writes ------------------------------------------------------------------------


def create_enrollment(
    session: Session, tenant: str, now: dt.datetime, fields: EnrollmentFields, *, strict: bool = False
) -> SkillableClassEnrollment:
    klass = get_class(session, tenant, fields.class_id, lock=True)
    _require_user(session, tenant, fields.user_id)
    if strict and fields.enrollment_status not in INITIAL:
        raise invalid(f"A new class enrollment cannot start as {label(fields.enrollment_status)}")
    if ConfirmationStatus(klass.confirmation_status_id) in CLOSED_CLASSES:
        status = ConfirmationStatus(klass.confirmation_status_id)
        raise invalid(f"Class {klass.id} is {status.name.title()} and takes no enrollments")
    existing = find_enrollment(session, tenant, fields.class_id, fields.user_id)
    if existing is not None:
        raise invalid(
            f"User {fields.user_id} already has an enrollment in class {fields.class_id} "
            f"(ClassEnrollmentId {existing.id}); change it with UpdateClassEnrollment"
        )
    row = SkillableClassEnrollment(
        tenant=tenant,
        id=ids.next_value(session, ENROLLMENT_IDS, start=FIRST_ENROLLMENT_ID),
        class_id=fields.class_id,
        user_id=fields.user_id,
        enrollment_status_id=int(EnrollmentStatus.REQUEST),
        completion_status_id=int(CompletionStatus.UNKNOWN),
        late_cancel=False,
        retake=False,
        created=now,
        last_modified=now,
    )
    _apply(session, klass, row, fields, now, old=None, strict=strict)
    session.add(row)
    session.flush()
    return row


def update_enrollment(
    session: Session,
    tenant: str,
    now: dt.datetime,
    enrollment_id: int,
    fields: EnrollmentFields,
    *,
    strict: bool = False,
) -> SkillableClassEnrollment:
    row = get_enrollment(session, tenant, enrollment_id, lock=True)
    if fields.class_id != row.class_id:
        raise invalid(f"classId {fields.class_id} does not match class enrollment {row.id} (classId {row.class_id})")
    if fields.user_id != row.user_id:
        raise invalid(f"userId {fields.user_id} does not match class enrollment {row.id} (userId {row.user_id})")
    klass = get_class(session, tenant, row.class_id, lock=True)
    old = EnrollmentStatus(row.enrollment_status_id)
    if strict and not can_change(old, fields.enrollment_status):
        raise invalid(f"A class enrollment cannot change from {label(old)} to {label(fields.enrollment_status)}")
    wanted = fields.enrollment_status
    if _seat_or_waitlist(session, klass, wanted, held_seat=old in SEAT_HOLDING) != wanted:
        raise invalid(
            f"Class {klass.id} is full ({klass.size} of {klass.size} seats taken): class enrollment {row.id} "
            f"cannot become {label(wanted)} and stays {label(old)}"
        )
    _apply(session, klass, row, fields, now, old=old, strict=strict)
    row.last_modified = now
    session.flush()
    return row


def _apply(
    session: Session,
    klass: SkillableClass,
    row: SkillableClassEnrollment,
    fields: EnrollmentFields,
    now: dt.datetime,
    *,
    old: EnrollmentStatus | None,
    strict: bool,
) -> None:
    """Move `row` to the requested status (or the waitlist), then keep seats and the waitlist consistent."""
    held_seat = old in SEAT_HOLDING
    target = _seat_or_waitlist(session, klass, fields.enrollment_status, held_seat=held_seat)
    _check_combination(klass, fields, target, strict=strict)

    row.enrollment_status_id = int(target)
    row.completion_status_id = int(fields.completion_status)
    if target == EnrollmentStatus.WAITLIST and old != EnrollmentStatus.WAITLIST:
        row.waitlisted_at = now
    elif target != EnrollmentStatus.WAITLIST:
        row.waitlisted_at = None
    row.late_cancel = _late_cancel(klass, row, fields, target, old, now)
    _copy_optional(row, fields)

    if held_seat and target not in SEAT_HOLDING:
        promote_waitlist(session, klass, now)


def _seat_or_waitlist(
    session: Session, klass: SkillableClass, requested: EnrollmentStatus, *, held_seat: bool
) -> EnrollmentStatus:
    """A seat is granted only while the class has one free; otherwise the student waits."""
    if requested in SEAT_HOLDING and not held_seat and seats_taken(session, klass) >= klass.size:
        return EnrollmentStatus.WAITLIST
    return requested


def _check_combination(
    klass: SkillableClass, fields: EnrollmentFields, target: EnrollmentStatus, *, strict: bool
) -> None:
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
    klass: SkillableClass,
    row: SkillableClassEnrollment,
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


def _copy_optional(row: SkillableClassEnrollment, fields: EnrollmentFields) -> None:
    """Optional parameters that were not sent keep their stored value."""
    if fields.external_id is not None:
        row.external_id = fields.external_id
    if fields.retake is not None:
        row.retake = fields.retake
    if fields.location_type_id is not None:
        row.location_type_id = fields.location_type_id
    if fields.classroom_id is not None:
        row.classroom_id = fields.classroom_id
    if fields.hours_spent is not None:
        row.hours_spent = fields.hours_spent
    if fields.grade is not None:
        row.grade = fields.grade


def promote_waitlist(session: Session, klass: SkillableClass, now: dt.datetime) -> None:
    """Give free seats to the longest-waiting enrollments of the class (they become Enroll)."""
    while seats_taken(session, klass) < klass.size:
        nxt = session.scalar(
            select(SkillableClassEnrollment)
            .where(
                SkillableClassEnrollment.tenant == klass.tenant,
                SkillableClassEnrollment.class_id == klass.id,
                SkillableClassEnrollment.enrollment_status_id == int(EnrollmentStatus.WAITLIST),
            )
            .order_by(SkillableClassEnrollment.waitlisted_at, SkillableClassEnrollment.id)
            .limit(1)
            .with_for_update()
        )
        if nxt is None:
            break
        nxt.enrollment_status_id = int(EnrollmentStatus.ENROLL)
        nxt.waitlisted_at = None
        nxt.last_modified = now
