"""Attempts and the roll-up, over HTTP: attempt -> lesson -> chapter -> course."""

from __future__ import annotations

from typing import Any

from tests.vendors.absorb.helpers import (
    ADMIN,
    APPROVAL,
    BOB,
    PRIVACY,
    SAFETY,
    SAFETY_CHAPTERS,
    SAFETY_LESSONS,
    Absorb,
    acme,
    assert_error,
)

TICKS_PER_MINUTE = 60 * 10_000_000


def _lesson_path(course: str, lesson: str, user: str = BOB) -> str:
    return f"/users/{user}/enrollments/{course}/lessons/{lesson}"


def _attempt(api: Absorb, course: str, lesson: str, status: int, score: float, minutes: int) -> dict[str, Any]:
    started = api.ok("POST", f"{_lesson_path(course, lesson)}/attempts")
    api.sim.advance(minutes * 60)
    if minutes >= 4 * 60:  # the 4-hour token has expired meanwhile
        api.token = api.authenticate(*ADMIN)
    finished = api.ok("PUT", f"/attempts/{started['attemptId']}", json={"status": status, "score": score})
    assert finished == {"attemptId": started["attemptId"]}
    return started  # type: ignore[no-any-return]


def test_starting_an_attempt_puts_lesson_chapter_and_course_in_progress(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    started = api.ok("POST", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")
    assert started["courseId"] == SAFETY and started["userId"] == BOB
    lesson = api.ok("GET", _lesson_path(SAFETY, SAFETY_LESSONS[0]))
    assert lesson["status"] == 1 and lesson["attempts"] == 1 and lesson["lastAttempt"] and lesson["dateStarted"]
    chapter = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters/{SAFETY_CHAPTERS[0]}")
    assert chapter["status"] == 1 and chapter["dateStarted"]
    other = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters/{SAFETY_CHAPTERS[1]}")
    assert other["status"] == 0
    course = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")
    assert course["status"] == 1 and course["dateStarted"] and course["progress"] == 0
    attempts = api.ok("GET", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")
    assert attempts == [
        {
            "id": started["attemptId"],
            "timeSpentTicks": 0,
            "status": 1,
            "score": 0,
            "startDate": attempts[0]["startDate"],
            "completionDate": None,
        }
    ]
    # One open attempt at a time.
    assert_error(api.post(f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts"), 422)


def test_completing_every_lesson_completes_chapters_then_the_course(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    _attempt(api, SAFETY, SAFETY_LESSONS[0], 3, 80, minutes=10)
    course = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")
    assert course["status"] == 1 and course["progress"] == 25
    assert course["timeSpentTicks"] == 10 * TICKS_PER_MINUTE and course["timeSpent"] == "00:10:00"
    _attempt(api, SAFETY, SAFETY_LESSONS[1], 3, 90, minutes=20)
    chapter = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters/{SAFETY_CHAPTERS[0]}")
    assert chapter["status"] == 3 and chapter["progress"] == 100 and chapter["dateCompleted"]
    assert chapter["score"] == 85 and chapter["timeSpent"] == "00:30:00"
    _attempt(api, SAFETY, SAFETY_LESSONS[2], 3, 70, minutes=30)
    assert api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")["progress"] == 75
    _attempt(api, SAFETY, SAFETY_LESSONS[3], 3, 100, minutes=24 * 60 + 5)
    course = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")
    assert course["status"] == 3 and course["progress"] == 100 and course["dateCompleted"]
    assert course["score"] == 85  # mean of 80, 90, 70, 100
    assert course["timeSpent"] == "1.01:05:00"
    assert course["timeSpentTicks"] == (10 + 20 + 30 + 24 * 60 + 5) * TICKS_PER_MINUTE
    lessons = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/lessons", params={"status": 3})
    assert len(lessons) == 4
    # A completed lesson takes no new attempt.
    assert_error(api.post(f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts"), 422)


def test_a_course_scoring_under_its_passing_score_fails(api: Absorb) -> None:
    lessons = [x["lessonId"] for x in _enroll_and_list(api, PRIVACY)]
    for lesson in lessons:
        _attempt(api, PRIVACY, lesson, 3, 60, minutes=5)
    course = api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}")
    assert course["status"] == 5 and course["score"] == 60 and course["dateCompleted"] is None


def _enroll_and_list(api: Absorb, course: str) -> list[dict[str, Any]]:
    api.ok("POST", f"/users/{BOB}/enrollments/{course}", 201)
    return api.ok("GET", f"/users/{BOB}/enrollments/{course}/lessons")  # type: ignore[no-any-return]


def test_a_failed_attempt_fails_the_lesson_and_a_retake_can_pass_it(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    lesson = SAFETY_LESSONS[3]
    _attempt(api, SAFETY, lesson, 5, 30, minutes=15)
    row = api.ok("GET", _lesson_path(SAFETY, lesson))
    assert row["status"] == 5 and row["failures"] == 1 and row["attempts"] == 1 and row["score"] == 30
    assert api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")["status"] == 1
    _attempt(api, SAFETY, lesson, 3, 95, minutes=15)
    row = api.ok("GET", _lesson_path(SAFETY, lesson))
    assert row["status"] == 3 and row["failures"] == 1 and row["attempts"] == 2 and row["timeSpent"] == "00:30:00"
    attempts = api.ok("GET", f"{_lesson_path(SAFETY, lesson)}/attempts")
    assert [a["status"] for a in attempts] == [5, 3]
    assert [a["timeSpentTicks"] for a in attempts] == [15 * TICKS_PER_MINUTE] * 2


def test_finishing_with_explicit_dates_and_the_user_scoped_route(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    path = _lesson_path(SAFETY, SAFETY_LESSONS[0])
    started = api.ok("POST", f"{path}/attempts")
    body = {
        "status": 3,
        "score": 77.5,
        "startDate": "2026-01-01T10:00:00Z",
        "completionDate": "2026-01-01T11:26:11.9878697Z",
    }
    assert api.ok("PUT", f"{path}/attempts/{started['attemptId']}", json=body) == {"attemptId": started["attemptId"]}
    attempt = api.ok("GET", f"{path}/attempts")[0]
    assert attempt["startDate"] == "2026-01-01T10:00:00Z" and attempt["completionDate"] == "2026-01-01T11:26:11Z"
    assert attempt["timeSpentTicks"] == 51719878690
    assert api.ok("GET", path)["timeSpent"] == "01:26:11.9878690"
    # Finished is final.
    assert_error(api.put(f"/attempts/{started['attemptId']}", json={"status": 5}), 422)


def test_status_1_only_updates_the_open_attempt(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    started = api.ok("POST", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")
    api.ok("PUT", f"/attempts/{started['attemptId']}", json={"status": 1, "score": 40})
    attempt = api.ok("GET", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")[0]
    assert attempt["status"] == 1 and attempt["score"] == 40 and attempt["completionDate"] is None
    assert api.ok("GET", _lesson_path(SAFETY, SAFETY_LESSONS[0]))["status"] == 1


def test_attempt_errors(api: Absorb) -> None:
    ghost = "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f"
    assert_error(api.post(f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts"), 404)  # not enrolled
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    assert_error(api.post(f"{_lesson_path(SAFETY, ghost)}/attempts"), 404)
    lesson_enrollment_id = api.ok("GET", _lesson_path(SAFETY, SAFETY_LESSONS[0]))["id"]
    assert_error(api.get(f"{_lesson_path(SAFETY, lesson_enrollment_id)}/attempts"), 404)
    assert_error(api.put(f"/attempts/{ghost}", json={"status": 3}), 404)
    started = api.ok("POST", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")
    for body in ({"status": 2}, {}, {"status": 3, "score": "x"}, {"status": 3, "completionDate": "soon"}):
        # The documented statuses of "Finish attempt" are 200, 404 and 422: a bad body is a 422.
        assert assert_error(api.put(f"/attempts/{started['attemptId']}", json=body), 422)["validations"]
    bad_order = {"status": 3, "startDate": "2026-01-02", "completionDate": "2026-01-01"}
    assert_error(api.put(f"/attempts/{started['attemptId']}", json=bad_order), 422)
    other_lesson = _lesson_path(SAFETY, SAFETY_LESSONS[1])
    assert_error(api.put(f"{other_lesson}/attempts/{started['attemptId']}", json={"status": 3}), 404)
    assert api.ok("GET", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")[0]["status"] == 1


def test_pending_approval_blocks_attempts(api: Absorb) -> None:
    lesson = api.ok("GET", f"/users/{BOB}/enrollments/{APPROVAL}/lessons")[0]  # Bob is pending in the demo data
    assert api.ok("GET", f"/users/{BOB}/enrollments/{APPROVAL}")["status"] == 2
    assert_error(api.post(f"{_lesson_path(APPROVAL, lesson['lessonId'])}/attempts"), 422)


def test_chapter_and_lesson_reads(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    second = SAFETY_CHAPTERS[1]
    lessons = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters/{second}/lessons")
    assert [x["lessonId"] for x in lessons] == SAFETY_LESSONS[2:]
    one = api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters/{second}/lessons/{SAFETY_LESSONS[2]}")
    assert one == lessons[0] and one["type"] == "ObjectLesson" and one["name"] == "First response"
    assert_error(api.get(f"/users/{BOB}/enrollments/{SAFETY}/chapters/{second}/lessons/{SAFETY_LESSONS[0]}"), 404)
    assert_error(api.get(f"/users/{BOB}/enrollments/{SAFETY}/chapters/{acme('chapter', 'c2001')}"), 404)
    assert api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}/chapters", params={"status": 3}) == []
    assert_error(api.get(f"/users/{BOB}/enrollments/{SAFETY}/chapters/{second}", params={"status": 3}), 404)
    page = api.ok(
        "GET", f"/courses/{SAFETY}/lessons/{SAFETY_LESSONS[0]}/enrollments", params={"_filter": "status eq 0"}
    )
    assert any(e["userId"] == BOB for e in page["lessonEnrollments"]) and all(
        e["status"] == 0 for e in page["lessonEnrollments"]
    )
    assert_error(api.get(f"/courses/{PRIVACY}/lessons/{SAFETY_LESSONS[0]}/enrollments"), 404)


def test_absurd_attempt_dates_do_not_overflow(api: Absorb) -> None:
    api.ok("POST", f"/users/{BOB}/enrollments/{SAFETY}", 201)
    body = {"status": 5, "startDate": "1000-01-01", "completionDate": "9999-12-31T23:59:59Z"}
    for _ in range(40):
        started = api.ok("POST", f"{_lesson_path(SAFETY, SAFETY_LESSONS[0])}/attempts")
        api.ok("PUT", f"/attempts/{started['attemptId']}", json=body)
    lesson = api.ok("GET", _lesson_path(SAFETY, SAFETY_LESSONS[0]))
    assert lesson["failures"] == 40 and lesson["timeSpent"].startswith("10675199.")
    assert api.ok("GET", f"/users/{BOB}/enrollments/{SAFETY}")["timeSpentTicks"] == 2**63 - 1
