"""Rows to Skillable TMS JSON, with the vendor's per-endpoint casing.

Create/Update answer lower-case `status` / `error` (Create adds `ClassEnrollmentId`);
Get/Search answer PascalCase `Status` / `Error` / `Results`. Objects are PascalCase.
`error` / `Error` carries text only when the status is 10 (documented).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simulator.core import clock
from simulator.vendors.skillable.models import SkillableClass, SkillableClassEnrollment
from simulator.vendors.skillable.records import ClassRecord, EnrollmentRecord
from simulator.vendors.skillable.states import ApiStatus

# Operations answering in lower case; every other operation answers in PascalCase.
LOWER_CASE_OPERATIONS = frozenset({"createClassEnrollment", "updateClassEnrollment"})
CREATE_OPERATION = "createClassEnrollment"
SEARCH_OPERATIONS = frozenset({"searchClassEnrollments", "searchClasses"})


def class_enrollment(row: EnrollmentRecord | SkillableClassEnrollment) -> dict[str, Any]:
    return {
        "Id": row.id,
        "ExternalId": row.external_id,
        "UserId": row.user_id,
        "ClassId": row.class_id,
        "EnrollmentStatusId": row.enrollment_status_id,
        "CompletionStatusId": row.completion_status_id,
        "LateCancel": row.late_cancel,
        "Retake": row.retake,
        "LocationTypeId": row.location_type_id,
        "ClassroomId": row.classroom_id,
        "HoursSpent": row.hours_spent,
        "Grade": row.grade,
    }


def klass(row: ClassRecord | SkillableClass) -> dict[str, Any]:
    return {
        "Id": row.id,
        "Name": row.name,
        "Start": clock.iso(row.start),
        "End": clock.iso(row.end),
        "Size": row.size,
        "Used": row.used,
        "ConfirmationStatusId": row.confirmation_status_id,
        "LateCancelWindowHours": row.late_cancel_window_hours,
    }


def results(items: Iterable[dict[str, Any]], *, total: int | None = None) -> dict[str, Any]:
    """A successful Get/Search body; searches add TotalCount (inferred)."""
    body: dict[str, Any] = {"Status": int(ApiStatus.SUCCESS), "Error": None, "Results": list(items)}
    if total is not None:
        body["TotalCount"] = total
    return body


def write_result(*, enrollment_id: int | None = None) -> dict[str, Any]:
    """A successful Create (with the new id) or Update body."""
    body: dict[str, Any] = {"status": int(ApiStatus.SUCCESS), "error": None}
    if enrollment_id is not None:
        body["ClassEnrollmentId"] = enrollment_id
    return body


def failure(operation_id: str, status: ApiStatus, message: str) -> dict[str, Any]:
    """A failed call in the casing of its operation."""
    text = message if status == ApiStatus.ERROR else None
    if operation_id in LOWER_CASE_OPERATIONS:
        body: dict[str, Any] = {"status": int(status), "error": text}
        if operation_id == CREATE_OPERATION:
            body["ClassEnrollmentId"] = None
        return body
    body = {"Status": int(status), "Error": text, "Results": []}
    if operation_id in SEARCH_OPERATIONS:
        body["TotalCount"] = 0
    return body
