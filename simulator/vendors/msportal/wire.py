"""MSPortal rows to wire JSON: camelCase, UUID strings, ISO 8601 times with milliseconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.core.clock import iso
from simulator.vendors.msportal.backend import CERTIFICATE_WIRE_COLUMNS, ENROLLMENT_WIRE_COLUMNS, Page
from simulator.vendors.msportal.models import MspCertificate, MspCourse, MspEnrollment, MspUser


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


Attributes = tuple[tuple[int, str], ...]


def _attributes(columns: Sequence[Any], entities: Sequence[Any]) -> Attributes:
    """Where each of a wire column list lives on the ORM entities the dashboard holds (which
    entity, which attribute): one list of columns serves the cursor and the ORM."""
    index = {entity: i for i, entity in enumerate(entities)}
    return tuple((index[c.class_], c.key) for c in columns)


def _values(attributes: Attributes, *entities: Any) -> list[Any]:
    return [getattr(entities[which], name) for which, name in attributes]


_ENROLLMENT_ATTRIBUTES = _attributes(ENROLLMENT_WIRE_COLUMNS, (MspEnrollment, MspCourse, MspUser))
_CERTIFICATE_ATTRIBUTES = _attributes(CERTIFICATE_WIRE_COLUMNS, (MspCertificate, MspCourse, MspUser))


def enrollment(e: MspEnrollment, course: MspCourse, user: MspUser) -> dict[str, Any]:
    return enrollment_from_values(_values(_ENROLLMENT_ATTRIBUTES, e, course, user))


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


def course_from_values(values: Sequence[Any]) -> dict[str, Any]:
    """A course's wire form from its values in `backend.COURSE_WIRE_COLUMNS` order."""
    (
        course_id,
        title,
        description,
        course_type,
        course_category,
        is_mandatory,
        passing_score,
        duration,
        max_attempts,
        expires_after_days,
        artwork_url,
        youtube_url,
        is_global,
        company_id,
        company_name,
        enrollment_count,
        created_at,
        updated_at,
        scorm_url,
        metadata,
    ) = values
    return {
        "id": course_id,
        "title": title,
        "description": description,
        "courseType": course_type,
        "courseCategory": course_category,
        "isMandatory": is_mandatory,
        "passingScore": _number(passing_score),
        "duration": duration,
        "maxAttempts": max_attempts,
        "expiresAfterDays": expires_after_days,
        "artworkUrl": artwork_url,
        "youtubeUrl": youtube_url,
        "isGlobal": is_global,
        "company": {"id": company_id, "name": company_name} if company_id else None,
        "enrollmentCount": int(enrollment_count or 0),
        "createdAt": iso(created_at, millis=True),
        "updatedAt": iso(updated_at, millis=True),
        "scormUrl": scorm_url,
        "metadata": metadata,
    }


def certificate(cert: MspCertificate, course: MspCourse, user: MspUser) -> dict[str, Any]:
    return certificate_from_values(_values(_CERTIFICATE_ATTRIBUTES, cert, course, user))


def certificate_from_values(values: Sequence[Any]) -> dict[str, Any]:
    """A certificate's wire form from its values in `backend.CERTIFICATE_WIRE_COLUMNS` order."""
    (
        certificate_id,
        enrollment_id,
        certificate_number,
        verification_code,
        issued_at,
        expires_at,
        is_revoked,
        revoked_at,
        revoked_reason,
        course_id,
        course_title,
        user_id,
        user_full_name,
    ) = values
    return {
        "id": certificate_id,
        "enrollmentId": enrollment_id,
        "certificateNumber": certificate_number,
        "verificationCode": verification_code,
        "issuedAt": iso(issued_at, millis=True),
        "expiresAt": iso(expires_at, millis=True),
        "certificateUrl": f"https://app.msportal.ai/certificates/{certificate_id}",
        "imageUrl": f"https://app.msportal.ai/certificates/{certificate_id}/image.png",
        "isRevoked": is_revoked,
        "revokedAt": iso(revoked_at, millis=True),
        "revokedReason": revoked_reason,
        "course": {"id": course_id, "title": course_title},
        "user": {"id": user_id, "fullName": user_full_name},
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
