"""Body statuses and casing per operation; the ClassEnrollment and class objects."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from simulator.core.context import RequestContext
from simulator.core.errors import ApiError, Violation
from simulator.core.store import Store
from simulator.settings import Settings
from simulator.vendors.skillable import backend, wire
from simulator.vendors.skillable.errors import render_error, validation_error

LOWER = ["createClassEnrollment", "updateClassEnrollment"]
PASCAL = [
    "getClassEnrollment",
    "getClassEnrollmentByClassAndUser",
    "searchClassEnrollments",
    "getClass",
    "searchClasses",
]


def ctx_for(session: Session, operation_id: str) -> RequestContext:
    return RequestContext(
        store=Store.of(session),
        settings=Settings(),
        vendor="skillable",
        operation_id=operation_id,
        method="GET",
        path="/",
        request_id="t",
    )


@pytest.mark.parametrize(
    ("http", "body_status", "has_text"), [(400, 10, True), (413, 10, True), (404, 20, False), (401, 30, False)]
)
@pytest.mark.parametrize("operation_id", LOWER)
def test_create_and_update_errors_are_lower_case(
    session: Session, operation_id: str, http: int, body_status: int, has_text: bool
) -> None:
    reply = render_error(ApiError(http, "boom"), ctx_for(session, operation_id))
    assert reply.status == 200
    body: dict[str, Any] = reply.body
    assert body["status"] == body_status
    assert body["error"] == ("boom" if has_text else None)
    assert "Status" not in body and "Results" not in body
    assert ("ClassEnrollmentId" in body) == (operation_id == "createClassEnrollment")


@pytest.mark.parametrize(("http", "body_status"), [(400, 10), (404, 20), (401, 30), (403, 30)])
@pytest.mark.parametrize("operation_id", PASCAL)
def test_get_and_search_errors_are_pascal_case(
    session: Session, operation_id: str, http: int, body_status: int
) -> None:
    reply = render_error(ApiError(http, "boom"), ctx_for(session, operation_id))
    body: dict[str, Any] = reply.body
    assert reply.status == 200
    assert (body["Status"], body["Results"]) == (body_status, [])
    assert body["Error"] == ("boom" if body_status == 10 else None)
    assert "status" not in body
    assert ("TotalCount" in body) == operation_id.startswith("search")


def test_server_faults_stay_http_500(session: Session) -> None:
    reply = render_error(ApiError(500, "bug"), ctx_for(session, "getClass"))
    assert reply.status == 500 and reply.body["Status"] == 10


def test_validation_error_names_the_parameters() -> None:
    err = validation_error(
        [
            Violation("query.classId", "is required"),
            Violation("query.Grade", "must be <= 100"),
            Violation("header.x", "odd", "warning"),
        ]
    )
    assert err.status == 400
    assert err.message == "Invalid request: classId: is required; Grade: must be <= 100"


def test_class_enrollment_object_is_pascal_case(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", 3003, 501)
    assert wire.class_enrollment(row) == {
        "Id": row.id,
        "ExternalId": None,
        "UserId": 501,
        "ClassId": 3003,
        "EnrollmentStatusId": 60,
        "CompletionStatusId": 20,
        "LateCancel": False,
        "Retake": False,
        "LocationTypeId": 10,
        "ClassroomId": 3,
        "HoursSpent": 16,
        "Grade": 90,
    }


def test_class_object(demo: Session) -> None:
    body = wire.klass(backend.get_class(demo, "acme", 3001))
    assert body["Start"].endswith("Z") and body["Size"] == 12 and body["Used"] == 12
    assert set(body) == {"Id", "Name", "Start", "End", "Size", "Used", "ConfirmationStatusId", "LateCancelWindowHours"}


def test_success_bodies() -> None:
    assert wire.write_result(enrollment_id=7) == {"status": 0, "error": None, "ClassEnrollmentId": 7}
    assert wire.write_result() == {"status": 0, "error": None}
    assert wire.results([], total=0) == {"Status": 0, "Error": None, "Results": [], "TotalCount": 0}
