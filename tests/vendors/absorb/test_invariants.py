"""Counts and the records behind them agree: every Absorb list walked, each count checked.

Attempts, failures and the last attempt against the attempt records; chapter and course
progress and time against their lessons; every list's `totalItems` against the pages
walked and against the same records reached another way. Checked on the demo data as
loaded, and again after attempts started, passed and failed through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.testing import harness
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.absorb.wire import timespan
from tests.vendors.absorb.helpers import ACME_KEY, BOB, GLOBEX_KEY, PRIVACY, Absorb, acme

OUTCOMES = {3, 5}
SEATLESS = {6, 8}


@pytest.fixture
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator(harness.test_settings(vendor_options={"absorb": {"rate_limit_per_second": 0}}))
    try:
        yield simulator
    finally:
        simulator.close()


def _walk(api: Absorb, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a paged list, checking that `totalItems` counts what the pages hold."""
    items: list[dict[str, Any]] = []
    offset, total = 0, None
    while True:
        page = api.ok("GET", path, params={"_limit": 50, "_offset": offset})
        total = page["totalItems"] if total is None else total
        assert page["totalItems"] == total and page["returnedItems"] == len(page[key]), path
        if not page[key]:
            assert total == len(items) == len({i["id"] for i in items}), path
            return items
        items += page[key]
        offset += 1


def _check_lesson(api: Absorb, base: str, lesson: dict[str, Any]) -> int:
    """The lesson's counts against its attempts; returns the ticks its attempts add up to."""
    attempts = api.ok("GET", f"{base}/lessons/{lesson['lessonId']}/attempts")
    where = f"{base} lesson {lesson['lessonId']}"
    assert lesson["attempts"] == len(attempts), where
    assert lesson["failures"] == sum(a["status"] == 5 for a in attempts), where
    assert lesson["lastAttempt"] == max((a["startDate"] for a in attempts), default=None), where
    finished = [a for a in attempts if a["status"] in OUTCOMES]
    if lesson["status"] in OUTCOMES:
        assert finished and finished[-1]["status"] == lesson["status"], where
        assert finished[-1]["completionDate"] == (lesson["dateCompleted"] or finished[-1]["completionDate"]), where
        assert lesson["score"] == finished[-1]["score"], where
    elif lesson["status"] == 0:
        assert attempts == [], where
    ticks = sum(a["timeSpentTicks"] for a in attempts)
    assert lesson["timeSpent"] == timespan(ticks), where
    return ticks


def _share(done: int, of: int) -> float:
    return round(100.0 * done / of, 2) if of else 100.0


def _check_enrollment(api: Absorb, enrollment: dict[str, Any]) -> None:
    base = f"/users/{enrollment['userId']}/enrollments/{enrollment['courseId']}"
    lessons = api.ok("GET", f"{base}/lessons")
    if not lessons:
        return
    ticks = {x["id"]: _check_lesson(api, base, x) for x in lessons}
    for chapter in api.ok("GET", f"{base}/chapters"):
        own = [x for x in lessons if x["chapterEnrollmentId"] == chapter["id"]]
        assert chapter["lessonEnrollmentIds"] == [x["id"] for x in own]
        assert chapter["progress"] == _share(sum(x["status"] == 3 for x in own), len(own))
        assert chapter["timeSpent"] == timespan(sum(ticks[x["id"]] for x in own))
    assert enrollment["timeSpentTicks"] == sum(ticks.values()), base
    done = sum(x["status"] == 3 for x in lessons)
    if enrollment["status"] == 3:
        assert done == len(lessons) and enrollment["progress"] == 100, base
    else:
        assert enrollment["progress"] == _share(done, len(lessons)), base
    if enrollment["status"] == 5:
        assert all(x["status"] in OUTCOMES for x in lessons), base


def assert_counts_agree(api: Absorb) -> None:
    users = _walk(api, "/users", "users")
    departments = {d["id"] for d in _walk(api, "/departments", "departments")}
    assert {u["departmentId"] for u in users} <= departments
    by_user = {u["id"]: _walk(api, f"/users/{u['id']}/enrollments", "enrollments") for u in users}
    everything = {e["id"]: e for rows in by_user.values() for e in rows}
    for course in _walk(api, "/courses", "courses"):
        listed = _walk(api, f"/courses/{course['id']}/enrollments", "enrollments")
        assert {e["id"] for e in listed} == {i for i, e in everything.items() if e["courseId"] == course["id"]}
        active = [e for e in listed if e["isActive"]]
        detail = api.ok("GET", f"/courses/{course['id']}")
        for chapter in detail["chapters"]:
            for lesson in chapter["lessons"]:
                rows = _walk(api, f"/courses/{course['id']}/lessons/{lesson['id']}/enrollments", "lessonEnrollments")
                assert sorted(r["courseEnrollmentId"] for r in rows) == sorted(e["id"] for e in active)
        for session in detail["sessions"]:
            seats = _walk(api, f"/courses/{course['id']}/sessions/{session['id']}/enrollments", "enrollments")
            seated = [s for s in seats if s["status"] not in SEATLESS]
            assert session["capacity"] is None or len(seated) <= session["capacity"]
            assert {s["courseEnrollmentId"] for s in seats} <= {e["id"] for e in active}
    for enrollment in everything.values():
        if enrollment["isActive"]:
            _check_enrollment(api, enrollment)


@pytest.mark.parametrize("key", [ACME_KEY, GLOBEX_KEY])
def test_the_demo_data_counts_agree_with_their_records(sim: InProcessSimulator, key: str) -> None:
    assert_counts_agree(Absorb(sim, key=key))


def test_counts_still_agree_after_attempts_through_the_api(sim: InProcessSimulator) -> None:
    api = Absorb(sim)
    api.ok("POST", f"/users/{BOB}/enrollments/{PRIVACY}", 201)
    lessons = [acme("lesson", t) for t in ("1c2011", "1c2012", "1c2013")]
    for lesson, outcomes in zip(lessons, ([5, 3], [3], [5]), strict=True):
        for status in outcomes:
            attempt = api.ok("POST", f"/users/{BOB}/enrollments/{PRIVACY}/lessons/{lesson}/attempts")["attemptId"]
            sim.advance(600)
            api.ok("PUT", f"/attempts/{attempt}", json={"status": status, "score": 40 + 20 * status})
    assert api.ok("GET", f"/users/{BOB}/enrollments/{PRIVACY}")["status"] == 5
    assert_counts_agree(api)
