"""Where real Absorb clients broke: collection names, documented statuses, sync precision, outcomes."""

from __future__ import annotations

import datetime as dt

from tests.vendors.absorb.helpers import BOB, PRIVACY, SAFETY, SAFETY_LESSONS, Absorb, acme, assert_error

PRIVACY_LESSONS = [acme("lesson", t) for t in ("1c2011", "1c2012", "1c2013")]


def _finish(api: Absorb, course: str, lesson: str, status: int, score: float, user: str = BOB) -> None:
    path = f"/users/{user}/enrollments/{course}/lessons/{lesson}/attempts"
    started = api.ok("POST", path)
    api.ok("PUT", f"/attempts/{started['attemptId']}", json={"status": status, "score": score})


def test_lesson_enrollments_are_listed_under_lesson_enrollments(api: Absorb) -> None:
    page = api.ok("GET", f"/courses/{SAFETY}/lessons/{SAFETY_LESSONS[0]}/enrollments")
    assert "enrollments" not in page
    assert page["totalItems"] == len(page["lessonEnrollments"]) > 0
    assert {e["lessonId"] for e in page["lessonEnrollments"]} == {SAFETY_LESSONS[0]}


def test_finishing_an_attempt_with_a_body_that_does_not_bind_is_422(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    path = f"/users/{BOB}/enrollments/{SAFETY}/lessons/{SAFETY_LESSONS[0]}/attempts"
    attempt = api.ok("POST", path)["attemptId"]
    for url in (f"/attempts/{attempt}", f"{path}/{attempt}"):
        for body in ({"status": 9}, {"score": 3}, {"status": 3, "startDate": "yesterday"}):
            found = assert_error(api.put(url, json=body), 422)
            assert found["term"] == "ErrorGeneric" and found["validations"]
        found = assert_error(api.put(url, content=b"{not json", headers={"content-type": "application/json"}), 422)
        assert found["validations"]
    assert api.ok("GET", path)[0]["status"] == 1  # nothing changed


def test_passing_back_the_last_date_edited_returns_nothing_new(api: Absorb) -> None:
    moment = api.sim.now().replace(microsecond=750_000) + dt.timedelta(seconds=5)
    api.sim.set_clock(moment, frozen=True)  # a clock between two whole seconds
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    mine = api.ok("GET", f"/users/{BOB}/enrollments", params={"_sort": "-dateEdited", "_limit": 1})
    last_seen = mine["enrollments"][0]["dateEdited"]
    assert last_seen == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    for path in (f"/users/{BOB}/enrollments", f"/courses/{SAFETY}/enrollments"):
        again = api.ok("GET", path, params={"modifiedSince": last_seen})
        assert again["totalItems"] == 0, again
        by_filter = api.ok("GET", path, params={"_filter": f"dateEdited gt datetime'{last_seen}'"})
        assert by_filter["totalItems"] == 0
    lessons = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/lessons", params={"modifiedSince": last_seen})
    assert lessons == []


def test_failing_every_lesson_fails_the_course(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{PRIVACY}", 201)
    for lesson in PRIVACY_LESSONS[:-1]:
        _finish(api, PRIVACY, lesson, 5, 20)
        assert api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}")["status"] == 1
    _finish(api, PRIVACY, PRIVACY_LESSONS[-1], 5, 35)
    course = api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}")
    assert course["status"] == 5 and course["dateCompleted"] is None
    assert course["score"] == 25 and course["progress"] == 0
    chapters = api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}/chapters")
    assert [c["status"] for c in chapters] == [1]  # a chapter completes only when its lessons do


def test_one_failed_lesson_among_passed_ones_fails_the_course(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{PRIVACY}", 201)
    _finish(api, PRIVACY, PRIVACY_LESSONS[0], 3, 100)
    _finish(api, PRIVACY, PRIVACY_LESSONS[1], 3, 100)
    _finish(api, PRIVACY, PRIVACY_LESSONS[2], 5, 90)
    assert api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}")["status"] == 5
