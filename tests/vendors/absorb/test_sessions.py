"""ILC sessions: capacity, the waitlist, cancelSession, re-enroll and un-enroll freeing seats."""

from __future__ import annotations

from typing import Any

from tests.vendors.absorb.helpers import AFTERNOON, ALICE, BOB, FORKLIFT, MORNING, SAFETY, Absorb, acme, assert_error

CAROL, DAN, ERIN, FRANK = (acme("user", f"a00{i}") for i in (3, 4, 5, 6))


def _session_rows(api: Absorb, session_id: str) -> dict[str, dict[str, Any]]:
    page = api.ok("GET", f"/courses/{FORKLIFT}/sessions/{session_id}/enrollments", params={"_limit": 100})
    return {row["userId"]: row for row in page["enrollments"]}


def _enroll(api: Absorb, user: str, session_id: str, **params: str) -> dict[str, Any]:
    return api.ok("POST", f"/users/{user}/enrollments/{FORKLIFT}/sessions/{session_id}", 201, params=params)  # type: ignore[no-any-return]


def test_the_demo_morning_session_is_full_with_two_waitlisted(api: Absorb) -> None:
    rows = _session_rows(api, MORNING)
    assert {u: r["status"] for u, r in rows.items()} == {BOB: 0, CAROL: 0, DAN: 0, ERIN: 8, FRANK: 8}
    assert api.ok("GET", f"/users/{ERIN}/enrollments/{FORKLIFT}")["status"] == 8


def test_enrolling_into_a_full_session_waitlists_and_a_cancellation_moves_the_first_in(api: Absorb) -> None:
    created = _enroll(api, ALICE, MORNING)
    assert set(created) == {"userId", "courseId", "sessionId", "enrollmentId", "sessionEnrollmentId"}
    mine = api.ok("GET", f"/users/{ALICE}/enrollments/{FORKLIFT}/sessions/{MORNING}")
    assert mine["status"] == 8 and mine["id"] == created["sessionEnrollmentId"]
    assert mine["courseEnrollmentId"] == created["enrollmentId"]
    # Bob moves to the afternoon: his morning seat goes to Erin (first on the waitlist).
    _enroll(api, BOB, AFTERNOON, cancelSession="true")
    rows = _session_rows(api, MORNING)
    assert BOB not in rows and rows[ERIN]["status"] == 0 and rows[FRANK]["status"] == 8 and rows[ALICE]["status"] == 8
    assert api.ok("GET", f"/users/{ERIN}/enrollments/{FORKLIFT}")["status"] == 0
    assert _session_rows(api, AFTERNOON)[BOB]["status"] == 0
    assert [r["sessionId"] for r in api.ok("GET", f"/users/{BOB}/enrollments/{FORKLIFT}/sessions")] == [AFTERNOON]


def test_another_session_without_cancel_is_422_and_changes_nothing(api: Absorb) -> None:
    before = _session_rows(api, MORNING)
    assert_error(api.post(f"/users/{BOB}/enrollments/{FORKLIFT}/sessions/{AFTERNOON}"), 422)
    assert _session_rows(api, MORNING) == before
    assert BOB not in _session_rows(api, AFTERNOON)


def test_the_same_session_again_is_returned_unchanged(api: Absorb) -> None:
    first = _enroll(api, ALICE, AFTERNOON)
    assert _enroll(api, ALICE, AFTERNOON) == first


def test_unenrolling_a_seated_learner_frees_the_seat(api: Absorb) -> None:
    carol = api.ok("GET", f"/users/{CAROL}/enrollments/{FORKLIFT}")
    assert api.post("/enrollments/unenroll", json=[carol["id"]]).status_code == 204
    rows = _session_rows(api, MORNING)
    assert CAROL not in rows and rows[ERIN]["status"] == 0 and rows[FRANK]["status"] == 8


def test_re_enrolling_gives_up_the_old_seat_and_queues_again(api: Absorb) -> None:
    old = api.ok("GET", f"/users/{DAN}/enrollments/{FORKLIFT}")
    new = _enroll(api, DAN, MORNING, reEnroll="true")
    assert new["enrollmentId"] != old["id"]
    assert api.ok("GET", f"/enrollments/{old['id']}")["isActive"] is False
    rows = _session_rows(api, MORNING)
    # Erin took the freed seat; Dan is back at the end of the waitlist.
    assert rows[ERIN]["status"] == 0 and rows[FRANK]["status"] == 8 and rows[DAN]["status"] == 8
    assert rows[DAN]["courseEnrollmentId"] == new["enrollmentId"]


def test_session_errors(api: Absorb) -> None:
    ghost = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
    assert_error(api.post(f"/users/{ALICE}/enrollments/{FORKLIFT}/sessions/{ghost}"), 404)
    assert_error(api.post(f"/users/{ALICE}/enrollments/{SAFETY}/sessions/{MORNING}"), 404)
    assert_error(api.get(f"/courses/{SAFETY}/sessions/{MORNING}/enrollments"), 404)
    assert_error(api.get(f"/users/{ALICE}/enrollments/{FORKLIFT}/sessions"), 404)  # not enrolled
    page = api.ok(
        "GET",
        f"/courses/{FORKLIFT}/sessions/{MORNING}/enrollments",
        params={"_filter": "status eq 8", "_sort": "-fullName"},
    )
    assert [r["fullName"] for r in page["enrollments"]] == ["Frank Foster", "Erin Evans"]
    assert_error(
        api.get(f"/courses/{FORKLIFT}/sessions/{MORNING}/enrollments", params={"_filter": "courseName eq 'x'"}), 422
    )
