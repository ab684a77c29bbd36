"""MSPortal training rules: enrollments, courses and certificates of one tenant.

No HTTP here: functions take a session, the tenant and the simulated `now`, and raise
`ApiError` with MSPortal's statuses and codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement
from simulator.vendors.msportal import states
from simulator.vendors.msportal.models import MspCertificate, MspCompany, MspCourse, MspEnrollment, MspUser


@dataclass(frozen=True)
class Page:
    page: int
    limit: int
    total: int

    @property
    def pages(self) -> int:
        return (self.total + self.limit - 1) // self.limit


EnrollmentView = tuple[MspEnrollment, MspCourse, MspUser]


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", code="NOT_FOUND")


def _enrollment_query(tenant: str) -> Select[MspEnrollment, MspCourse, MspUser]:
    return (
        select(MspEnrollment, MspCourse, MspUser)
        .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
        .join(MspUser, MspUser.id == MspEnrollment.user_id)
        .where(MspEnrollment.tenant == tenant)
    )


# The single-record read is the hottest statement: built once, so a request only binds values.
_ENROLLMENT_BY_ID = (
    select(MspEnrollment, MspCourse, MspUser)
    .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
    .join(MspUser, MspUser.id == MspEnrollment.user_id)
    .where(MspEnrollment.tenant == bindparam("tenant"), MspEnrollment.id == bindparam("enrollment_id"))
)


# What an enrollment's wire form shows, in the order `wire.enrollment_from_values` reads it.
ENROLLMENT_WIRE_COLUMNS = (
    MspEnrollment.id,
    MspCourse.id,
    MspCourse.title,
    MspCourse.course_type,
    MspUser.id,
    MspUser.full_name,
    MspUser.email,
    MspEnrollment.status,
    MspEnrollment.progress,
    MspEnrollment.score,
    MspEnrollment.enrolled_at,
    MspEnrollment.started_at,
    MspEnrollment.completed_at,
    MspEnrollment.due_date,
    MspEnrollment.time_spent_seconds,
    MspEnrollment.certificate_id,
    MspEnrollment.company_id,
)

# GET of one enrollment on the DBAPI cursor: loading three ORM entities was half of the
# request's cost, and a read needs their values only (see `core.store`).
_ENROLLMENT_VALUES_BY_ID = Statement(
    select(*ENROLLMENT_WIRE_COLUMNS)
    .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
    .join(MspUser, MspUser.id == MspEnrollment.user_id)
    .where(MspEnrollment.tenant == bindparam("tenant"), MspEnrollment.id == bindparam("enrollment_id"))
)


def get_enrollment_values(store: Source, tenant: str, enrollment_id: str) -> tuple[Any, ...]:
    """One enrollment's wire values (`ENROLLMENT_WIRE_COLUMNS`), for reading only."""
    rows = _ENROLLMENT_VALUES_BY_ID.rows(store, {"tenant": tenant, "enrollment_id": enrollment_id})
    if not rows:
        raise not_found("Enrollment")
    return rows[0]


def get_enrollment(session: Session, tenant: str, enrollment_id: str) -> EnrollmentView:
    row = session.execute(_ENROLLMENT_BY_ID, {"tenant": tenant, "enrollment_id": enrollment_id}).first()
    if row is None:
        raise not_found("Enrollment")
    return row[0], row[1], row[2]


