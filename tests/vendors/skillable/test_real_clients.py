"""What TMS clients send: documented codes, any query-name casing, honest body statuses."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing import harness
from simulator.testing.harness import InProcessSimulator

ACME = {"api_key": "skl-acme-key"}
WAITLISTED = (45013, 513)  # class 3001 is full (12 of 12); 45013 waits first


def call(sim: InProcessSimulator, path: str, **params: Any) -> dict[str, Any]:
    response = sim.client.get(sim.url("skillable", path), params=params, headers=ACME)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def get(sim: InProcessSimulator, enrollment_id: int) -> dict[str, Any]:
    body = call(sim, f"/GetClassEnrollment/{enrollment_id}")
    assert body["Status"] == 0, body
    row: dict[str, Any] = body["Results"][0]
    return row


def update(sim: InProcessSimulator, enrollment_id: int, user_id: int, status: int, **extra: Any) -> dict[str, Any]:
    row = get(sim, enrollment_id)
    return call(
        sim,
        f"/UpdateClassEnrollment/{enrollment_id}",
        classId=row["ClassId"],
        userId=user_id,
        enrollmentStatusId=status,
        completionStatusId=extra.pop("completionStatusId", 0),
        **extra,
    )


def test_enroll_from_the_waitlist_in_a_full_class_is_not_a_success(lms_sim: InProcessSimulator) -> None:
    enrollment_id, user_id = WAITLISTED
    before = get(lms_sim, enrollment_id)
    answer = update(lms_sim, enrollment_id, user_id, 60, Grade=50)
    assert answer["status"] == 10 and "full" in answer["error"], answer
    assert get(lms_sim, enrollment_id) == before  # nothing changed, not even the grade


def test_enroll_from_the_waitlist_succeeds_once_a_seat_is_free(lms_sim: InProcessSimulator) -> None:
    holder = get(lms_sim, 45012)
    assert update(lms_sim, 45012, holder["UserId"], 10)["status"] == 0  # a cancel frees a seat...
    assert get(lms_sim, 45013)["EnrollmentStatusId"] == 60  # ...which the first waiting student takes
    enrollment_id, user_id = 45014, 514
    assert update(lms_sim, enrollment_id, user_id, 60)["status"] == 10  # full again
    assert update(lms_sim, 45011, get(lms_sim, 45011)["UserId"], 10)["status"] == 0
    assert get(lms_sim, enrollment_id)["EnrollmentStatusId"] == 60


@pytest.mark.parametrize(
    ("enrollment_id", "status", "completion"),
    [
        (45001, 0, 0),  # Enroll -> Request
        (45001, 30, 0),  # Enroll -> Approve
        (45001, 40, 0),  # Enroll -> Deny
        (45016, 40, 0),  # Cancel -> Deny
        (45001, 10, 40),  # a cancel recorded as a no-show
    ],
)
def test_documented_codes_are_accepted_by_default(
    lms_sim: InProcessSimulator, enrollment_id: int, status: int, completion: int
) -> None:
    row = get(lms_sim, enrollment_id)
    answer = update(lms_sim, enrollment_id, row["UserId"], status, completionStatusId=completion)
    assert answer == {"status": 0, "error": None}
    after = get(lms_sim, enrollment_id)
    assert (after["EnrollmentStatusId"], after["CompletionStatusId"]) == (status, completion)


def test_leaving_a_seat_still_promotes_the_waitlist(lms_sim: InProcessSimulator) -> None:
    row = get(lms_sim, 45001)
    assert update(lms_sim, 45001, row["UserId"], 0)["status"] == 0  # Enroll -> Request frees the seat
    assert get(lms_sim, 45013)["EnrollmentStatusId"] == 60


def test_strict_transitions_are_an_option() -> None:
    sim = InProcessSimulator(harness.test_settings(vendor_options={"skillable": {"strict_transitions": True}}))
    try:
        row = get(sim, 45001)
        answer = update(sim, 45001, row["UserId"], 0)
        assert answer["status"] == 10 and "cannot change from Enroll (60) to Request (0)" in answer["error"]
        assert get(sim, 45001) == row
    finally:
        sim.close()


@pytest.mark.parametrize(
    "names",
    [
        {"classid": "classId", "userid": "userId", "enrollmentstatusid": "enrollmentStatusId"},
        {"CLASSID": "classId", "UserId": "userId", "EnrollmentStatusID": "enrollmentStatusId"},
    ],
)
def test_query_parameter_names_bind_in_any_case(lms_sim: InProcessSimulator, names: dict[str, str]) -> None:
    canonical = {"classId": 3002, "userId": 524, "enrollmentStatusId": 60}
    params = {name: canonical[spec] for name, spec in names.items()}
    created = call(lms_sim, "/CreateClassEnrollment", **params, COMPLETIONSTATUSID=0, locationtypeid=30)
    assert created["status"] == 0, created
    row = get(lms_sim, created["ClassEnrollmentId"])
    assert (row["ClassId"], row["UserId"], row["EnrollmentStatusId"], row["LocationTypeId"]) == (3002, 524, 60, 30)
    found = call(lms_sim, "/SearchClassEnrollments", CLASSID=3002, enrollmentstatusid=60, PageSize=1000)
    assert found["Status"] == 0 and created["ClassEnrollmentId"] in [r["Id"] for r in found["Results"]]
    assert {r["EnrollmentStatusId"] for r in found["Results"]} == {60}
