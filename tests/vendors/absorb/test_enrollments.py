"""Course enrollments over HTTP: enroll, re-enroll, create-or-update, un-enroll, reads,
paging, `_filter`/`_sort`, the deprecated parameters and the bulk read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.vendors.absorb.helpers import (
    ALICE,
    APPROVAL,
    BOB,
    PRIVACY,
    SAFETY,
    SAFETY_CHAPTERS,
    SAFETY_LESSONS,
    SERVICE,
    Absorb,
    acme,
    assert_error,
)

GHOST = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"


@pytest.mark.both_databases
def test_enrolling_creates_a_not_started_enrollment_with_its_chapters_and_lessons(api: Absorb) -> None:
    created = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    assert created == {"enrollmentId": created["enrollmentId"], "courseId": SAFETY, "userId": BOB}
    row = api.ok("GET", f"/enrollments/{created['enrollmentId']}")
    assert row["status"] == 0 and row["progress"] == 0 and row["isActive"] is True
    assert row["dateAdded"] == row["dateEdited"] and row["dateStarted"] is None
    assert row["courseName"] == "Workplace Safety Fundamentals" and row["fullName"] == "Bob Brown"
    assert row["timeSpent"] == "00:00:00" and row["timeSpentTicks"] == 0
    assert api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}") == row
    chapters = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters")
    assert [c["chapterId"] for c in chapters] == SAFETY_CHAPTERS
    lessons = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/lessons")
    assert [x["lessonId"] for x in lessons] == SAFETY_LESSONS
    assert all(x["status"] == 0 and x["attempts"] == 0 and x["courseEnrollmentId"] == row["id"] for x in lessons)
    assert chapters[0]["lessonEnrollmentIds"] == [x["id"] for x in lessons[:2]]


@pytest.mark.both_databases
def test_one_users_enrollment_honours_the_deprecated_status_and_modified_since(api: Absorb) -> None:
    path = f"/users/{BOB}/enrollments/{SAFETY}"
    assert_error(api.get(path), 404)  # not enrolled yet
    assert_error(api.get(f"/users/{GHOST}/enrollments/{SAFETY}"), 404)
    assert_error(api.get(f"/users/{BOB}/enrollments/{GHOST}"), 404)
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    row = api.ok("GET", path)
    assert api.ok("GET", path, params={"status": 0}) == row
    assert_error(api.get(path, params={"status": 1}), 404)
    before = api.sim.now() - dt.timedelta(seconds=1)
    assert api.ok("GET", path, params={"modifiedSince": before.isoformat()}) == row
    assert_error(api.get(path, params={"modifiedSince": api.sim.now().isoformat()}), 404)
    assert_error(api.get(path, params={"modifiedSince": "soon"}), 422)


def test_a_course_requiring_approval_starts_pending(api: Absorb) -> None:
    created = api.ok("POST", f"/users/{ALICE}/enrollments/{APPROVAL}", 201)
    assert api.ok("GET", f"/enrollments/{created['enrollmentId']}")["status"] == 2


def test_enrolling_again_returns_the_existing_enrollment_unchanged(api: Absorb) -> None:
    first = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    before = api.ok("GET", f"/enrollments/{first['enrollmentId']}")
    api.sim.advance(60)
    again = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    assert again == first
    assert api.ok("GET", f"/enrollments/{first['enrollmentId']}") == before


@pytest.mark.both_databases
def test_re_enroll_moves_the_active_enrollment_to_history(api: Absorb) -> None:
    old = api.ok("GET", f"/users/{ALICE}/enrollments/{SAFETY}")
    assert old["status"] == 1
    new = api.ok("POST", f"/users/{ALICE}/enrollments/{SAFETY}", 201, params={"reEnroll": "true"})
    assert new["enrollmentId"] != old["id"]
    history = api.ok("GET", f"/enrollments/{old['id']}")
    assert history["isActive"] is False and history["status"] == 1 and history["progress"] == old["progress"]
    fresh = api.ok("GET", f"/users/{ALICE}/enrollments/{SAFETY}")
    assert fresh["id"] == new["enrollmentId"] and fresh["status"] == 0 and fresh["isActive"] is True
    everything = api.ok("GET", f"/users/{ALICE}/enrollments", params={"_filter": f"courseId eq guid'{SAFETY}'"})
    assert sorted(e["isActive"] for e in everything["enrollments"]) == [False, True]
    lessons = api.ok("GET", f"/users/{ALICE}/enrollments/{SAFETY}/lessons")
    assert all(x["status"] == 0 and x["courseEnrollmentId"] == fresh["id"] for x in lessons)


def test_create_or_update_sets_only_the_settable_properties(api: Absorb) -> None:
    body = {
        "courseId": SAFETY,
        "status": 3,
        "dateCompleted": "2026-10-01",
        "dateExpires": "2027-10-01T12:00:00Z",
        "score": 88.5,
        "credits": 2,
        "acceptedTermsAndConditions": True,
        "courseVersionId": "ABCDEF00-0000-4000-8000-000000000001",
        "enrollmentKeyId": None,
        "progress": 12,
        "courseName": "Renamed",
        "fullName": "Someone Else",
        "isActive": False,
        "dateDue": "2030-01-01",
    }
    created = api.ok("POST", f"/users/{BOB}/enrollments", 201, json=body)
    row = api.ok("GET", f"/enrollments/{created['enrollmentId']}")
    assert row["status"] == 3 and row["progress"] == 100
    assert row["dateCompleted"] == "2026-10-01T00:00:00Z" and row["dateExpires"] == "2027-10-01T12:00:00Z"
    assert row["score"] == 88.5 and row["credits"] == 2 and row["acceptedTermsAndConditions"] is True
    assert row["courseVersionId"] == "abcdef00-0000-4000-8000-000000000001"
    assert row["courseName"] == "Workplace Safety Fundamentals" and row["fullName"] == "Bob Brown"
    assert row["isActive"] is True and row["dateDue"] is None
    # Updating the same enrollment: same id, new values.
    again = api.ok("POST", f"/users/{BOB}/enrollments", 201, json={"courseId": SAFETY, "status": 1, "score": 10})
    assert again["enrollmentId"] == created["enrollmentId"]
    updated = api.ok("GET", f"/enrollments/{created['enrollmentId']}")
    assert updated["status"] == 1 and updated["score"] == 10 and updated["credits"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"courseId": "not-a-guid"},
        {"courseId": SAFETY, "status": 13},
        {"courseId": SAFETY, "status": "3"},
        {"courseId": SAFETY, "score": "high"},
        {"courseId": SAFETY, "dateCompleted": "yesterday"},
        [SAFETY],
    ],
)
def test_create_or_update_refuses_a_bad_body_with_400_and_changes_nothing(api: Absorb, body: Any) -> None:
    before = api.ok("GET", f"/users/{BOB}/enrollments")
    assert_error(api.post(f"/users/{BOB}/enrollments", json=body), 400)
    assert api.ok("GET", f"/users/{BOB}/enrollments") == before


def test_unknown_ids_are_404(api: Absorb) -> None:
    assert assert_error(api.get(f"/users/{GHOST}/enrollments"), 404)["message"] == "User not found."
    assert_error(api.post(f"/users/{GHOST}/enrollments/{SAFETY}"), 404)
    assert_error(api.post(f"/users/{BOB}/enrollments/{GHOST}"), 404)
    assert_error(api.post(f"/users/{BOB}/enrollments", json={"courseId": GHOST}), 404)
    assert_error(api.get(f"/users/{BOB}/enrollments/{SAFETY}"), 404)  # not enrolled
    assert_error(api.get(f"/enrollments/{GHOST}"), 404)
    assert_error(api.get(f"/courses/{GHOST}/enrollments"), 404)
    assert_error(api.get("/enrollments/not-a-guid"), 404)


@pytest.mark.both_databases
def test_unenroll_removes_the_enrollment_and_everything_under_it(api: Absorb) -> None:
    created = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    r = api.post("/enrollments/unenroll", json=[created["enrollmentId"]])
    assert r.status_code == 204 and r.content == b""
    assert_error(api.get(f"/enrollments/{created['enrollmentId']}"), 404)
    assert_error(api.get(f"/users/{BOB}/enrollments/{SAFETY}/lessons"), 404)
    with api.sim.session() as session:
        from sqlalchemy import func, select

        from simulator.vendors.absorb.models import AbsorbLessonEnrollment

        left = session.scalar(
            select(func.count()).where(AbsorbLessonEnrollment.course_enrollment_id == created["enrollmentId"])
        )
    assert left == 0


def test_unenroll_with_unknown_ids_is_422_listing_them_and_changes_nothing(api: Absorb) -> None:
    created = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    history = api.ok("POST", f"/users/{ALICE}/enrollments/{SAFETY}", 201, params={"reEnroll": "true"})
    old_alice = api.ok("GET", f"/users/{ALICE}/enrollments", params={"_filter": "not isActive"})["enrollments"][0]["id"]
    body = assert_error(api.post("/enrollments/unenroll", json=[created["enrollmentId"], GHOST, old_alice]), 422)
    assert any(GHOST in v for v in body["validations"]) and any(old_alice in v for v in body["validations"])
    assert not any(created["enrollmentId"] in v for v in body["validations"])
    assert api.ok("GET", f"/enrollments/{created['enrollmentId']}")["isActive"] is True
    assert history["enrollmentId"]
    assert_error(api.post("/enrollments/unenroll", json=[]), 400)
    assert_error(api.post("/enrollments/unenroll", json=["nope"]), 400)
    assert_error(api.post("/enrollments/unenroll", json={"ids": [GHOST]}), 400)


@pytest.mark.both_databases
def test_course_enrollment_list_pages_by_page_index(api: Absorb) -> None:
    everything = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_limit": 1000})
    total = everything["totalItems"]
    assert total == everything["returnedItems"] >= 10
    names = [e["fullName"] for e in everything["enrollments"]]
    assert names == sorted(names)  # default sort: fullName
    first = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_limit": 3, "_offset": 0})
    second = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_limit": 3, "_offset": 1})
    assert (first["limit"], first["offset"], second["offset"]) == (3, 0, 1)
    assert [e["id"] for e in first["enrollments"] + second["enrollments"]] == [
        e["id"] for e in everything["enrollments"][:6]
    ]
    beyond = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_limit": 3, "_offset": 1000})
    assert beyond["returnedItems"] == 0 and beyond["totalItems"] == total
    # The deprecated limit/offset still work; _limit/_offset win when both are sent.
    old = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"limit": 3, "offset": 1})
    assert old["enrollments"] == second["enrollments"]
    both = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"limit": 5, "_limit": 3})
    assert both["limit"] == 3
    assert api.ok("GET", f"/courses/{SAFETY}/enrollments")["limit"] == 20


@pytest.mark.parametrize(
    "params",
    [
        {"_limit": 1001},
        {"_limit": 0},
        {"_limit": "ten"},
        {"_offset": -1},
        {"_offset": 65536},
        {"limit": 5000},
        {"status": 13},
        {"modifiedSince": "last week"},
        {"_filter": "status eq"},
        {"_filter": "password eq 'x'"},
        {"_filter": "1 eq 1; DROP TABLE absorb_course_enrollments --"},
        {"_filter": "x" * 2001},
        {"_filter": "(" * 40 + "status eq 1" + ")" * 40},
        {"_sort": "password"},
        {"_sort": "-"},
    ],
)
def test_bad_paging_filter_or_sort_is_422(api: Absorb, params: dict[str, Any]) -> None:
    body = assert_error(api.get(f"/courses/{SAFETY}/enrollments", params=params), 422)
    assert body["term"] == "ErrorGeneric" and body["validations"]
    assert api.get(f"/courses/{SAFETY}/enrollments").status_code == 200


@pytest.mark.both_databases
def test_filter_and_sort_on_course_enrollments(api: Absorb) -> None:
    done = api.ok(
        "GET", f"/courses/{SAFETY}/enrollments", params={"_filter": "status eq 3", "_sort": "-score", "_limit": 100}
    )
    assert done["totalItems"] >= 1 and all(e["status"] == 3 for e in done["enrollments"])
    scores = [e["score"] for e in done["enrollments"]]
    assert scores == sorted(scores, reverse=True)
    named = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_filter": "substringof('anderson', fullName)"})
    assert [e["userId"] for e in named["enrollments"]] == [ALICE]
    deprecated = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"status": 3, "_limit": 100})
    assert deprecated["totalItems"] == done["totalItems"]
    api.sim.advance(3600)
    cutoff = api.sim.now().isoformat()
    api.sim.advance(60)
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    recent = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"modifiedSince": cutoff})
    assert [e["userId"] for e in recent["enrollments"]] == [BOB]
    same = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_filter": f"dateEdited gt datetime'{cutoff}'"})
    assert same["enrollments"] == recent["enrollments"]


def test_the_same_list_shape_answers_for_each_course_and_each_value(api: Absorb) -> None:
    """A list's statement is compiled once per filter and sort: the course, the deprecated
    status, modifiedSince and the page are bound per request, never carried over."""
    params = {"_filter": "progress ge 0", "_sort": "-dateStarted", "_limit": 100}
    for course in (SAFETY, PRIVACY, SERVICE):
        page = api.ok("GET", f"/courses/{course}/enrollments", params=params)
        assert page["totalItems"] == len(page["enrollments"]) >= 1
        assert {e["courseId"] for e in page["enrollments"]} == {course}
    statuses = {e["status"] for e in api.ok("GET", f"/courses/{SAFETY}/enrollments", params=params)["enrollments"]}
    assert len(statuses) >= 2
    for status in statuses:
        page = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={**params, "status": status})
        assert {e["status"] for e in page["enrollments"]} == {status}
    one = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={**params, "_limit": 1})
    second = api.ok("GET", f"/courses/{SAFETY}/enrollments", params={**params, "_limit": 1, "_offset": 1})
    assert one["totalItems"] == second["totalItems"] >= 2
    assert one["enrollments"][0]["id"] != second["enrollments"][0]["id"]


@pytest.mark.both_databases
def test_user_enrollments_default_to_course_name_order(api: Absorb) -> None:
    page = api.ok("GET", f"/users/{ALICE}/enrollments")
    assert [e["courseName"] for e in page["enrollments"]] == [
        "Customer Service Excellence",
        "Data Privacy Essentials",
        "Workplace Safety Fundamentals",
    ]
    completed = page["enrollments"][0]
    assert completed["status"] == 3 and completed["progress"] == 100 and completed["dateCompleted"]
    assert completed["timeSpentTicks"] > 0 and completed["timeSpent"] != "00:00:00"


def test_bulk_student_courses(api: Absorb) -> None:
    rows = api.ok("GET", "/bulk/student-courses", params={"userIds": [ALICE, BOB]})
    assert {r["userId"] for r in rows} == {ALICE, BOB} and all(r["isActive"] for r in rows)
    only = api.ok("GET", "/bulk/student-courses", params={"userIds": [ALICE, BOB], "courseIds": [PRIVACY, SERVICE]})
    assert {(r["userId"], r["courseId"]) for r in only} == {(ALICE, PRIVACY), (ALICE, SERVICE), (BOB, SERVICE)}
    assert_error(api.get("/bulk/student-courses"), 422)
    assert_error(api.get("/bulk/student-courses", params={"userIds": "nope"}), 422)
    assert api.ok("GET", "/bulk/student-courses", params={"userIds": [GHOST]}) == []


def test_bulk_student_courses_takes_at_most_100_ids_of_each_kind(api: Absorb) -> None:
    # The ids travel in the URL; the cap keeps a full request within common URL limits.
    many = [f"aa000000-0000-4000-8000-{i:012x}" for i in range(101)]
    assert api.ok("GET", "/bulk/student-courses", params={"userIds": many[:100], "courseIds": many[:100]}) == []
    assert_error(api.get("/bulk/student-courses", params={"userIds": many}), 422)
    assert_error(api.get("/bulk/student-courses", params={"userIds": [ALICE], "courseIds": many}), 422)


def test_my_enrollments_act_for_the_tokens_user(api: Absorb) -> None:
    from tests.vendors.absorb.helpers import ACME_LEARNER

    learner = Absorb(api.sim, login=ACME_LEARNER)
    created = learner.ok("POST", f"/enroll/{acme('course', 'c003')}", 201)
    assert created["userId"] == ALICE
    mine = learner.ok("GET", f"/my-enrollments/{acme('course', 'c003')}")
    assert mine["id"] == created["enrollmentId"]
    page = learner.ok("GET", "/my-enrollments", params={"_sort": "-dateAdded", "_limit": 1})
    assert page["enrollments"][0]["id"] == created["enrollmentId"] and page["totalItems"] == 4
    assert learner.ok("POST", f"/enroll/{acme('course', 'c003')}", 201) == created
    assert_error(learner.get(f"/my-enrollments/{BOB}"), 404)
    assert_error(learner.get(f"/my-enrollments/{PRIVACY}", params={"status": 3}), 404)
    assert learner.ok("GET", f"/my-enrollments/{PRIVACY}", params={"status": 0})["courseId"] == PRIVACY


def test_users_and_courses_reads(api: Absorb) -> None:
    users = api.ok("GET", "/users", params={"_filter": "startswith(username, 'alice')"})
    assert [u["id"] for u in users["users"]] == [ALICE]
    alice = api.ok("GET", f"/users/{ALICE}")
    assert (alice["firstName"], alice["lastName"]) == ("Alice", "Anderson")
    courses = api.ok("GET", "/courses", params={"_sort": "-name", "_limit": 2})
    assert courses["totalItems"] == 6 and courses["returnedItems"] == 2
    detail = api.ok("GET", f"/courses/{SAFETY}")
    assert [c["id"] for c in detail["chapters"]] == SAFETY_CHAPTERS
    assert [x["id"] for c in detail["chapters"] for x in c["lessons"]] == SAFETY_LESSONS
    ilc = api.ok("GET", f"/courses/{acme('course', 'c005')}")
    assert ilc["courseType"] == "InstructorLedCourse" and [s["capacity"] for s in ilc["sessions"]] == [3, 10]


def test_duplicate_enrollment_can_be_configured_to_fail() -> None:
    from simulator.testing import harness

    sim = harness.InProcessSimulator(
        harness.test_settings(vendor_options={"absorb": {"duplicate_enrollment": "error"}})
    )
    try:
        api = Absorb(sim)
        created = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
        body = assert_error(api.post(f"/users/{BOB}/enrollments/{SAFETY}"), 422)
        assert "reEnroll" in body["message"]
        again = api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201, params={"reEnroll": "true"})
        assert again["enrollmentId"] != created["enrollmentId"]
    finally:
        sim.close()
