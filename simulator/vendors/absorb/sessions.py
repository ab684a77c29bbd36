"""Instructor-led course (ILC) sessions: enrolling into a session, its seat capacity,
the waitlist, cancelling a session enrollment and moving the next learner in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.vendors.absorb import enrollments, lookups
from simulator.vendors.absorb.models import AbsorbCourseEnrollment, AbsorbSession, AbsorbSessionEnrollment, AbsorbUser
from simulator.vendors.absorb.states import SEATLESS, Status

SE = AbsorbSessionEnrollment


def active_session_enrollment(session: Session, enrollment: AbsorbCourseEnrollment) -> AbsorbSessionEnrollment | None:
    return session.scalar(select(SE).where(SE.course_enrollment_id == enrollment.id, SE.is_active.is_(True)))


def seats_taken(session: Session, ilc: AbsorbSession) -> int:
    count = session.scalar(
        select(func.count()).where(
            SE.tenant == ilc.tenant,
            SE.session_id == ilc.id,
            SE.is_active.is_(True),
            SE.status.not_in([int(s) for s in SEATLESS]),
        )
    )
    return int(count or 0)


def has_free_seat(session: Session, ilc: AbsorbSession) -> bool:
    return ilc.capacity is None or seats_taken(session, ilc) < ilc.capacity


def enroll(
    session: Session,
    user: AbsorbUser,
    ilc: AbsorbSession,
    now: dt.datetime,
    *,
    re_enroll: bool,
    cancel_session: bool,
) -> tuple[AbsorbCourseEnrollment, AbsorbSessionEnrollment]:
    """Enroll a user into an ILC session (and the ILC itself when needed).

    Already in this session (and no `re_enroll`): returned unchanged. In another session
    of the same ILC: 422 unless `cancel_session`, which cancels that one first (the freed
    seat goes to the first waitlisted learner). A full session puts the learner on the
    waitlist (status 8).
    """
    course = lookups.course(session, user.tenant, ilc.course_id)
    current = lookups.active_enrollment(session, user.tenant, user.id, course.id)
    if current is not None and re_enroll:
        promote(session, enrollments.to_history(session, current, now), now)
        current = None
    if current is None:
        current = enrollments.create(session, user, course, now)
    existing = active_session_enrollment(session, current)
    if existing is not None and existing.session_id == ilc.id:
        return current, existing
    if existing is not None:
        if not cancel_session:
            raise ApiError(
                422,
                "The user is already enrolled in another session of this course; set cancelSession=true to move them.",
                code="ErrorGeneric",
            )
        cancel(session, existing, now)
    waitlisted = not has_free_seat(session, ilc)
    row = SE(
        id=enrollments.new_id(session, "session-enrollment"),
        tenant=user.tenant,
        session_id=ilc.id,
        course_enrollment_id=current.id,
        course_id=course.id,
        user_id=user.id,
        name=ilc.name,
        full_name=user.full_name,
        is_active=True,
        status=int(Status.ON_WAITLIST if waitlisted else Status.NOT_STARTED),
        progress=0.0,
        score=0.0,
        time_spent_ticks=0,
        waitlist_position=_next_position(session, ilc) if waitlisted else 0,
        date_enrolled=now,
        date_edited=now,
    )
    session.add(row)
    if waitlisted and current.status == Status.NOT_STARTED:
        current.status = int(Status.ON_WAITLIST)
    elif not waitlisted and current.status == Status.ON_WAITLIST:
        current.status = int(Status.NOT_STARTED)
    current.date_edited = now
    session.flush()
    return current, row


def _next_position(session: Session, ilc: AbsorbSession) -> int:
    last = session.scalar(
        select(func.max(SE.waitlist_position)).where(SE.tenant == ilc.tenant, SE.session_id == ilc.id)
    )
    return int(last or 0) + 1


def cancel(session: Session, row: AbsorbSessionEnrollment, now: dt.datetime) -> None:
    """Cancel a session enrollment: it is removed, and its seat (if it held one) is given on."""
    held_seat = row.status not in SEATLESS
    session_id = row.session_id
    session.delete(row)
    session.flush()
    if held_seat:
        promote(session, [session_id], now)


def promote(session: Session, session_ids: Iterable[str], now: dt.datetime) -> None:
    """Move waitlisted learners into free seats, first come first served."""
    for session_id in dict.fromkeys(session_ids):
        ilc = session.get(AbsorbSession, session_id)
        if ilc is None:
            continue
        while has_free_seat(session, ilc):
            nxt = session.scalar(
                select(SE)
                .where(
                    SE.tenant == ilc.tenant,
                    SE.session_id == ilc.id,
                    SE.is_active.is_(True),
                    SE.status == int(Status.ON_WAITLIST),
                )
                .order_by(SE.waitlist_position, SE.id)
                .limit(1)
            )
            if nxt is None:
                break
            nxt.status, nxt.date_edited = int(Status.NOT_STARTED), now
            parent = session.get(AbsorbCourseEnrollment, nxt.course_enrollment_id)
            if parent is not None and parent.status == Status.ON_WAITLIST:
                parent.status, parent.date_edited = int(Status.NOT_STARTED), now
            session.flush()
