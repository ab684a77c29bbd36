"""A generated `skillable` section for `lms-sim generate` (format in fixtures.py).

User, class and enrollment ids are global primary keys in Skillable, so each tenant gets
its own block of each. Seat holders (Enroll, Audit) never exceed a class's `Size`: an
enrollment that wants a seat in a full class is on the waitlist, as the API would put it.
"""

from __future__ import annotations

from typing import Any

from simulator.core.fixtures import GenerateSpec, ago, ahead
from simulator.vendors.skillable.states import (
    SEAT_HOLDING,
    CompletionStatus,
    ConfirmationStatus,
    EnrollmentStatus,
    LocationType,
)

_USERS, _CLASSES, _ENROLLMENTS = 100_000_000, 200_000_000, 300_000_000
_MAX_ID = 2_147_483_647
E = EnrollmentStatus
_WEIGHTS = {E.ENROLL: 0.45, E.AUDIT: 0.1, E.WAITLIST: 0.08, E.REQUEST: 0.1, E.APPROVE: 0.1, E.DENY: 0.07, E.CANCEL: 0.1}
_PAST_COMPLETIONS = (CompletionStatus.COMPLETE,) * 6 + (
    CompletionStatus.INCOMPLETE,
    CompletionStatus.NO_SHOW,
    CompletionStatus.FAILED,
)


def generate(spec: GenerateSpec) -> dict[str, Any]:
    rng, t = spec.rng, spec.tenant
    user_base = _USERS + spec.index * spec.users
    class_base = _CLASSES + spec.index * spec.courses
    enrollment_base = _ENROLLMENTS + spec.index * spec.users * spec.courses
    if (
        user_base + spec.users >= _CLASSES
        or class_base + spec.courses >= _ENROLLMENTS
        or (enrollment_base + spec.users * spec.courses > _MAX_ID)
    ):
        raise ValueError("skillable: too many users, classes or enrollments for its int32 ids")
    users = []
    for n in range(spec.users):
        first, last, email = spec.person(n)
        users.append({"Id": user_base + n + 1, "FirstName": first, "LastName": last, "Email": email})
    pairs = spec.pairs()
    demand = [0] * spec.courses
    for _, c in pairs:
        demand[c] += 1
    classes: list[dict[str, Any]] = []
    for n in range(spec.courses):
        start = rng.uniform(-60, 60)  # days from now: past, running and future classes
        length = rng.choice((1, 2, 3, 5))
        confirmation = (
            ConfirmationStatus.COMPLETED
            if start + length < 0
            else rng.choice(
                (ConfirmationStatus.SCHEDULED, ConfirmationStatus.GUARANTEED_TO_RUN, ConfirmationStatus.TENTATIVE)
            )
        )
        classes.append(
            {
                "Id": class_base + n + 1,
                "Name": spec.course_title(n),
                "Start": ahead(start) if start > 0 else ago(-start),
                "End": ahead(start + length) if start + length > 0 else ago(-(start + length)),
                # Fewer seats than the demand of most classes, so the waitlist is real.
                "Size": max(1, round(demand[n] * rng.uniform(0.45, 0.8))),
                "ConfirmationStatusId": int(confirmation),
                "LateCancelWindowHours": rng.choice((24, 48, 72)),
                "Created": ago(rng.uniform(70, 120)),
            }
        )
    used = [0] * spec.courses
    enrollments = []
    for k, ((u, c), wanted) in enumerate(zip(pairs, spec.statuses(len(pairs), _WEIGHTS), strict=True)):
        klass = classes[c]
        status = wanted
        if status in SEAT_HOLDING:
            if used[c] >= klass["Size"]:
                status = E.WAITLIST
            else:
                used[c] += 1
        created = rng.uniform(1, 60)
        row: dict[str, Any] = {
            "Id": enrollment_base + k + 1,
            "ClassId": klass["Id"],
            "UserId": users[u]["Id"],
            "EnrollmentStatusId": int(status),
            "Created": ago(created),
            "LocationTypeId": int(rng.choice(list(LocationType))),
        }
        if status in SEAT_HOLDING:
            row["CompletionStatusId"] = int(_completion(rng, klass))
            if row["CompletionStatusId"] == CompletionStatus.COMPLETE:
                row.update(Grade=rng.randint(70, 100), HoursSpent=rng.randint(4, 40))
            elif row["CompletionStatusId"] == CompletionStatus.FAILED:
                row.update(Grade=rng.randint(20, 69), HoursSpent=rng.randint(4, 40))
        elif status == E.WAITLIST:
            row["WaitlistedAt"] = ago(rng.uniform(0, created))
        elif status == E.CANCEL:
            row["LateCancel"] = rng.random() < 0.2
        if rng.random() < 0.3:
            row["ExternalId"] = f"crm-{row['Id']}"
        enrollments.append(row)
    return {
        "api_keys": [{"Key": f"skl-{t}-key", "Name": f"{t} integration"}],
        "users": users,
        "classes": classes,
        "class_enrollments": enrollments,
    }


def _completion(rng: Any, klass: dict[str, Any]) -> CompletionStatus:
    """Finished classes have outcomes, running ones attendance, future ones nothing yet."""
    if klass["ConfirmationStatusId"] == ConfirmationStatus.COMPLETED:
        return CompletionStatus(rng.choice(_PAST_COMPLETIONS))
    if str(klass["Start"]).startswith("@now-"):
        return CompletionStatus.ATTENDING
    return CompletionStatus.UNKNOWN
