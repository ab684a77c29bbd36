"""MSPortal enrollments for the dashboard (fields as the API renders them, plus the certificate)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import browse
from simulator.core.browse import DashboardHooks, EnrollmentDetail, EnrollmentQuery, EnrollmentSummary, StatusInfo
from simulator.vendors.msportal import states, wire
from simulator.vendors.msportal.models import MspCertificate, MspCourse, MspEnrollment, MspUser

E, U, C = MspEnrollment, MspUser, MspCourse

STATUSES = (
    StatusInfo(states.NOT_STARTED, states.NOT_STARTED, "idle"),
    StatusInfo(states.IN_PROGRESS, states.IN_PROGRESS, "active"),
    StatusInfo(states.COMPLETED, states.COMPLETED, "done"),
)

_SELECT = select(E, C, U).join(C, C.id == E.course_id).join(U, U.id == E.user_id)


def _summary(row: MspEnrollment, course: MspCourse, user: MspUser) -> EnrollmentSummary:
    return EnrollmentSummary(
        id=row.id,
        tenant=row.tenant,
        status=row.status,
        learner=user.full_name,
        course=course.title,
        progress=row.progress,
        due=row.due_date,
        updated=row.completed_at or row.started_at or row.enrolled_at,
    )


def list_enrollments(session: Session, query: EnrollmentQuery) -> tuple[list[EnrollmentSummary], int]:
    rows, total = browse.page(
        session,
        _SELECT,
        query,
        tenant_col=E.tenant,
        status_col=E.status,
        search_cols=(U.full_name, U.email, C.title, E.id),
        order_by=(E.enrolled_at.desc(), E.id),
    )
    return [_summary(*row) for row in rows], total


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentDetail | None:
    found = session.execute(_SELECT.where(E.tenant == tenant, E.id == enrollment_id)).first()
    if found is None:
        return None
    row, course, user = found
    certificates = session.scalars(
        select(MspCertificate).where(MspCertificate.enrollment_id == row.id).order_by(MspCertificate.issued_at)
    )
    history = [wire.certificate(cert, course, user) for cert in certificates]
    return EnrollmentDetail(
        summary=_summary(*found),
        fields=list(wire.enrollment(row, course, user).items()),
        history_title="Certificates" if history else "",
        history=[
            {k: v for k, v in cert.items() if k in ("certificateNumber", "issuedAt", "expiresAt", "isRevoked")}
            for cert in history
        ],
    )


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    return browse.status_counts(session, E.tenant, E.status)


HOOKS = DashboardHooks(
    statuses=STATUSES, list_enrollments=list_enrollments, get_enrollment=get_enrollment, status_counts=status_counts
)
