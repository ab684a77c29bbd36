"""The Skillable TMS API over HTTP (in-process app, demo fixtures, frozen clock)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing import harness
from simulator.testing.harness import InProcessSimulator

ACME = {"api_key": "skl-acme-key"}
GLOBEX = {"api_key": "skl-globex-key"}


def call(sim: InProcessSimulator, path: str, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    response = sim.client.get(sim.url("skillable", path), params=params, headers=ACME if headers is None else headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def enrollment(sim: InProcessSimulator, class_id: int, user_id: int) -> dict[str, Any]:
    body = call(sim, "/GetClassEnrollmentByClassAndUser", classId=class_id, userId=user_id)
    assert body["Status"] == 0, body
    result: dict[str, Any] = body["Results"][0]
    return result


def write(
    sim: InProcessSimulator, path: str, class_id: int, user_id: int, status: int, completion: int = 0, **extra: Any
) -> dict[str, Any]:
    return call(
        sim, path, classId=class_id, userId=user_id, enrollmentStatusId=status, completionStatusId=completion, **extra
    )


def cancel(sim: InProcessSimulator, class_id: int, user_id: int) -> dict[str, Any]:
    row = enrollment(sim, class_id, user_id)
    return write(sim, f"/UpdateClassEnrollment/{row['Id']}", class_id, user_id, 10)


@pytest.mark.both_databases
def test_create_then_get_uses_each_endpoints_casing(lms_sim: InProcessSimulator) -> None:
    created = write(
        lms_sim, "/CreateClassEnrollment", 3002, 524, 60, externalId="crm-9", LocationTypeId=30, retake="true"
    )
    assert created == {"status": 0, "error": None, "ClassEnrollmentId": created["ClassEnrollmentId"]}
    got = call(lms_sim, f"/GetClassEnrollment/{created['ClassEnrollmentId']}")
    assert set(got) == {"Status", "Error", "Results"} and got["Status"] == 0
    assert got["Results"] == [
        {
            "Id": created["ClassEnrollmentId"],
            "ExternalId": "crm-9",
            "UserId": 524,
            "ClassId": 3002,
            "EnrollmentStatusId": 60,
            "CompletionStatusId": 0,
            "LateCancel": False,
            "Retake": True,
            "LocationTypeId": 30,
            "ClassroomId": None,
            "HoursSpent": None,
            "Grade": None,
        }
    ]
    updated = write(lms_sim, f"/UpdateClassEnrollment/{created['ClassEnrollmentId']}", 3002, 524, 60, 10, HoursSpent=3)
    assert updated == {"status": 0, "error": None}
    assert enrollment(lms_sim, 3002, 524)["HoursSpent"] == 3


@pytest.mark.both_databases
def test_full_class_waitlists_and_a_cancel_promotes(lms_sim: InProcessSimulator) -> None:
    assert call(lms_sim, "/GetClass/3001")["Results"][0]["Used"] == 12
    created = write(lms_sim, "/CreateClassEnrollment", 3001, 524, 60)
    assert created["status"] == 0
    assert enrollment(lms_sim, 3001, 524)["EnrollmentStatusId"] == 20
    assert cancel(lms_sim, 3001, 501) == {"status": 0, "error": None}
    assert enrollment(lms_sim, 3001, 513)["EnrollmentStatusId"] == 60  # waited longest
    assert enrollment(lms_sim, 3001, 524)["EnrollmentStatusId"] == 20  # joined last
    assert call(lms_sim, "/GetClass/3001")["Results"][0]["Used"] == 12


@pytest.mark.both_databases
def test_late_cancel_follows_the_simulated_clock(lms_sim: InProcessSimulator) -> None:
    cancel(lms_sim, 3001, 501)  # 14 days before the start, window 72 h
    assert enrollment(lms_sim, 3001, 501)["LateCancel"] is False
    lms_sim.advance(days=11.5)  # 2.5 days before the start: inside the window
    cancel(lms_sim, 3001, 502)
    assert enrollment(lms_sim, 3001, 502)["LateCancel"] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"enrollmentStatusId": 60, "completionStatusId": 0, "lateCancel": "true"}, "lateCancel=true"),
        ({"enrollmentStatusId": 60, "completionStatusId": 0, "Grade": 101}, "Grade"),
        ({"enrollmentStatusId": 61, "completionStatusId": 0}, "enrollmentStatusId"),
        ({"enrollmentStatusId": "sixty", "completionStatusId": 0}, "enrollmentStatusId"),
        ({"enrollmentStatusId": 60, "completionStatusId": 0, "HoursSpent": -1}, "HoursSpent"),
        ({"enrollmentStatusId": 60, "completionStatusId": 0, "ClassroomId": 2**31}, "ClassroomId"),
        ({"enrollmentStatusId": 60, "completionStatusId": 0, "lateCancel": "maybe"}, "lateCancel"),
        ({"enrollmentStatusId": 60}, "completionStatusId"),
    ],
)
def test_invalid_create_is_status_10_and_changes_nothing(
    lms_sim: InProcessSimulator, params: dict[str, Any], message: str
) -> None:
    body = call(lms_sim, "/CreateClassEnrollment", classId=3002, userId=524, **params)
    assert body["status"] == 10 and body["ClassEnrollmentId"] is None
    assert message in body["error"]
    missing = call(lms_sim, "/GetClassEnrollmentByClassAndUser", classId=3002, userId=524)
    assert missing == {"Status": 20, "Error": None, "Results": []}
    assert call(lms_sim, "/GetClass/3002")["Results"][0]["Used"] == 6


def test_invalid_update_changes_nothing(lms_sim: InProcessSimulator) -> None:
    before = enrollment(lms_sim, 3001, 513)  # waitlisted in the full class
    body = write(lms_sim, f"/UpdateClassEnrollment/{before['Id']}", 3001, 513, 60, Grade=70)
    assert body["status"] == 10 and "cannot become Enroll (60) and stays Waitlist (20)" in body["error"]
    assert enrollment(lms_sim, 3001, 513) == before


def test_second_create_is_status_10(lms_sim: InProcessSimulator) -> None:
    body = write(lms_sim, "/CreateClassEnrollment", 3001, 501, 60)
    assert body["status"] == 10 and f"ClassEnrollmentId {enrollment(lms_sim, 3001, 501)['Id']}" in body["error"]


OPERATIONS = [
    "/CreateClassEnrollment?classId=3002&userId=524&enrollmentStatusId=60&completionStatusId=0",
    "/UpdateClassEnrollment/45001?classId=3001&userId=501&enrollmentStatusId=10&completionStatusId=0",
    "/GetClassEnrollment/45001",
    "/GetClassEnrollmentByClassAndUser?classId=3001&userId=501",
    "/SearchClassEnrollments",
    "/GetClass/3001",
    "/SearchClasses",
]


@pytest.mark.parametrize("path", OPERATIONS)
@pytest.mark.parametrize("headers", [{}, {"api_key": "nope"}, {"API_KEY": ""}, {"Authorization": "skl-acme-key"}])
def test_without_a_valid_key_every_operation_is_status_30(
    lms_sim: InProcessSimulator, path: str, headers: dict[str, str]
) -> None:
    response = lms_sim.client.get(lms_sim.url("skillable", path), headers=headers)
    body = response.json()
    assert response.status_code == 200
    assert body.get("status", body.get("Status")) == 30
    assert body.get("error", body.get("Error")) is None
    assert enrollment(lms_sim, 3001, 501)["EnrollmentStatusId"] == 60  # the update did not happen


def test_another_organization_sees_nothing(lms_sim: InProcessSimulator) -> None:
    assert call(lms_sim, "/GetClassEnrollment/45001", GLOBEX)["Status"] == 20
    assert call(lms_sim, "/GetClass/3001", GLOBEX)["Status"] == 20
    assert call(lms_sim, "/GetClassEnrollmentByClassAndUser", GLOBEX, classId=3001, userId=501)["Status"] == 20
    update = call(
        lms_sim,
        "/UpdateClassEnrollment/45001",
        GLOBEX,
        classId=3001,
        userId=501,
        enrollmentStatusId=10,
        completionStatusId=0,
    )
    assert update == {"status": 20, "error": None}
    search = call(lms_sim, "/SearchClassEnrollments", GLOBEX, classId=3001)
    assert search == {"Status": 0, "Error": None, "Results": [], "TotalCount": 0}
    create = call(
        lms_sim, "/CreateClassEnrollment", GLOBEX, classId=3001, userId=601, enrollmentStatusId=0, completionStatusId=0
    )
    assert create == {"status": 20, "error": None, "ClassEnrollmentId": None}


@pytest.mark.both_databases
def test_search_pages_and_sorts(lms_sim: InProcessSimulator) -> None:
    first = call(lms_sim, "/SearchClassEnrollments", pageIndex=0, pageSize=10, sort="LastModified DESC")
    second = call(lms_sim, "/SearchClassEnrollments", pageIndex=1, pageSize=10, sort="LastModified DESC")
    assert first["TotalCount"] == second["TotalCount"] == 65
    assert len(first["Results"]) == len(second["Results"]) == 10
    assert not {r["Id"] for r in first["Results"]} & {r["Id"] for r in second["Results"]}
    waitlist = call(lms_sim, "/SearchClassEnrollments", className="az-104", enrollmentStatusId=20, sort="Created")
    assert [r["UserId"] for r in waitlist["Results"]] == [513, 514, 515]
    classes = call(lms_sim, "/SearchClasses", sort="Size DESC", pageSize=2)
    assert [c["Size"] for c in classes["Results"]] == [20, 15] and classes["TotalCount"] == 6


def test_created_after_is_unix_seconds(lms_sim: InProcessSimulator) -> None:
    created = write(lms_sim, "/CreateClassEnrollment", 3002, 524, 0)
    now = int(lms_sim.now().timestamp())
    body = call(lms_sim, "/SearchClassEnrollments", createdAfter=now - 1)
    assert [r["Id"] for r in body["Results"]] == [created["ClassEnrollmentId"]]
    assert call(lms_sim, "/SearchClassEnrollments", createdAfter="yesterday")["Status"] == 10


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": 0},
        {"pageSize": 1001},
        {"pageIndex": -1},
        {"sort": "Program"},
        {"sort": "Name desc"},
        {"createdBefore": 10**13},
    ],
)
def test_bad_search_parameters_are_status_10(lms_sim: InProcessSimulator, params: dict[str, Any]) -> None:
    body = call(lms_sim, "/SearchClassEnrollments", **params)
    assert body["Status"] == 10 and body["Error"].startswith("Invalid request") and body["Results"] == []


@pytest.mark.both_databases
def test_hostile_filter_strings_are_literal(lms_sim: InProcessSimulator) -> None:
    for text in ["%", "_", "' OR '1'='1", "\\%", "\x00"]:
        assert call(lms_sim, "/SearchClassEnrollments", className=text)["TotalCount"] == 0


def test_paths_match_case_insensitively(lms_sim: InProcessSimulator) -> None:
    assert call(lms_sim, "/getclassenrollment/45001")["Status"] == 0


def test_unknown_paths_and_methods_are_http_errors(lms_sim: InProcessSimulator) -> None:
    missing = lms_sim.client.get(lms_sim.url("skillable", "/DeleteClassEnrollment/45001"), headers=ACME)
    assert missing.status_code == 404 and "Message" in missing.json()
    post = lms_sim.client.post(lms_sim.url("skillable", "/GetClass/3001"), headers=ACME)
    assert post.status_code == 405 and post.headers["allow"] == "GET"


def test_oversized_and_undecodable_requests_are_status_10(lms_sim: InProcessSimulator) -> None:
    big = lms_sim.client.request(
        "GET", lms_sim.url("skillable", "/GetClass/3001"), headers=ACME, content=b"x" * 2_000_000
    )
    assert big.status_code == 200 and big.json()["Status"] == 10
    bad = lms_sim.client.get(lms_sim.url("skillable", "/SearchClasses") + "?name=%ff", headers=ACME)
    assert bad.status_code == 200 and bad.json()["Status"] == 10


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/GetClassEnrollment/abc", 10),
        ("/GetClassEnrollment/99999999999999999999", 10),
        ("/UpdateClassEnrollment/45001?classId=3001", 10),
        ("/UpdateClassEnrollment/45001?classId=3001&userId=501&enrollmentStatusId=61&completionStatusId=0", 10),
        ("/GetClassEnrollmentByClassAndUser?classId=x", 10),
        # Optional filters that are invalid are dropped by the core in lax mode: served without them.
        ("/SearchClassEnrollments?createdAfter=-5&sort=Nope", 0),
        ("/SearchClasses?startsBefore=99999999999999", 0),
    ],
)
def test_lax_contract_mode_never_fails_on_bad_input(path: str, status: int) -> None:
    """In lax mode the core records violations and serves anyway; handlers refuse what they cannot use."""
    sim = InProcessSimulator(harness.test_settings(contract_mode="lax"))
    try:
        response = sim.client.get(sim.url("skillable", path), headers=ACME)
        body = response.json()
        assert response.status_code == 200
        assert body.get("status", body.get("Status")) == status, body
        assert enrollment(sim, 3001, 501)["EnrollmentStatusId"] == 60
    finally:
        sim.close()


@pytest.mark.both_databases
def test_a_refused_create_leaves_no_trace(lms_sim: InProcessSimulator) -> None:
    """Create and Update are GETs that write: a refused one is undone entirely (ids included)."""
    refused = write(lms_sim, "/CreateClassEnrollment", 3002, 524, 0, lateCancel="true")
    assert refused["status"] == 10
    created = write(lms_sim, "/CreateClassEnrollment", 3002, 524, 0)
    assert created["ClassEnrollmentId"] == 100_001


def test_injected_faults_use_the_operations_envelope(lms_sim: InProcessSimulator) -> None:
    lms_sim.fault(vendor="skillable", path="/GetClass/*", status=503, times=1)
    lms_sim.fault(vendor="skillable", path="/CreateClassEnrollment", status=429, times=1)
    lms_sim.fault(vendor="skillable", path="/UpdateClassEnrollment/*", status=400, times=1)
    outage = lms_sim.client.get(lms_sim.url("skillable", "/GetClass/3001"), headers=ACME)
    assert outage.status_code == 503 and outage.json()["Status"] == 10 and outage.json()["Results"] == []
    throttled = lms_sim.client.get(
        lms_sim.url("skillable", "/CreateClassEnrollment"),
        params={"classId": 3002, "userId": 524, "enrollmentStatusId": 60, "completionStatusId": 0},
        headers=ACME,
    )
    assert throttled.status_code == 429 and throttled.headers["retry-after"]
    assert throttled.json()["status"] == 10 and throttled.json()["ClassEnrollmentId"] is None
    refused = write(lms_sim, "/UpdateClassEnrollment/45001", 3001, 501, 10)
    assert refused["status"] == 10 and refused["error"]
    assert enrollment(lms_sim, 3001, 501)["EnrollmentStatusId"] == 60  # the handler never ran
    assert call(lms_sim, "/GetClass/3001")["Status"] == 0  # each rule fired once
