"""Docebo enrollments for the dashboard. An enrollment's id is "course_id:user_id" (its two keys)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import browse
from simulator.core.browse import DashboardHooks, EnrollmentDetail, EnrollmentQuery, EnrollmentSummary, StatusInfo
from simulator.vendors.docebo import states, wire
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser

E, U, C = DoceboEnrollment, DoceboUser, DoceboCourse

STATUSES = (
    StatusInfo(str(states.WAITING_LIST), states.STATUS_NAMES[states.WAITING_LIST], "waiting"),
    StatusInfo(str(states.TO_CONFIRM), states.STATUS_NAMES[states.TO_CONFIRM], "waiting"),
    StatusInfo(str(states.SUBSCRIBED), states.STATUS_NAMES[states.SUBSCRIBED], "idle"),
    StatusInfo(str(states.IN_PROGRESS), states.STATUS_NAMES[states.IN_PROGRESS], "active"),
    StatusInfo(str(states.COMPLETED), states.STATUS_NAMES[states.COMPLETED], "done"),
    StatusInfo(str(states.SUSPENDED), states.STATUS_NAMES[states.SUSPENDED], "ended"),
    StatusInfo(str(states.OVERBOOKING), states.STATUS_NAMES[states.OVERBOOKING], "waiting"),
)

_LEARNER = U.firstname + " " + U.lastname
_SELECT = (
    select(E, C, U.username, _LEARNER)
    .join(C, (C.tenant == E.tenant) & (C.id == E.course_id))
    .outerjoin(U, (U.tenant == E.tenant) & (U.id == E.user_id))
)


def _id(row: DoceboEnrollment) -> str:
    return f"{row.course_id}:{row.user_id}"


def _summary(row: DoceboEnrollment, course: DoceboCourse, username: str | None, name: str | None) -> EnrollmentSummary:
    learner = (name or "").strip() or username or str(row.user_id)
    return EnrollmentSummary(
        id=_id(row),
        tenant=row.tenant,
        status=str(row.status),
        learner=learner,
        course=course.name,
        due=row.date_expire_validity,
        updated=row.date_last_access or row.date_inscr,
    )


def list_enrollments(session: Session, query: EnrollmentQuery) -> tuple[list[EnrollmentSummary], int]:
    rows, total = browse.page(
        session,
        _SELECT,
        query,
        tenant_col=E.tenant,
        status_col=E.status,
        search_cols=(_LEARNER, U.username, C.name, C.code, E.course_id, E.user_id),
        order_by=(C.name, E.user_id),
        status_value=browse.int_status,
    )
    return [_summary(*row) for row in rows], total


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentDetail | None:
    course_id, _, user_id = enrollment_id.partition(":")
    if not (course_id.isdigit() and user_id.isdigit()):
        return None
    found = session.execute(
        _SELECT.where(E.tenant == tenant, E.course_id == int(course_id), E.user_id == int(user_id))
    ).first()
    if found is None:
        return None
    row, course, username, _ = found
    item = wire.enrollment_item(row, course, username or "")
    record = wire.enrollment_record(row, course)
    # The single view's integer codes first, then what only the list item says (status and level names).
    fields = list(record.items()) + [(k, v) for k, v in item.items() if k not in record]
    return EnrollmentDetail(summary=_summary(*found), fields=fields)


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    return browse.status_counts(session, E.tenant, E.status)


HOOKS = DashboardHooks(
    statuses=STATUSES, list_enrollments=list_enrollments, get_enrollment=get_enrollment, status_counts=status_counts
)
