"""Fixture enrollments as rows: each with its chapter and lesson enrollments, its lessons
replayed to match its status (one finished attempt per finished lesson, so the counts
and the attempt records agree) and rolled up, and its ILC seat, computed in memory.

This is what `enrollments.create`, `progress.roll_up` and `sessions.enroll` write for
one enrollment at a time through the ORM; doing it on plain dicts and inserting each
table once makes a 20,000-enrollment section load in seconds instead of minutes.
tests/fixtures_load proves the rows equal those the API's rules write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from simulator.core import ids
from simulator.core.fixtures import FixtureContext
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapterEnrollment,
    AbsorbCourseEnrollment,
    AbsorbLessonEnrollment,
    AbsorbSessionEnrollment,
)
from simulator.vendors.absorb.progress import MAX_TICKS
from simulator.vendors.absorb.states import SEATLESS, STARTABLE, TICKS_PER_SECOND, Status

Row = dict[str, Any]

_NOT_STARTED, _IN_PROGRESS, _COMPLETE = int(Status.NOT_STARTED), int(Status.IN_PROGRESS), int(Status.COMPLETE)
_FAILED, _WAITLIST = int(Status.FAILED), int(Status.ON_WAITLIST)
# Fixture statuses a seated learner's session enrollment takes over from the course enrollment.
_SESSION_STATUSES = (Status.COMPLETE, Status.ABSENT, Status.IN_PROGRESS)
_DEFAULT_LESSON_TIME = 1800 * TICKS_PER_SECOND  # a finished lesson's time when the fixture gives none


@dataclass
class Catalog:
    """One tenant's users, courses and course content, as rows, by id."""

    users: dict[str, Row] = field(default_factory=dict)
    courses: dict[str, Row] = field(default_factory=dict)
    sessions: dict[str, Row] = field(default_factory=dict)
    chapters: list[Row] = field(default_factory=list)
    lessons: list[Row] = field(default_factory=list)
    _chapters_of: dict[str, list[Row]] = field(default_factory=dict)
    _lessons_of: dict[str, list[Row]] = field(default_factory=dict)

    def add_chapter(self, row: Row) -> None:
        self.chapters.append(row)
        self._chapters_of.setdefault(row["course_id"], []).append(row)

    def add_lesson(self, row: Row) -> None:
        self.lessons.append(row)
        self._lessons_of.setdefault(row["course_id"], []).append(row)

    def outline(self, course_id: str) -> tuple[list[Row], list[Row]]:
        """A course's chapters and lessons in the order enrollments list them (position, then id)."""
        chapters = sorted(self._chapters_of.get(course_id, []), key=lambda r: (r["position"], r["id"]))
        lessons = sorted(self._lessons_of.get(course_id, []), key=lambda r: (r["position"], r["id"]))
        return chapters, lessons


def _full_name(user: Row) -> str:
    return f"{user['first_name']} {user['last_name']}".strip()


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


