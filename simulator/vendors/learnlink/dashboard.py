"""Learn.link enrolments for the dashboard: learner and content names, and the event log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import browse
from simulator.core.browse import DashboardHooks, EnrollmentDetail, EnrollmentQuery, EnrollmentSummary, StatusInfo
from simulator.vendors.learnlink import states, wire
from simulator.vendors.learnlink.backend import enrolments
from simulator.vendors.learnlink.models import (
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkUser,
)

E, U, C = LearnlinkEnrolment, LearnlinkUser, LearnlinkContent

STATUSES = (
    StatusInfo(states.SCHEDULED, states.SCHEDULED, "idle"),
    StatusInfo(states.OPEN, states.OPEN, "active"),
    StatusInfo(states.OVERDUE, states.OVERDUE, "late"),
    StatusInfo(states.COMPLETE, states.COMPLETE, "done"),
    StatusInfo(states.ARCHIVED, states.ARCHIVED, "ended"),
)

_LEARNER = U.first_name + " " + U.last_name
_SELECT = (
    select(E, _LEARNER.label("learner"), C.title)
    .outerjoin(U, (U.id == E.user_id) & (U.tenant == E.tenant))
    .outerjoin(C, (C.id == E.primary_content_id) & (C.tenant == E.tenant))
)


def _summary(row: LearnlinkEnrolment, learner: str | None, title: str | None) -> EnrollmentSummary:
    return EnrollmentSummary(
        id=row.id,
        tenant=row.tenant,
        status=row.status,
        learner=learner or row.user_id,
        course=title or row.primary_content_id,
        due=row.due_date,
        updated=row.updated_at,
    )


def list_enrollments(session: Session, query: EnrollmentQuery) -> tuple[list[EnrollmentSummary], int]:
    rows, total = browse.page(
        session,
        _SELECT,
        query,
        tenant_col=E.tenant,
        status_col=E.status,
        search_cols=(_LEARNER, U.email, C.title, E.id, E.user_id, E.assignment_id),
        order_by=(E.due_date, E.id),
    )
    return [_summary(*row) for row in rows], total


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentDetail | None:
    found = session.execute(_SELECT.where(E.tenant == tenant, E.id == enrollment_id)).first()
    if found is None:
        return None
    row = found[0]
    history = [wire.history_entry(event) for event in enrolments.history(session, [row.id])[row.id]]
    return EnrollmentDetail(
        summary=_summary(*found),
        fields=list(wire.enrolment(row).items()),
        history_title="Event log (history)",
        history=history,
    )


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    return browse.status_counts(session, E.tenant, E.status)


HOOKS = DashboardHooks(
    statuses=STATUSES, list_enrollments=list_enrollments, get_enrollment=get_enrollment, status_counts=status_counts
)
