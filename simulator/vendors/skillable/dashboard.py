"""Skillable TMS class enrollments for the dashboard (status: EnrollmentStatusId; completion shown beside it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import browse
from simulator.core.browse import DashboardHooks, EnrollmentDetail, EnrollmentQuery, EnrollmentSummary, StatusInfo, Tone
from simulator.vendors.skillable import wire
from simulator.vendors.skillable.models import SkillableClass, SkillableClassEnrollment, SkillableUser
from simulator.vendors.skillable.states import CompletionStatus, EnrollmentStatus

E, U, C = SkillableClassEnrollment, SkillableUser, SkillableClass

_TONES: dict[EnrollmentStatus, Tone] = {
    EnrollmentStatus.REQUEST: "waiting",
    EnrollmentStatus.CANCEL: "ended",
    EnrollmentStatus.WAITLIST: "waiting",
    EnrollmentStatus.APPROVE: "idle",
    EnrollmentStatus.DENY: "late",
    EnrollmentStatus.AUDIT: "active",
    EnrollmentStatus.ENROLL: "active",
}
STATUSES = tuple(StatusInfo(str(s.value), s.name.title(), _TONES[s]) for s in EnrollmentStatus)

_LEARNER = U.first_name + " " + U.last_name
_SELECT = (
    select(E, _LEARNER, C.name, C.start)
    .outerjoin(U, (U.id == E.user_id) & (U.tenant == E.tenant))
    .outerjoin(C, (C.id == E.class_id) & (C.tenant == E.tenant))
)


def _summary(
    row: SkillableClassEnrollment, learner: str | None, class_name: str | None, *_: object
) -> EnrollmentSummary:
    return EnrollmentSummary(
        id=str(row.id),
        tenant=row.tenant,
        status=str(row.enrollment_status_id),
        learner=learner or str(row.user_id),
        course=class_name or str(row.class_id),
        updated=row.last_modified,
    )


def list_enrollments(session: Session, query: EnrollmentQuery) -> tuple[list[EnrollmentSummary], int]:
    rows, total = browse.page(
        session,
        _SELECT,
        query,
        tenant_col=E.tenant,
        status_col=E.enrollment_status_id,
        search_cols=(_LEARNER, U.email, C.name, E.id, E.external_id, E.class_id, E.user_id),
        order_by=(C.start, E.id),
        status_value=browse.int_status,
    )
    return [_summary(*row) for row in rows], total


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentDetail | None:
    if not enrollment_id.isdigit():
        return None
    found = session.execute(_SELECT.where(E.tenant == tenant, E.id == int(enrollment_id))).first()
    if found is None:
        return None
    row = found[0]
    klass = session.get(C, row.class_id)
    completion = CompletionStatus(row.completion_status_id).name.replace("_", " ").title()
    return EnrollmentDetail(
        summary=_summary(*found),
        fields=[*wire.class_enrollment(row).items(), ("CompletionStatus (name)", completion)],
        history_title="Class" if klass else "",
        history=[wire.klass(klass)] if klass else [],
    )


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    return browse.status_counts(session, E.tenant, E.enrollment_status_id)


HOOKS = DashboardHooks(
    statuses=STATUSES, list_enrollments=list_enrollments, get_enrollment=get_enrollment, status_counts=status_counts
)