class EnrollmentTrees:
    """Course, chapter, lesson and session enrollment rows of one tenant's fixture section."""

    def __init__(self, tenant: str, catalog: Catalog, taken_ids: set[str]) -> None:
        self.tenant = tenant
        self.catalog = catalog
        self.enrollments: list[Row] = []
        self.chapter_rows: list[Row] = []
        self.lesson_rows: list[Row] = []
        self.session_rows: list[Row] = []  # ids are taken from the seeded counter in `write`
        self.attempt_rows: list[Row] = []
        self._taken = taken_ids
        self._first_active: dict[tuple[str, str], Row] = {}
        self._seated: dict[str, int] = {}
        self._last_waitlist_position: dict[str, int] = {}
        self._outlines: dict[str, tuple[list[Row], list[Row]]] = {}

    def claim_id(self, enrollment_id: str) -> bool:
        """False when the id is already used (by this section or a tenant loaded before)."""
        if enrollment_id in self._taken:
            return False
        self._taken.add(enrollment_id)
        return True

    def add(
        self,
        enrollment_id: str,
        user: Row,
        course: Row,
        added: dt.datetime,
        *,
        status: int,
        is_active: bool,
        date_due: dt.datetime | None,
        date_expires: dt.datetime | None,
        score: float,
        ticks: int,
    ) -> Row:
        """An enrollment with its activity tree, its lessons replayed to match `status`."""
        row: Row = {
            "id": enrollment_id,
            "tenant": self.tenant,
            "course_id": course["id"],
            "user_id": user["id"],
            "course_name": course["name"],
            "full_name": _full_name(user),
            "job_title": user["job_title"],
            "avatar": user["avatar"],
            "status": status,
            "progress": 0.0,
            "score": 0.0,
            "is_active": is_active,
            "date_added": added,
            "date_edited": added,
            "date_started": None,
            "date_completed": None,
            "date_expires": date_expires,
            "date_due": date_due,
            "access_date": None,
            "course_version_id": None,
            "accepted_terms_and_conditions": False,
            "time_spent_ticks": 0,
            "enrollment_key_id": None,
            "certificate_id": None,
            "credits": course["credits"],
            "course_collection_id": None,
        }
        self.enrollments.append(row)
        if is_active:
            self._first_active.setdefault((user["id"], course["id"]), row)
        chapters, lessons = self._activities(row, added)
        done = self._replay_lessons(row, chapters, lessons, status, score, ticks, added, course["passing_score"])
        self.attempt_rows.extend(_attempt(lesson) for lesson in done)
        return row

    def _activities(self, row: Row, added: dt.datetime) -> tuple[list[Row], list[Row]]:
        """One chapter enrollment per chapter and one lesson enrollment per lesson (`create_activities`)."""
        outline = self._outlines.get(row["course_id"])
        if outline is None:
            outline = self._outlines[row["course_id"]] = self.catalog.outline(row["course_id"])
        chapter_ids: dict[str, str] = {}
        chapters = []
        for chapter in outline[0]:
            chapter_ids[chapter["id"]] = ids.derived_uuid("absorb.chapter-enrollment", row["id"], chapter["id"])
            chapters.append(
                {
                    "id": chapter_ids[chapter["id"]],
                    "tenant": self.tenant,
                    "course_enrollment_id": row["id"],
                    "chapter_id": chapter["id"],
                    "course_id": row["course_id"],
                    "user_id": row["user_id"],
                    "name": chapter["name"],
                    "full_name": row["full_name"],
                    "position": chapter["position"],
                    "status": _NOT_STARTED,
                    "progress": 0.0,
                    "score": 0.0,
                    "time_spent_ticks": 0,
                    "date_enrolled": added,
                    "date_edited": added,
                    "date_started": None,
                    "date_completed": None,
                }
            )
        lessons = [
            {
                "id": ids.derived_uuid("absorb.lesson-enrollment", row["id"], lesson["id"]),
                "tenant": self.tenant,
                "course_enrollment_id": row["id"],
                "chapter_enrollment_id": chapter_ids[lesson["chapter_id"]],
                "chapter_id": lesson["chapter_id"],
                "lesson_id": lesson["id"],
                "course_id": row["course_id"],
                "user_id": row["user_id"],
                "name": lesson["name"],
                "full_name": row["full_name"],
                "lesson_type": lesson["lesson_type"],
                "position": lesson["position"],
                "is_active": row["is_active"],  # a historical enrollment's lessons are historical too
                "attempts": 0,
                "failures": 0,
                "last_attempt": None,
                "status": _NOT_STARTED,
                "progress": 0.0,
                "score": 0.0,
                "time_spent_ticks": 0,
                "date_enrolled": added,
                "date_added": added,
                "date_edited": added,
                "date_started": None,
                "date_completed": None,
            }
            for lesson in outline[1]
            if lesson["chapter_id"] in chapter_ids
        ]
        self.chapter_rows.extend(chapters)
        self.lesson_rows.extend(lessons)
        return chapters, lessons

    @staticmethod
    def _replay_lessons(
        row: Row,
        chapters: list[Row],
        lessons: list[Row],
        status: int,
        score: float,
        ticks: int,
        added: dt.datetime,
        passing_score: float | None,
    ) -> list[Row]:
        """Complete/Failed finish every lesson, InProgress the first; then roll up, keeping `status`.

        Returns the lessons finished (each by one attempt, started when the enrollment was added).
        """
        if status in (_COMPLETE, _FAILED) and lessons:
            done = lessons
        elif status == _IN_PROGRESS and lessons:
            done = lessons[:1]
        else:
            row["score"], row["time_spent_ticks"] = score, ticks
            if status == _COMPLETE:
                row["progress"], row["date_started"] = 100.0, added
                row["date_completed"] = added + dt.timedelta(days=1)
            elif status == _IN_PROGRESS:
                row["date_started"] = added
            return []
        per_lesson = (ticks or _DEFAULT_LESSON_TIME) // len(lessons)
        finished = added + dt.timedelta(days=1)
        for lesson in done:
            lesson.update(status=_COMPLETE, score=score, progress=100.0, attempts=1, time_spent_ticks=per_lesson)
            lesson["date_started"] = lesson["last_attempt"] = added
            lesson["date_completed"] = lesson["date_edited"] = finished
        row["status"] = _NOT_STARTED
        _roll_up(row, chapters, lessons, finished, passing_score)
        row["status"] = status
        if status == _COMPLETE:
            row["progress"], row["date_completed"] = 100.0, row["date_completed"] or finished
        elif status == _FAILED:
            row["date_completed"] = None
        return done

    def is_the_active_enrollment(self, row: Row) -> bool:
        """Whether `row` is what the API would find as the user's active enrollment in the course."""
        return self._first_active.get((row["user_id"], row["course_id"])) is row

    def take_seat(self, row: Row, user: Row, ilc: Row, status: int, added: dt.datetime) -> None:
        """The ILC session enrollment (`sessions.enroll`): a seat, or the waitlist when the session is full."""
        session_id = ilc["id"]
        capacity = ilc["capacity"]
        waitlisted = capacity is not None and self._seated.get(session_id, 0) >= capacity
        position = 0
        if waitlisted:
            position = self._last_waitlist_position.get(session_id, 0) + 1
            self._last_waitlist_position[session_id] = position
        seat_status = _WAITLIST if waitlisted else _NOT_STARTED
        if waitlisted and row["status"] == _NOT_STARTED:
            row["status"] = _WAITLIST
        elif not waitlisted and row["status"] == _WAITLIST:
            row["status"] = _NOT_STARTED
        row["date_edited"] = added
        # The fixture's status then applies to the seat (never to a waitlisted one) and the enrollment.
        if seat_status != _WAITLIST and status in _SESSION_STATUSES:
            seat_status = status
        if row["status"] != _WAITLIST:
            row["status"] = status
        if seat_status not in SEATLESS:
            self._seated[session_id] = self._seated.get(session_id, 0) + 1
        self.session_rows.append(
            {
                "id": None,
                "tenant": self.tenant,
                "session_id": session_id,
                "course_enrollment_id": row["id"],
                "course_id": row["course_id"],
                "user_id": user["id"],
                "name": ilc["name"],
                "full_name": row["full_name"],
                "is_active": True,
                "status": seat_status,
                "progress": 0.0,
                "score": 0.0,
                "time_spent_ticks": 0,
                "waitlist_position": position,
                "date_enrolled": added,
                "date_edited": added,
                "date_started": None,
                "date_completed": None,
            }
        )

    def write(self, fx: FixtureContext) -> None:
        """Session enrollments take seeded ids in document order, as one at a time would."""
        for row, digest in zip(
            self.session_rows, fx.seeded_digests("absorb.session-enrollment", len(self.session_rows)), strict=True
        ):
            row["id"] = ids.uuid_from(digest)
        fx.insert(AbsorbCourseEnrollment, self.enrollments)
        fx.insert(AbsorbChapterEnrollment, self.chapter_rows)
        fx.insert(AbsorbLessonEnrollment, self.lesson_rows)
        fx.insert(AbsorbSessionEnrollment, self.session_rows)
        fx.insert(AbsorbAttempt, self.attempt_rows)


