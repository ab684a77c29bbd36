"""Skillable TMS enums and the class-enrollment status machine, as data.

The numeric codes are the vendor's own (documented on UpdateClassEnrollment). The
allowed transitions and which statuses hold a seat are not documented: they are this
simulator's choice (see docs/vendors/skillable.md).
"""

from __future__ import annotations

from enum import IntEnum


class ApiStatus(IntEnum):
    """The `status` / `Status` field of every response body (HTTP is always 200)."""

    SUCCESS = 0
    ERROR = 10
    NOT_FOUND = 20
    INVALID_INTEGRATION_KEY = 30


class EnrollmentStatus(IntEnum):
    REQUEST = 0
    CANCEL = 10
    WAITLIST = 20
    APPROVE = 30
    DENY = 40
    AUDIT = 50
    ENROLL = 60


class CompletionStatus(IntEnum):
    UNKNOWN = 0
    ATTENDING = 10
    COMPLETE = 20
    INCOMPLETE = 30
    NO_SHOW = 40
    FAILED = 50


class LocationType(IntEnum):
    TO_BE_DETERMINED = 0
    CLASSROOM = 10
    REMOTE_CLASSROOM = 20
    VIRTUAL = 30


class ConfirmationStatus(IntEnum):
    """A class's ConfirmationStatusId (documented on UpdateClass)."""

    SCHEDULED = 0
    GUARANTEED_TO_RUN = 1
    CANCELLED = 2
    RESCHEDULED = 3
    TENTATIVE = 4
    REQUESTED = 5
    DENIED = 6
    COMPLETED = 7


E = EnrollmentStatus

# Statuses that occupy one of the class's `Size` seats (they count in `Used`). [inferred]
SEAT_HOLDING: frozenset[EnrollmentStatus] = frozenset({E.ENROLL, E.AUDIT})

# The next three rules are the simulator's own, applied only with the `strict_transitions`
# vendor option (off by default): the documents accept every code from any status.

# Statuses in which a completion status other than Unknown is accepted.
COMPLETION_ALLOWED: frozenset[EnrollmentStatus] = frozenset({E.ENROLL, E.AUDIT})

# Statuses a new enrollment may start in: everything but Cancel. [inferred]
INITIAL: frozenset[EnrollmentStatus] = frozenset(set(E) - {E.CANCEL})

# Allowed changes of EnrollmentStatusId; staying in the same status is always allowed. [inferred]
# Seat holders can only leave by cancelling or switching between Enroll and Audit: once
# a student has a seat, Request/Approve/Deny/Waitlist no longer describe them.
TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    E.REQUEST: frozenset({E.CANCEL, E.WAITLIST, E.APPROVE, E.DENY, E.AUDIT, E.ENROLL}),
    E.WAITLIST: frozenset({E.CANCEL, E.APPROVE, E.DENY, E.AUDIT, E.ENROLL}),
    E.APPROVE: frozenset({E.CANCEL, E.WAITLIST, E.DENY, E.AUDIT, E.ENROLL}),
    E.DENY: frozenset({E.REQUEST, E.WAITLIST, E.APPROVE, E.AUDIT, E.ENROLL}),
    E.AUDIT: frozenset({E.CANCEL, E.ENROLL}),
    E.ENROLL: frozenset({E.CANCEL, E.AUDIT}),
    E.CANCEL: frozenset({E.REQUEST, E.WAITLIST, E.APPROVE, E.AUDIT, E.ENROLL}),
}

# Classes that take no new enrollments. [inferred]
CLOSED_CLASSES: frozenset[ConfirmationStatus] = frozenset({ConfirmationStatus.CANCELLED, ConfirmationStatus.DENIED})


def can_change(old: EnrollmentStatus, new: EnrollmentStatus) -> bool:
    return old == new or new in TRANSITIONS[old]


def label(status: EnrollmentStatus) -> str:
    """'Enroll (60)': how statuses are named in error texts."""
    return f"{status.name.title()} ({status.value})"
