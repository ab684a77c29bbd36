"""MSPortal training rules: enrollments, courses and certificates of one tenant.

No HTTP here: functions take the request's store (or a session), the tenant and the
simulated `now`, and raise `ApiError` with MSPortal's statuses and codes. Reads and the
PATCH of an enrollment run fixed statements on the cursor (`core.store.Statement`) and
return the values the wire form shows; the ORM is used where a write needs its unit of
work (bulk enroll, a course update, issuing a certificate).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement, Store
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


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", code="NOT_FOUND")


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
# Where a PATCH finds, in those values, what it may change (`_ENROLLMENT_FOR_UPDATE` adds
# the course's rules after them).
_E_ID, _E_COURSE, _E_USER = 0, 1, 4
_E_STATUS, _E_PROGRESS, _E_SCORE = 7, 8, 9
_E_STARTED, _E_COMPLETED, _E_DUE, _E_CERTIFICATE = 11, 12, 13, 15
_E_PASSING, _E_EXPIRES_AFTER = len(ENROLLMENT_WIRE_COLUMNS), len(ENROLLMENT_WIRE_COLUMNS) + 1


def _enrollments(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
        .join(MspUser, MspUser.id == MspEnrollment.user_id)
    )


# Reads of enrollments run on the DBAPI cursor (see `core.store`): loading ORM entities cost
# more than the database's own work, and a read needs their values only.
_BY_ID = (MspEnrollment.tenant == bindparam("tenant"), MspEnrollment.id == bindparam("enrollment_id"))
_ENROLLMENT_VALUES_BY_ID = Statement(_enrollments(*ENROLLMENT_WIRE_COLUMNS).where(*_BY_ID))
_ENROLLMENT_FOR_UPDATE = Statement(
    _enrollments(*ENROLLMENT_WIRE_COLUMNS, MspCourse.passing_score, MspCourse.expires_after_days).where(*_BY_ID)
)


def get_enrollment_values(store: Source, tenant: str, enrollment_id: str) -> tuple[Any, ...]:
    """One enrollment's wire values (`ENROLLMENT_WIRE_COLUMNS`), for reading only."""
    found = _ENROLLMENT_VALUES_BY_ID.first(store, {"tenant": tenant, "enrollment_id": enrollment_id})
    if found is None:
        raise not_found("Enrollment")
    return found


# The list's filters (query name -> column); a page statement and a count statement are built
# once for each combination a client uses (at most sixteen).
_ENROLLMENT_FILTERS = {
    "userId": MspEnrollment.user_id,
    "courseId": MspEnrollment.course_id,
    "status": MspEnrollment.status,
    "companyId": MspEnrollment.company_id,
}
_PAGE = (bindparam("limit", type_=Integer), bindparam("offset", type_=Integer))


@functools.cache
def _enrollment_list_statements(filters: tuple[str, ...]) -> tuple[Statement, Statement]:
    conditions = [MspEnrollment.tenant == bindparam("tenant")]
    conditions += [_ENROLLMENT_FILTERS[name] == bindparam(name) for name in filters]
    limit, offset = _PAGE
    page = (
        _enrollments(*ENROLLMENT_WIRE_COLUMNS)
        .where(*conditions)
        .order_by(MspEnrollment.enrolled_at.desc(), MspEnrollment.id)
        .limit(limit)
        .offset(offset)
    )
    count = select(func.count()).select_from(MspEnrollment).where(*conditions)
    return Statement(page), Statement(count)


def _page(
    page_of: Statement, count_of: Statement, store: Source, params: Mapping[str, Any], *, page: int, limit: int
) -> tuple[list[tuple[Any, ...]], Page]:
    """A page of rows and the count behind it, in the same transaction.

    A page that is neither full nor past the end (the last page, often the only one) tells
    the total itself: the rows it skipped plus the rows it holds. Only otherwise is the
    count run.
    """
    offset = (page - 1) * limit
    rows = page_of.rows(store, {**params, "limit": limit, "offset": offset})
    if len(rows) < limit and (rows or not offset):
        total = offset + len(rows)
    else:
        total = int(count_of.scalar(store, params) or 0)
    return rows, Page(page, limit, total)


def list_enrollment_values(
    store: Source, tenant: str, *, page: int, limit: int, filters: Mapping[str, Any]
) -> tuple[list[tuple[Any, ...]], Page]:
    """A page of enrollments' wire values (`ENROLLMENT_WIRE_COLUMNS`) and the count behind it."""
    used = tuple(name for name in _ENROLLMENT_FILTERS if name in filters)
    page_of, count_of = _enrollment_list_statements(used)
    params = {"tenant": tenant, **{name: filters[name] for name in used}}
    return _page(page_of, count_of, store, params, page=page, limit=limit)


