"""Absorb course enrollments for the dashboard, with the chapter > lesson > attempt tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import browse
from simulator.core.browse import (
    DashboardHooks,
    EnrollmentDetail,
    EnrollmentQuery,
    EnrollmentSummary,
    StatusInfo,
    Tone,
    TreeNode,
)
from simulator.core.clock import iso
from simulator.vendors.absorb import wire
from simulator.vendors.absorb.models import (
    AbsorbAttempt,
    AbsorbChapterEnrollment,
    AbsorbCourseEnrollment,
    AbsorbLessonEnrollment,
)
from simulator.vendors.absorb.states import STATUS_NAMES, Status

CE = AbsorbCourseEnrollment

_TONES: dict[Status, Tone] = {
    Status.NOT_STARTED: "idle",
    Status.IN_PROGRESS: "active",
    Status.COMPLETE: "done",
    Status.NOT_COMPLETE: "late",
    Status.FAILED: "late",
    Status.ABSENT: "late",
    Status.DECLINED: "ended",
    Status.NOT_APPLICABLE: "ended",
}
STATUSES = tuple(StatusInfo(str(s.value), STATUS_NAMES[s.value], _TONES.get(s, "waiting")) for s in Status)


def _summary(row: AbsorbCourseEnrollment) -> EnrollmentSummary:
    return EnrollmentSummary(
        id=row.id,
        tenant=row.tenant,
        status=str(row.status),
        learner=row.full_name,
        course=row.course_name,
        progress=row.progress,
        due=row.date_due,
        updated=row.date_edited,
    )


def list_enrollments(session: Session, query: EnrollmentQuery) -> tuple[list[EnrollmentSummary], int]:
    rows, total = browse.page(
        session,
        select(CE),
        query,
        tenant_col=CE.tenant,
        status_col=CE.status,
        search_cols=(CE.full_name, CE.course_name, CE.id, CE.user_id, CE.course_id),
        order_by=(CE.course_name, CE.full_name, CE.id),
        status_value=browse.int_status,
    )
    return [_summary(row) for (row,) in rows], total


def _status_note(status: int) -> str:
    return f"{status} {STATUS_NAMES.get(status, '')}".strip()


def _lesson_node(session: Session, lesson: AbsorbLessonEnrollment) -> TreeNode:
    attempts = session.scalars(
        select(AbsorbAttempt).where(AbsorbAttempt.lesson_enrollment_id == lesson.id).order_by(AbsorbAttempt.sequence)
    )
    children = [
        TreeNode(f"attempt {a.sequence}", str(a.status), f"score {a.score:g}, started {iso(a.start_date)}")
        for a in attempts
    ]
    note = (
        f"{lesson.lesson_type}, {lesson.progress:g}% done, {lesson.attempts} attempt(s), {lesson.failures} failure(s)"
    )
    return TreeNode(lesson.name, str(lesson.status), note, children)


def _tree(session: Session, row: AbsorbCourseEnrollment) -> list[TreeNode]:
    chapters = session.scalars(
        select(AbsorbChapterEnrollment)
        .where(AbsorbChapterEnrollment.course_enrollment_id == row.id)
        .order_by(AbsorbChapterEnrollment.position)
    )
    out = []
    for chapter in chapters:
        lessons = session.scalars(
            select(AbsorbLessonEnrollment)
            .where(AbsorbLessonEnrollment.chapter_enrollment_id == chapter.id)
            .order_by(AbsorbLessonEnrollment.position)
        )
        children = [_lesson_node(session, lesson) for lesson in lessons]
        out.append(TreeNode(chapter.name, str(chapter.status), f"{chapter.progress:g}% done", children))
    return out


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentDetail | None:
    row = session.scalars(select(CE).where(CE.tenant == tenant, CE.id == enrollment_id)).first()
    if row is None:
        return None
    return EnrollmentDetail(
        summary=_summary(row),
        fields=list(wire.course_enrollment(row).items()),
        tree_title="Chapters, lessons and attempts",
        tree=_tree(session, row),
    )


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    return browse.status_counts(session, CE.tenant, CE.status)


HOOKS = DashboardHooks(
    statuses=STATUSES, list_enrollments=list_enrollments, get_enrollment=get_enrollment, status_counts=status_counts
)
