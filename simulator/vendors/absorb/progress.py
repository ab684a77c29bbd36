"""Attempts and the roll-up: attempt -> lesson -> chapter -> course.

Starting an attempt puts the lesson (and its chapter and course) in progress and
counts the attempt. Finishing it with 3 completes the lesson, with 5 fails it (counting
a failure); either adds the attempt's time. A chapter completes when all its lessons
are complete. Once every lesson has an outcome (Complete or Failed) the course is
decided: it scores the mean of its lesson scores and ends Failed (5) when a lesson is
failed or that mean is under the course's passing score, else Complete (3).
Course progress is the share of completed lessons; `timeSpent` sums up the tree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.vendors.absorb import enrollments, lookups
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapterEnrollment,
    AbsorbCourseEnrollment,
    AbsorbLessonEnrollment,
)
from simulator.vendors.absorb.states import LESSON_OPEN_FOR_ATTEMPTS, STARTABLE, Status
from simulator.vendors.absorb.wire import ticks_between

# A lesson with an outcome: the course is decided once every lesson has one.
FINISHED = frozenset({Status.COMPLETE, Status.FAILED})

# .NET's TimeSpan.MaxValue, which is also the largest int64 a database column holds.
MAX_TICKS = 2**63 - 1


def _capped(ticks: int) -> int:
    """Absurd client dates (year 1000 to 9999) must not overflow the column."""
    return min(ticks, MAX_TICKS)


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, message, code="ErrorGeneric")


def attempts_of(session: Session, lesson: AbsorbLessonEnrollment) -> list[AbsorbAttempt]:
    return list(
        session.scalars(
            select(AbsorbAttempt)
            .where(AbsorbAttempt.lesson_enrollment_id == lesson.id)
            .order_by(AbsorbAttempt.sequence, AbsorbAttempt.id)
        )
    )


def start_attempt(
    session: Session, enrollment: AbsorbCourseEnrollment, lesson_id: str, now: dt.datetime
) -> AbsorbAttempt:
    lesson = lookups.lesson_enrollment(session, enrollment, lesson_id)
    enrollments.require_not_blocked(enrollment)
    if lesson.status not in LESSON_OPEN_FOR_ATTEMPTS:
        raise _unprocessable("The lesson enrollment is not open for a new attempt.")
    if any(a.status == Status.IN_PROGRESS for a in attempts_of(session, lesson)):
        raise _unprocessable("An attempt for this lesson is already in progress.")
    lesson.attempts += 1
    attempt = AbsorbAttempt(
        id=enrollments.new_id(session, "attempt"),
        tenant=enrollment.tenant,
        lesson_enrollment_id=lesson.id,
        user_id=enrollment.user_id,
        course_id=enrollment.course_id,
        lesson_id=lesson.lesson_id,
        status=int(Status.IN_PROGRESS),
        score=0.0,
        start_date=now,
        time_spent_ticks=0,
        sequence=lesson.attempts,
    )
    session.add(attempt)
    lesson.last_attempt = now
    if lesson.status != Status.IN_PROGRESS:
        lesson.status = int(Status.IN_PROGRESS)
    lesson.date_started = lesson.date_started or now
    lesson.date_edited = now
    session.flush()
    roll_up(session, enrollment, now)
    return attempt


def finish_attempt(
    session: Session,
    attempt: AbsorbAttempt,
    *,
    status: int,
    score: float | None,
    start_date: dt.datetime | None,
    completion_date: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Record an attempt's outcome. Status 1 only updates the open attempt (score, start)."""
    if attempt.status != Status.IN_PROGRESS:
        raise _unprocessable("The attempt is already finished.")
    lesson = session.get(AbsorbLessonEnrollment, attempt.lesson_enrollment_id)
    enrollment = session.get(AbsorbCourseEnrollment, lesson.course_enrollment_id) if lesson else None
    if lesson is None or enrollment is None:
        raise lookups.not_found("Attempt not found.")
    start = start_date or attempt.start_date
    end = completion_date or now
    if status != Status.IN_PROGRESS and end < start:
        raise _unprocessable("completionDate must not be before startDate.")
    attempt.start_date = start
    if score is not None:
        attempt.score = score
    if status == Status.IN_PROGRESS:
        session.flush()
        return
    attempt.status = status
    attempt.completion_date = end
    attempt.time_spent_ticks = ticks_between(start, end)
    lesson.time_spent_ticks = _capped(lesson.time_spent_ticks + attempt.time_spent_ticks)
    lesson.score = attempt.score
    lesson.date_edited = now
    if status == Status.COMPLETE:
        lesson.status, lesson.progress, lesson.date_completed = int(Status.COMPLETE), 100.0, end
    else:
        lesson.status = int(Status.FAILED)
        lesson.failures += 1
    session.flush()
    roll_up(session, enrollment, now)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def roll_up(session: Session, enrollment: AbsorbCourseEnrollment, now: dt.datetime) -> None:
    """Recompute chapter and course status, progress, score and time from the lessons."""
    lessons = list(
        session.scalars(
            select(AbsorbLessonEnrollment).where(AbsorbLessonEnrollment.course_enrollment_id == enrollment.id)
        )
    )
    chapters = list(
        session.scalars(
            select(AbsorbChapterEnrollment).where(AbsorbChapterEnrollment.course_enrollment_id == enrollment.id)
        )
    )
    if not lessons:
        return
    for chapter in chapters:
        own = [x for x in lessons if x.chapter_enrollment_id == chapter.id]
        _roll_up_chapter(chapter, own, now)
    done = [x for x in lessons if x.status == Status.COMPLETE]
    enrollment.time_spent_ticks = _capped(sum(x.time_spent_ticks for x in lessons))
    enrollment.date_edited = now
    if enrollment.status in (Status.COMPLETE, Status.FAILED):
        return  # a finished course keeps its outcome (a later retake changes lessons only)
    enrollment.progress = round(100.0 * len(done) / len(lessons), 2)
    if all(x.status in FINISHED for x in lessons):
        enrollment.score = _mean([x.score for x in lessons])
        course = lookups.course(session, enrollment.tenant, enrollment.course_id)
        failed = len(done) < len(lessons) or (
            course.passing_score is not None and enrollment.score < course.passing_score
        )
        enrollment.status = int(Status.FAILED if failed else Status.COMPLETE)
        enrollment.date_started = enrollment.date_started or now
        if not failed:
            enrollment.progress, enrollment.date_completed = 100.0, now
    elif any(x.status != Status.NOT_STARTED for x in lessons) and enrollment.status in STARTABLE:
        enrollment.status = int(Status.IN_PROGRESS)
        enrollment.date_started = enrollment.date_started or now
    session.flush()


def _roll_up_chapter(chapter: AbsorbChapterEnrollment, lessons: list[AbsorbLessonEnrollment], now: dt.datetime) -> None:
    done = [x for x in lessons if x.status == Status.COMPLETE]
    chapter.time_spent_ticks = _capped(sum(x.time_spent_ticks for x in lessons))
    chapter.progress = round(100.0 * len(done) / len(lessons), 2) if lessons else 100.0
    chapter.date_edited = now
    if len(done) == len(lessons):
        if chapter.status != Status.COMPLETE:
            chapter.status, chapter.date_completed = int(Status.COMPLETE), now
            chapter.date_started = chapter.date_started or now
        chapter.score = _mean([x.score for x in done])
    elif any(x.status != Status.NOT_STARTED for x in lessons) and chapter.status in STARTABLE:
        chapter.status = int(Status.IN_PROGRESS)
        chapter.date_started = chapter.date_started or now
    elif chapter.status == Status.COMPLETE:
        chapter.status, chapter.date_completed = int(Status.IN_PROGRESS), None