_SAVE_ENROLLMENT = Statement(
    update(MspEnrollment)
    .where(*_BY_ID)
    .values(
        status=bindparam("new_status", type_=MspEnrollment.status.type),
        progress=bindparam("new_progress", type_=MspEnrollment.progress.type),
        score=bindparam("new_score", type_=MspEnrollment.score.type),
        due_date=bindparam("new_due_date", type_=MspEnrollment.due_date.type),
        started_at=bindparam("new_started_at", type_=MspEnrollment.started_at.type),
        completed_at=bindparam("new_completed_at", type_=MspEnrollment.completed_at.type),
        certificate_id=bindparam("new_certificate_id", type_=MspEnrollment.certificate_id.type),
    )
)


def update_enrollment(
    store: Store, tenant: str, enrollment_id: str, changes: Mapping[str, Any], now: dt.datetime
) -> tuple[Any, ...]:
    """Apply the changes; returns the enrollment's wire values as they now are.

    One read (the enrollment with its course's rules) and one UPDATE; the ORM only when a
    certificate is issued (its seeded ids come from the session).
    """
    found = _ENROLLMENT_FOR_UPDATE.first(store, {"tenant": tenant, "enrollment_id": enrollment_id})
    if found is None:
        raise not_found("Enrollment")
    values = list(found[:_E_PASSING])
    was = values[_E_STATUS]
    status = changes.get("status", was)
    _refuse_contradictions(status, changes)
    if "progress" in changes:
        values[_E_PROGRESS] = float(changes["progress"])
    if "score" in changes:
        values[_E_SCORE] = float(changes["score"])
    if "dueDate" in changes:
        values[_E_DUE] = changes["dueDate"]
    values[_E_STATUS] = status
    if status == states.NOT_STARTED and "status" in changes:
        values[_E_PROGRESS], values[_E_STARTED] = 0.0, None  # what not started means
    elif values[_E_STARTED] is None and (status != states.NOT_STARTED or values[_E_PROGRESS] > 0):
        values[_E_STARTED] = now
    if status == states.COMPLETED:
        if was != states.COMPLETED:
            values[_E_COMPLETED] = now
        values[_E_PROGRESS] = 100.0
        if values[_E_CERTIFICATE] is None and passes(found[_E_PASSING], values[_E_SCORE]):
            values[_E_CERTIFICATE] = issue_certificate(
                store.session,
                tenant,
                enrollment_id=enrollment_id,
                course_id=values[_E_COURSE],
                user_id=values[_E_USER],
                expires_after_days=found[_E_EXPIRES_AFTER],
                now=now,
            )
    elif was == states.COMPLETED:
        values[_E_COMPLETED] = None
        if values[_E_CERTIFICATE] is not None:
            revoke_certificate(store, tenant, values[_E_CERTIFICATE], now, f"Enrollment moved back to {status}")
            values[_E_CERTIFICATE] = None
    _SAVE_ENROLLMENT.execute(
        store,
        {
            "tenant": tenant,
            "enrollment_id": enrollment_id,
            "new_status": values[_E_STATUS],
            "new_progress": values[_E_PROGRESS],
            "new_score": values[_E_SCORE],
            "new_due_date": values[_E_DUE],
            "new_started_at": values[_E_STARTED],
            "new_completed_at": values[_E_COMPLETED],
            "new_certificate_id": values[_E_CERTIFICATE],
        },
    )
    return tuple(values)


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


def passes(passing_score: float | None, score: float | None) -> bool:
    """Whether a score earns the course's certificate (any score does when it has no pass mark)."""
    if passing_score is None:
        return True
    return score is not None and score >= passing_score


def issue_certificate(
    session: Session,
    tenant: str,
    *,
    enrollment_id: str,
    course_id: str,
    user_id: str,
    expires_after_days: int | None,
    now: dt.datetime,
) -> str:
    """Issue a completed enrollment's certificate; its id."""
    number = ids.next_value(session, f"msportal:{tenant}:certificate-number")
    cert = MspCertificate(
        id=ids.new_uuid(session, f"msportal:{tenant}:certificate"),
        tenant=tenant,
        enrollment_id=enrollment_id,
        course_id=course_id,
        user_id=user_id,
        certificate_number=f"CERT-{now.year}-{number:06d}",
        verification_code=ids.new_hex(session, f"msportal:{tenant}:verification", 10).upper(),
        issued_at=now,
        expires_at=now + dt.timedelta(days=expires_after_days) if expires_after_days else None,
    )
    session.add(cert)
    return cert.id


_REVOKE_CERTIFICATE = Statement(
    update(MspCertificate)
    .where(
        MspCertificate.tenant == bindparam("tenant"),
        MspCertificate.id == bindparam("certificate_id"),
        MspCertificate.is_revoked.is_(False),
    )
    .values(
        is_revoked=True,
        revoked_at=bindparam("now", type_=MspCertificate.revoked_at.type),
        revoked_reason=bindparam("reason", type_=MspCertificate.revoked_reason.type),
    )
)


