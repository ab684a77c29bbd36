"""Absorb's enrollment status enum (integers 0-12, as on the wire) and the rules around it."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    NOT_STARTED = 0
    IN_PROGRESS = 1
    PENDING_APPROVAL = 2
    COMPLETE = 3
    NOT_COMPLETE = 4
    FAILED = 5
    DECLINED = 6
    PENDING_EVALUATION_REQUIRED = 7
    ON_WAITLIST = 8
    ABSENT = 9
    NOT_APPLICABLE = 10
    PENDING_PROCTOR = 11
    READY_FOR_REVIEW = 12


STATUS_NAMES = {s.value: "".join(part.capitalize() for part in s.name.split("_")) for s in Status}
ALL_STATUSES = tuple(s.value for s in Status)

# Attempt statuses reuse the enrollment enum (inferred: no source names 1/3/5).
ATTEMPT_STATUSES = (Status.IN_PROGRESS, Status.COMPLETE, Status.FAILED)
ATTEMPT_OPEN = Status.IN_PROGRESS

# A learner cannot start work while the enrollment waits for someone else (inferred).
BLOCKED_FROM_STARTING = frozenset({Status.PENDING_APPROVAL, Status.DECLINED, Status.ON_WAITLIST})
# Starting work moves only these statuses to InProgress; others (Complete, Failed) keep theirs.
STARTABLE = frozenset({Status.NOT_STARTED, Status.NOT_COMPLETE})
# A lesson enrollment in one of these can take a new attempt (retakes after failing included).
LESSON_OPEN_FOR_ATTEMPTS = frozenset({Status.NOT_STARTED, Status.IN_PROGRESS, Status.NOT_COMPLETE, Status.FAILED})
# Session enrollments in these statuses do not hold a seat.
SEATLESS = frozenset({Status.ON_WAITLIST, Status.DECLINED})

TICKS_PER_SECOND = 10_000_000
TOKEN_LIFETIME_SECONDS = 4 * 3600