def _attempt(lesson: Row) -> Row:
    """The one finished attempt behind a replayed lesson: its count, date, score and time."""
    return {
        "id": ids.derived_uuid("absorb.attempt", lesson["id"]),
        "tenant": lesson["tenant"],
        "lesson_enrollment_id": lesson["id"],
        "user_id": lesson["user_id"],
        "course_id": lesson["course_id"],
        "lesson_id": lesson["lesson_id"],
        "status": lesson["status"],
        "score": lesson["score"],
        "start_date": lesson["last_attempt"],
        "completion_date": lesson["date_completed"],
        "time_spent_ticks": lesson["time_spent_ticks"],
        "sequence": 1,
    }


def _roll_up(row: Row, chapters: list[Row], lessons: list[Row], now: dt.datetime, passing: float | None) -> None:
    """`progress.roll_up` for an enrollment that has not finished (the replay sets NotStarted first)."""
    for chapter in chapters:
        _roll_up_chapter(chapter, [x for x in lessons if x["chapter_enrollment_id"] == chapter["id"]], now)
    done = [x for x in lessons if x["status"] == _COMPLETE]
    row["time_spent_ticks"] = min(sum(x["time_spent_ticks"] for x in lessons), MAX_TICKS)
    row["date_edited"] = now
    row["progress"] = round(100.0 * len(done) / len(lessons), 2)
    if all(x["status"] in (_COMPLETE, _FAILED) for x in lessons):
        row["score"] = _mean([x["score"] for x in lessons])
        failed = len(done) < len(lessons) or (passing is not None and row["score"] < passing)
        row["status"] = _FAILED if failed else _COMPLETE
        row["date_started"] = row["date_started"] or now
        if not failed:
            row["progress"], row["date_completed"] = 100.0, now
    elif any(x["status"] != _NOT_STARTED for x in lessons) and row["status"] in STARTABLE:
        row["status"] = _IN_PROGRESS
        row["date_started"] = row["date_started"] or now


def _roll_up_chapter(chapter: Row, lessons: list[Row], now: dt.datetime) -> None:
    done = [x for x in lessons if x["status"] == _COMPLETE]
    chapter["time_spent_ticks"] = min(sum(x["time_spent_ticks"] for x in lessons), MAX_TICKS)
    chapter["progress"] = round(100.0 * len(done) / len(lessons), 2) if lessons else 100.0
    chapter["date_edited"] = now
    if len(done) == len(lessons):
        if chapter["status"] != _COMPLETE:
            chapter["status"], chapter["date_completed"] = _COMPLETE, now
            chapter["date_started"] = chapter["date_started"] or now
        chapter["score"] = _mean([x["score"] for x in done])
    elif any(x["status"] != _NOT_STARTED for x in lessons) and chapter["status"] in STARTABLE:
        chapter["status"] = _IN_PROGRESS
        chapter["date_started"] = chapter["date_started"] or now