def revoke_certificate(store: Source, tenant: str, certificate_id: str, now: dt.datetime, reason: str) -> None:
    """Revoke a certificate unless it already is (a revocation keeps its first date and reason)."""
    _REVOKE_CERTIFICATE.execute(
        store, {"tenant": tenant, "certificate_id": certificate_id, "now": now, "reason": reason}
    )


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


# What a course's wire form shows, in the order `wire.course_from_values` reads it: the
# course, its company's name (when the company is the tenant's) and its enrollment count.
_ENROLLMENT_COUNT = (
    select(func.count())
    .where(MspEnrollment.tenant == MspCourse.tenant, MspEnrollment.course_id == MspCourse.id)
    .scalar_subquery()
)
COURSE_WIRE_COLUMNS = (
    MspCourse.id,
    MspCourse.title,
    MspCourse.description,
    MspCourse.course_type,
    MspCourse.course_category,
    MspCourse.is_mandatory,
    MspCourse.passing_score,
    MspCourse.duration,
    MspCourse.max_attempts,
    MspCourse.expires_after_days,
    MspCourse.artwork_url,
    MspCourse.youtube_url,
    MspCourse.is_global,
    MspCourse.company_id,
    MspCompany.name,
    _ENROLLMENT_COUNT,
    MspCourse.created_at,
    MspCourse.updated_at,
    MspCourse.scorm_url,
    MspCourse.course_metadata,
)
_COURSES = select(*COURSE_WIRE_COLUMNS).outerjoin(
    MspCompany, and_(MspCompany.id == MspCourse.company_id, MspCompany.tenant == MspCourse.tenant)
)
_COURSE_VALUES_BY_ID = Statement(
    _COURSES.where(MspCourse.tenant == bindparam("tenant"), MspCourse.id == bindparam("course_id"))
)
_COURSE_PAGE = Statement(
    _COURSES.where(MspCourse.tenant == bindparam("tenant"))
    .order_by(MspCourse.title, MspCourse.id)
    .limit(_PAGE[0])
    .offset(_PAGE[1])
)
_COURSE_COUNT = Statement(select(func.count()).select_from(MspCourse).where(MspCourse.tenant == bindparam("tenant")))


def get_course_values(store: Source, tenant: str, course_id: str) -> tuple[Any, ...]:
    """One course's wire values (`COURSE_WIRE_COLUMNS`)."""
    found = _COURSE_VALUES_BY_ID.first(store, {"tenant": tenant, "course_id": course_id})
    if found is None:
        raise not_found("Course")
    return found


def list_course_values(store: Source, tenant: str, *, page: int, limit: int) -> tuple[list[tuple[Any, ...]], Page]:
    return _page(_COURSE_PAGE, _COURSE_COUNT, store, {"tenant": tenant}, page=page, limit=limit)


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


# What a certificate's wire form shows, in the order `wire.certificate_from_values` reads it.
CERTIFICATE_WIRE_COLUMNS = (
    MspCertificate.id,
    MspCertificate.enrollment_id,
    MspCertificate.certificate_number,
    MspCertificate.verification_code,
    MspCertificate.issued_at,
    MspCertificate.expires_at,
    MspCertificate.is_revoked,
    MspCertificate.revoked_at,
    MspCertificate.revoked_reason,
    MspCourse.id,
    MspCourse.title,
    MspUser.id,
    MspUser.full_name,
)
_CERTIFICATE_FILTERS = {"userId": MspCertificate.user_id, "courseId": MspCertificate.course_id}


@functools.cache
def _certificate_list_statements(filters: tuple[str, ...], include_revoked: bool) -> tuple[Statement, Statement]:
    conditions = [MspCertificate.tenant == bindparam("tenant")]
    if not include_revoked:
        conditions.append(MspCertificate.is_revoked.is_(False))
    conditions += [_CERTIFICATE_FILTERS[name] == bindparam(name) for name in filters]
    page = (
        select(*CERTIFICATE_WIRE_COLUMNS)
        .join(MspCourse, MspCourse.id == MspCertificate.course_id)
        .join(MspUser, MspUser.id == MspCertificate.user_id)
        .where(*conditions)
        .order_by(MspCertificate.issued_at.desc(), MspCertificate.id)
        .limit(_PAGE[0])
        .offset(_PAGE[1])
    )
    count = select(func.count()).select_from(MspCertificate).where(*conditions)
    return Statement(page), Statement(count)


def list_certificate_values(
    store: Source, tenant: str, *, page: int, limit: int, filters: Mapping[str, Any]
) -> tuple[list[tuple[Any, ...]], Page]:
    """A page of certificates' wire values (`CERTIFICATE_WIRE_COLUMNS`) and the count behind it."""
    used = tuple(name for name in _CERTIFICATE_FILTERS if name in filters)
    page_of, count_of = _certificate_list_statements(used, bool(filters.get("includeRevoked", False)))
    params = {"tenant": tenant, **{name: filters[name] for name in used}}
    return _page(page_of, count_of, store, params, page=page, limit=limit)