def list_enrollments(
    session: Session, tenant: str, *, page: int, limit: int, filters: Mapping[str, Any]
) -> tuple[list[EnrollmentView], Page]:
    conditions = [MspEnrollment.tenant == tenant]
    if "userId" in filters:
        conditions.append(MspEnrollment.user_id == filters["userId"])
    if "courseId" in filters:
        conditions.append(MspEnrollment.course_id == filters["courseId"])
    if "status" in filters:
        conditions.append(MspEnrollment.status == filters["status"])
    if "companyId" in filters:
        conditions.append(MspEnrollment.company_id == filters["companyId"])
    total = session.scalar(select(func.count()).select_from(MspEnrollment).where(*conditions)) or 0
    stmt = (
        _enrollment_query(tenant)
        .where(*conditions[1:])
        .order_by(MspEnrollment.enrolled_at.desc(), MspEnrollment.id)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return list(session.execute(stmt)), Page(page, limit, int(total))


def update_enrollment(
    session: Session, tenant: str, enrollment_id: str, changes: Mapping[str, Any], now: dt.datetime
) -> EnrollmentView:
    """Apply the changes; returns the enrollment as it now is (one read, not a second query)."""
    enrollment, course, user = get_enrollment(session, tenant, enrollment_id)
    was = enrollment.status
    status = changes.get("status", was)
    _refuse_contradictions(status, changes)
    if "progress" in changes:
        enrollment.progress = float(changes["progress"])
    if "score" in changes:
        enrollment.score = float(changes["score"])
    if "dueDate" in changes:
        enrollment.due_date = changes["dueDate"]
    enrollment.status = status
    if status == states.NOT_STARTED and "status" in changes:
        enrollment.progress, enrollment.started_at = 0.0, None  # what not started means
    elif enrollment.started_at is None and (status != states.NOT_STARTED or enrollment.progress > 0):
        enrollment.started_at = now
    if status == states.COMPLETED:
        if was != states.COMPLETED:
            enrollment.completed_at = now
        enrollment.progress = 100.0
        if enrollment.certificate_id is None and passes(course, enrollment.score):
            issue_certificate(session, enrollment, course, now)
    elif was == states.COMPLETED:
        enrollment.completed_at = None
        revoke_certificate(session, enrollment, now, f"Enrollment moved back to {status}")
    return enrollment, course, user


# The progress a status implies: a PATCH that sets the status with another progress, or
# changes the progress of a completed enrollment, is refused rather than rewritten.
_IMPLIED_PROGRESS = {states.COMPLETED: 100.0, states.NOT_STARTED: 0.0}


def _refuse_contradictions(status: str, changes: Mapping[str, Any]) -> None:
    """A 400 naming the conflict when `progress` disagrees with the status the enrollment will have.

    Answering 200 with another value than the one sent would hide the conflict from the
    client; applying it would store a completed enrollment at 50%.
    """
    implied = _IMPLIED_PROGRESS.get(status)
    if "progress" not in changes or implied is None or float(changes["progress"]) == implied:
        return
    if status == states.NOT_STARTED and "status" not in changes:
        return  # progress on a not-started enrollment is applied (it stamps startedAt)
    if "status" in changes:
        message = f"progress must be {implied:g} when status is {status} (got {changes['progress']:g})"
    else:
        message = (
            f"the enrollment is {status}, so its progress is {implied:g}: send status in_progress "
            f"with the progress to change it (got {changes['progress']:g})"
        )
    raise ApiError(
        400, "Validation error", code="VALIDATION_ERROR", details=[{"field": "body.progress", "message": message}]
    )


def passes(course: MspCourse, score: float | None) -> bool:
    if course.passing_score is None:
        return True
    return score is not None and score >= course.passing_score


def issue_certificate(
    session: Session, enrollment: MspEnrollment, course: MspCourse, now: dt.datetime
) -> MspCertificate:
    tenant = enrollment.tenant
    number = ids.next_value(session, f"msportal:{tenant}:certificate-number")
    cert = MspCertificate(
        id=ids.new_uuid(session, f"msportal:{tenant}:certificate"),
        tenant=tenant,
        enrollment_id=enrollment.id,
        course_id=course.id,
        user_id=enrollment.user_id,
        certificate_number=f"CERT-{now.year}-{number:06d}",
        verification_code=ids.new_hex(session, f"msportal:{tenant}:verification", 10).upper(),
        issued_at=now,
        expires_at=now + dt.timedelta(days=course.expires_after_days) if course.expires_after_days else None,
    )
    session.add(cert)
    enrollment.certificate_id = cert.id
    return cert


def revoke_certificate(session: Session, enrollment: MspEnrollment, now: dt.datetime, reason: str) -> None:
    if enrollment.certificate_id is None:
        return
    cert = session.get(MspCertificate, enrollment.certificate_id)
    if cert is not None and not cert.is_revoked:
        cert.is_revoked, cert.revoked_at, cert.revoked_reason = True, now, reason
    enrollment.certificate_id = None


def bulk_enroll(
    session: Session,
    tenant: str,
    *,
    course_id: str,
    user_ids: Sequence[str],
    company_id: str | None,
    due_date: dt.datetime | None,
    now: dt.datetime,
) -> tuple[int, int, int]:
    """Enroll users in a course; those already enrolled are skipped. Returns (enrolled, skipped, total)."""
    get_course(session, tenant, course_id)
    wanted = list(dict.fromkeys(user_ids))
    known = set(session.scalars(select(MspUser.id).where(MspUser.tenant == tenant, MspUser.id.in_(wanted))))
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise ApiError(404, "Some users do not exist", code="NOT_FOUND", details={"userIds": unknown})
    if company_id is not None:
        require_company(session, tenant, company_id)
    already = set(
        session.scalars(
            select(MspEnrollment.user_id).where(
                MspEnrollment.tenant == tenant, MspEnrollment.course_id == course_id, MspEnrollment.user_id.in_(wanted)
            )
        )
    )
    fresh = [u for u in wanted if u not in already]
    for user_id in fresh:
        session.add(
            MspEnrollment(
                id=ids.new_uuid(session, f"msportal:{tenant}:enrollment"),
                tenant=tenant,
                course_id=course_id,
                user_id=user_id,
                status=states.NOT_STARTED,
                progress=0.0,
                enrolled_at=now,
                due_date=due_date,
                company_id=company_id,
            )
        )
    return len(fresh), len(wanted) - len(fresh), len(wanted)


def require_company(session: Session, tenant: str, company_id: str) -> MspCompany:
    company = session.get(MspCompany, company_id)
    if company is None or company.tenant != tenant:
        raise ApiError(404, "Company not found", code="NOT_FOUND", details={"companyId": company_id})
    return company


def get_course(session: Session, tenant: str, course_id: str) -> MspCourse:
    course = session.get(MspCourse, course_id)
    if course is None or course.tenant != tenant:
        raise not_found("Course")
    return course


def list_courses(session: Session, tenant: str, *, page: int, limit: int) -> tuple[list[MspCourse], Page]:
    total = session.scalar(select(func.count()).select_from(MspCourse).where(MspCourse.tenant == tenant)) or 0
    stmt = (
        select(MspCourse)
        .where(MspCourse.tenant == tenant)
        .order_by(MspCourse.title, MspCourse.id)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return list(session.scalars(stmt)), Page(page, limit, int(total))


def enrollment_counts(session: Session, tenant: str, course_ids: Sequence[str]) -> dict[str, int]:
    if not course_ids:
        return {}
    stmt = (
        select(MspEnrollment.course_id, func.count())
        .where(MspEnrollment.tenant == tenant, MspEnrollment.course_id.in_(course_ids))
        .group_by(MspEnrollment.course_id)
    )
    return {course_id: int(n) for course_id, n in session.execute(stmt)}


_COURSE_FIELDS = {
    "title": "title",
    "description": "description",
    "courseType": "course_type",
    "courseCategory": "course_category",
    "isMandatory": "is_mandatory",
    "passingScore": "passing_score",
    "duration": "duration",
    "maxAttempts": "max_attempts",
    "expiresAfterDays": "expires_after_days",
    "youtubeUrl": "youtube_url",
    "artworkUrl": "artwork_url",
}


def update_course(
    session: Session, tenant: str, course_id: str, changes: Mapping[str, Any], now: dt.datetime
) -> MspCourse:
    course = get_course(session, tenant, course_id)
    if changes.get("companyId") is not None:
        require_company(session, tenant, changes["companyId"])
    if "companyId" in changes:
        course.company_id = changes["companyId"]
    for wire_name, attr in _COURSE_FIELDS.items():
        if wire_name in changes:
            setattr(course, attr, changes[wire_name])
    course.updated_at = now
    return course


def company_names(session: Session, tenant: str, company_ids: Sequence[str | None]) -> dict[str, str]:
    wanted = [c for c in set(company_ids) if c]
    if not wanted:
        return {}
    rows = session.execute(
        select(MspCompany.id, MspCompany.name).where(MspCompany.tenant == tenant, MspCompany.id.in_(wanted))
    )
    return dict(rows.all())


def list_certificates(
    session: Session, tenant: str, *, page: int, limit: int, filters: Mapping[str, Any]
) -> tuple[list[tuple[MspCertificate, MspCourse, MspUser]], Page]:
    conditions = [MspCertificate.tenant == tenant]
    if not filters.get("includeRevoked", False):
        conditions.append(MspCertificate.is_revoked.is_(False))
    if "userId" in filters:
        conditions.append(MspCertificate.user_id == filters["userId"])
    if "courseId" in filters:
        conditions.append(MspCertificate.course_id == filters["courseId"])
    total = session.scalar(select(func.count()).select_from(MspCertificate).where(*conditions)) or 0
    stmt = (
        select(MspCertificate, MspCourse, MspUser)
        .join(MspCourse, MspCourse.id == MspCertificate.course_id)
        .join(MspUser, MspUser.id == MspCertificate.user_id)
        .where(*conditions)
        .order_by(MspCertificate.issued_at.desc(), MspCertificate.id)
        .limit(limit)
        .offset((page - 1) * limit)
    )
    return list(session.execute(stmt)), Page(page, limit, int(total))
