"""MSPortal rows to wire JSON: camelCase, UUID strings, ISO 8601 times with milliseconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.core.clock import iso
from simulator.vendors.msportal.backend import ENROLLMENT_WIRE_COLUMNS, Page
from simulator.vendors.msportal.models import MspCertificate, MspCourse, MspEnrollment, MspUser


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# Where each of `backend.ENROLLMENT_WIRE_COLUMNS` lives on the (enrollment, course, user)
# entities the ORM path holds: one list of columns serves both paths.
_ENTITY_INDEX: dict[Any, int] = {MspEnrollment: 0, MspCourse: 1, MspUser: 2}
_ENROLLMENT_ATTRIBUTES = tuple((_ENTITY_INDEX[c.class_], c.key) for c in ENROLLMENT_WIRE_COLUMNS)


def enrollment(e: MspEnrollment, course: MspCourse, user: MspUser) -> dict[str, Any]:
    entities = (e, course, user)
    return enrollment_from_values([getattr(entities[which], name) for which, name in _ENROLLMENT_ATTRIBUTES])


def enrollment_from_values(values: Sequence[Any]) -> dict[str, Any]:
    """An enrollment's wire form from its values in `backend.ENROLLMENT_WIRE_COLUMNS` order."""
    (
        enrollment_id,
        course_id,
        title,
        course_type,
        user_id,
        full_name,
        email,
        status,
        progress,
        score,
        enrolled_at,
        started_at,
        completed_at,
        due_date,
        time_spent_seconds,
        certificate_id,
        company_id,
    ) = values
    return {
        "id": enrollment_id,
        "course": {"id": course_id, "title": title, "courseType": course_type},
        "user": {"id": user_id, "fullName": full_name, "email": email},
        "status": status,
        "progress": _number(progress),
        "score": _number(score),
        "enrolledAt": iso(enrolled_at, millis=True),
        "startedAt": iso(started_at, millis=True),
        "completedAt": iso(completed_at, millis=True),
        "dueDate": iso(due_date, millis=True),
        "timeSpentSeconds": _number(time_spent_seconds),
        "certificateId": certificate_id,
        "companyId": company_id,
    }


def course(c: MspCourse, company_name: str | None, enrollment_count: int) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "courseType": c.course_type,
        "courseCategory": c.course_category,
        "isMandatory": c.is_mandatory,
        "passingScore": _number(c.passing_score),
        "duration": c.duration,
        "maxAttempts": c.max_attempts,
        "expiresAfterDays": c.expires_after_days,
        "artworkUrl": c.artwork_url,
        "youtubeUrl": c.youtube_url,
        "isGlobal": c.is_global,
        "company": {"id": c.company_id, "name": company_name} if c.company_id else None,
        "enrollmentCount": enrollment_count,
        "createdAt": iso(c.created_at, millis=True),
        "updatedAt": iso(c.updated_at, millis=True),
        "scormUrl": c.scorm_url,
        "metadata": c.course_metadata,
    }


def certificate(cert: MspCertificate, course: MspCourse, user: MspUser) -> dict[str, Any]:
    return {
        "id": cert.id,
        "enrollmentId": cert.enrollment_id,
        "certificateNumber": cert.certificate_number,
        "verificationCode": cert.verification_code,
        "issuedAt": iso(cert.issued_at, millis=True),
        "expiresAt": iso(cert.expires_at, millis=True),
        "certificateUrl": f"https://app.msportal.ai/certificates/{cert.id}",
        "imageUrl": f"https://app.msportal.ai/certificates/{cert.id}/image.png",
        "isRevoked": cert.is_revoked,
        "revokedAt": iso(cert.revoked_at, millis=True),
        "revokedReason": cert.revoked_reason,
        "course": {"id": course.id, "title": course.title},
        "user": {"id": user.id, "fullName": user.full_name},
    }


def pagination(page: Page) -> dict[str, Any]:
    return {
        "page": page.page,
        "limit": page.limit,
        "totalCount": page.total,
        "totalPages": page.pages,
        "hasNextPage": page.page < page.pages,
        "hasPrevPage": page.page > 1,
    }
