"""Docebo's enrollment enums and status rules, as data.

Status codes are Docebo's own integers (Docebo CE / forma.lms `_CUS_*` constants); lists
render them as strings, single views as the codes. Levels likewise.

Docebo lets an administrator set any status from any status (the API and the UI both
do), so there is no transition table to refuse: what a status *implies* is the rule.
- 2 completed: `date_complete` is set to now (unless the request gives one).
- leaving 2 for another status: `date_complete` is cleared (inferred: a subscribed
  enrollment with a completion date would contradict itself in the UI's reports).
- 1 in_progress: `date_first_access` is set to now when it is still empty (inferred).
- a negative status (-2 waiting_list, -1 to_confirm) sets `waiting`; any other clears it.
"""

from __future__ import annotations

from typing import Final

WAITING_LIST: Final = -2
TO_CONFIRM: Final = -1
SUBSCRIBED: Final = 0
IN_PROGRESS: Final = 1
COMPLETED: Final = 2
SUSPENDED: Final = 3
OVERBOOKING: Final = 4

STATUS_NAMES: Final[dict[int, str]] = {
    WAITING_LIST: "waiting_list",
    TO_CONFIRM: "to_confirm",
    SUBSCRIBED: "subscribed",
    IN_PROGRESS: "in_progress",
    COMPLETED: "completed",
    SUSPENDED: "suspended",
    OVERBOOKING: "overbooking",
}
STATUS_CODES: Final[dict[str, int]] = {name: code for code, name in STATUS_NAMES.items()}
STATUS_LABELS: Final[dict[int, str]] = {
    WAITING_LIST: "Waiting users",
    TO_CONFIRM: "Enrollment to confirm",
    SUBSCRIBED: "Enrolled",
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    SUSPENDED: "Suspended",
    OVERBOOKING: "Overbooking",
}

GUEST: Final = 1
GHOST: Final = 2
STUDENT: Final = 3
TUTOR: Final = 4
MENTOR: Final = 5
INSTRUCTOR: Final = 6
ADMINISTRATOR: Final = 7

# String forms used by list responses. Docebo SaaS lists say learner/tutor/instructor/coach;
# mentor is shown as "coach" (inferred), the rare CE-only levels keep their CE names.
LEVEL_NAMES: Final[dict[int, str]] = {
    GUEST: "guest",
    GHOST: "ghost",
    STUDENT: "learner",
    TUTOR: "tutor",
    MENTOR: "coach",
    INSTRUCTOR: "instructor",
    ADMINISTRATOR: "administrator",
}
LEVEL_CODES: Final[dict[str, int]] = {name: code for code, name in LEVEL_NAMES.items()}

COURSE_TYPES: Final = ("elearning", "classroom", "webinar")
# Single views render the course type as an integer (inferred numbering, in list order).
COURSE_TYPE_CODES: Final[dict[str, int]] = {name: i for i, name in enumerate(COURSE_TYPES, start=1)}
# The list filter `type[]` also names learning plans; the simulator has none, so that
# value is accepted and matches nothing.
ENROLLMENT_TYPE_FILTERS: Final = (*COURSE_TYPES, "learning_plan")


def is_waiting(status: int) -> bool:
    return status < 0


def sets_completion(status: int) -> bool:
    return status == COMPLETED


def sets_first_access(status: int) -> bool:
    return status == IN_PROGRESS
