"""Learn.link enrolment statuses and the enrolment status machine, as data.

Statuses are the vendor's own lowercase strings. `unassigned` is never a current
status: it only appears as `previousStatus` of the first history entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

UNASSIGNED: Final = "unassigned"
SCHEDULED: Final = "scheduled"
OPEN: Final = "open"
OVERDUE: Final = "overdue"
COMPLETE: Final = "complete"
ARCHIVED: Final = "archived"

STATUSES: Final = (ARCHIVED, COMPLETE, OPEN, OVERDUE, SCHEDULED)
HISTORY_STATUSES: Final = (*STATUSES, UNASSIGNED)

# History entry `type`s (the docs name the field, not its values: these are inferred).
ASSIGNED: Final = "assigned"  # the enrolment was created (or re-created after archive)
AVAILABLE: Final = "available"  # the clock passed availableDate
DUE: Final = "due"  # the clock passed dueDate without a completion
COMPLETED: Final = "completed"  # a completion of the primary or an alternative content
RECURRED: Final = "recurred"  # a recurring assignment scheduled its next period
UPDATED: Final = "updated"  # the assignment's completion period changed the status
ARCHIVED_EVENT: Final = "archived"  # the user left the audience or the assignment was deleted

# Every transition the simulator makes: (from, to) -> the history entry type.
TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (UNASSIGNED, OPEN): ASSIGNED,
    (UNASSIGNED, SCHEDULED): ASSIGNED,
    (ARCHIVED, OPEN): ASSIGNED,
    (ARCHIVED, SCHEDULED): ASSIGNED,
    (SCHEDULED, OPEN): AVAILABLE,
    (OPEN, OVERDUE): DUE,
    (OPEN, COMPLETE): COMPLETED,
    (OVERDUE, COMPLETE): COMPLETED,  # a late completion still completes (inferred)
    (COMPLETE, SCHEDULED): RECURRED,
    (OVERDUE, OPEN): UPDATED,
    (SCHEDULED, ARCHIVED): ARCHIVED_EVENT,
    (OPEN, ARCHIVED): ARCHIVED_EVENT,
    (OVERDUE, ARCHIVED): ARCHIVED_EVENT,
    (COMPLETE, ARCHIVED): ARCHIVED_EVENT,
}

# A completion counts only while the enrolment is active for completion.
COMPLETABLE: Final = frozenset({OPEN, OVERDUE})
# Statuses whose dueDate still matters (a change of completionPeriod moves it).
PENDING: Final = frozenset({SCHEDULED, OPEN, OVERDUE})


class IllegalTransition(RuntimeError):
    """A bug: the backend tried a transition the machine does not have."""


def history_type(previous: str, nxt: str) -> str:
    try:
        return TRANSITIONS[(previous, nxt)]
    except KeyError:
        raise IllegalTransition(f"no transition {previous} -> {nxt}") from None


def next_transition_at(status: str, available_date: dt.datetime, due_date: dt.datetime) -> dt.datetime | None:
    """When the clock alone moves an enrolment next: scheduled opens, open becomes overdue."""
    if status == SCHEDULED:
        return available_date
    if status == OPEN:
        return due_date
    return None


def timed_successor(
    status: str, available_date: dt.datetime, due_date: dt.datetime, now: dt.datetime
) -> tuple[str, dt.datetime] | None:
    """The time-driven transition due by `now`, with the instant it happened, if any.

    Scheduled opens *on* availableDate; open becomes overdue only once dueDate is passed
    (a completion at the due instant is still on time).
    """
    if status == SCHEDULED and available_date <= now:
        return OPEN, available_date
    if status == OPEN and due_date < now:
        return OVERDUE, due_date
    return None
