"""Loading one tenant's `msportal` fixture section.

    apiKeys:     [{key, name?, scopes: [training:read, training:write]}]
    companies:   [{id, name}]
    users:       [{id, fullName, email, companyId?}]
    courses:     [{id, title, description?, courseType?, courseCategory?, companyId?, isMandatory?,
                   passingScore?, duration?, maxAttempts?, expiresAfterDays?, artworkUrl?, youtubeUrl?,
                   isGlobal?, scormUrl?, metadata?, createdAt?}]
    enrollments: [{id, courseId, userId, status, progress?, score?, enrolledAt, startedAt?, completedAt?,
                   dueDate?, timeSpentSeconds?, companyId?}]

A completed enrollment that passes its course gets a certificate issued at its completedAt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from simulator.core import ids
from simulator.core.fixtures import (
    FixtureContext,
    FixtureError,
    SeededSequence,
    check,
    items,
    one_of,
    optional,
    require,
)
from simulator.vendors.msportal import backend, states
from simulator.vendors.msportal.auth import key_digest
from simulator.vendors.msportal.models import MspApiKey, MspCertificate, MspCompany, MspCourse, MspEnrollment, MspUser

_NUM = (int, float)


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    where = f"tenants.{tenant}.msportal"
    session = fx.session
    for path, item in items(section, "apiKeys", where):
        key = require(item, "key", path, str)
        scopes = require(item, "scopes", path, list)
        for i, scope in enumerate(scopes):
            one_of(scope, states.SCOPES, f"{path}.scopes[{i}]")
        if session.get(MspApiKey, key_digest(key)) is not None:
            raise FixtureError(f"{path}.key", "this key is already in use")
        session.add(
            MspApiKey(
                key_digest=key_digest(key),
                key=key,
                tenant=tenant,
                name=optional(item, "name", path, str, ""),
                scopes=scopes,
            )
        )
    companies = set()
    for path, item in items(section, "companies", where):
        company_id = require(item, "id", path, str)
        session.add(MspCompany(id=company_id, tenant=tenant, name=require(item, "name", path, str)))
        companies.add(company_id)
    users: dict[str, dict[str, Any]] = {}
    for path, item in items(section, "users", where):
        user = {
            "id": require(item, "id", path, str),
            "tenant": tenant,
            "full_name": require(item, "fullName", path, str),
            "email": require(item, "email", path, str),
            "company_id": _company(item, path, companies),
        }
        users[user["id"]] = user
    courses = {}
    for path, item in items(section, "courses", where):
        course = _course(fx, tenant, item, path, companies)
        session.add(course)
        courses[course.id] = course
    fx.insert(MspUser, list(users.values()))
    certificates = _Certificates(fx, tenant)
    enrollments = [
        _enrollment(fx, tenant, item, path, users, courses, companies, certificates)
        for path, item in items(section, "enrollments", where)
    ]
    fx.insert(MspEnrollment, enrollments)
    certificates.write()


class _Certificates:
    """`backend.issue_certificate` for many enrollments: the same seeded numbers, ids and codes."""

    def __init__(self, fx: FixtureContext, tenant: str) -> None:
        self.fx = fx
        self.tenant = tenant
        self.rows: list[dict[str, Any]] = []
        self.numbers = SeededSequence(fx.session, f"msportal:{tenant}:certificate-number")
        self.ids = SeededSequence(fx.session, f"msportal:{tenant}:certificate")
        self.codes = SeededSequence(fx.session, f"msportal:{tenant}:verification")

    def issue(self, enrollment: dict[str, Any], course: MspCourse, now: dt.datetime) -> str:
        number = self.numbers.next_value()
        cert = {
            "id": ids.uuid_from(self.ids.next_digest()),
            "tenant": self.tenant,
            "enrollment_id": enrollment["id"],
            "course_id": course.id,
            "user_id": enrollment["user_id"],
            "certificate_number": f"CERT-{now.year}-{number:06d}",
            "verification_code": ids.hex_from(self.codes.next_digest(), 10).upper(),
            "issued_at": now,
            "expires_at": now + dt.timedelta(days=course.expires_after_days) if course.expires_after_days else None,
        }
        self.rows.append(cert)
        return str(cert["id"])

    def write(self) -> None:
        for sequence in (self.numbers, self.ids, self.codes):
            sequence.close()
        self.fx.insert(MspCertificate, self.rows)


def _company(item: Mapping[str, Any], path: str, companies: set[str]) -> str | None:
    company_id: str | None = optional(item, "companyId", path, str)
    if company_id is not None and company_id not in companies:
        raise FixtureError(f"{path}.companyId", f"no company {company_id!r} in this tenant")
    return company_id


def _course(fx: FixtureContext, tenant: str, item: Mapping[str, Any], path: str, companies: set[str]) -> MspCourse:
    created = fx.time(optional(item, "createdAt", path, str, "@now-P90D"), f"{path}.createdAt")
    passing = optional(item, "passingScore", path, _NUM)
    if passing is not None and not 0 <= passing <= 100:
        raise FixtureError(f"{path}.passingScore", "must be between 0 and 100")
    return MspCourse(
        id=require(item, "id", path, str),
        tenant=tenant,
        title=require(item, "title", path, str),
        description=optional(item, "description", path, str, ""),
        course_type=optional(item, "courseType", path, str, "online"),
        course_category=optional(item, "courseCategory", path, str),
        company_id=_company(item, path, companies),
        is_mandatory=optional(item, "isMandatory", path, bool, False),
        passing_score=passing,
        duration=optional(item, "duration", path, int),
        max_attempts=optional(item, "maxAttempts", path, int),
        expires_after_days=optional(item, "expiresAfterDays", path, int),
        artwork_url=optional(item, "artworkUrl", path, str),
        youtube_url=optional(item, "youtubeUrl", path, str),
        is_global=optional(item, "isGlobal", path, bool, False),
        scorm_url=optional(item, "scormUrl", path, str),
        course_metadata=optional(item, "metadata", path, dict),
        created_at=created,
        updated_at=created,
    )


def _enrollment(
    fx: FixtureContext,
    tenant: str,
    item: Mapping[str, Any],
    path: str,
    users: Mapping[str, dict[str, Any]],
    courses: Mapping[str, MspCourse],
    companies: set[str],
    certificates: _Certificates,
) -> dict[str, Any]:
    course_id = require(item, "courseId", path, str)
    user_id = require(item, "userId", path, str)
    if course_id not in courses:
        raise FixtureError(f"{path}.courseId", f"no course {course_id!r} in this tenant")
    if user_id not in users:
        raise FixtureError(f"{path}.userId", f"no user {user_id!r} in this tenant")
    status = one_of(require(item, "status", path, str), states.STATUSES, f"{path}.status")
    progress = float(optional(item, "progress", path, _NUM, 100 if status == states.COMPLETED else 0))
    score = optional(item, "score", path, _NUM)
    for name, value in (("progress", progress), ("score", score)):
        if value is not None and not 0 <= value <= 100:
            raise FixtureError(f"{path}.{name}", "must be between 0 and 100")
    completed_at = fx.optional_time(item.get("completedAt"), f"{path}.completedAt")
    if status == states.COMPLETED and completed_at is None:
        raise FixtureError(f"{path}.completedAt", "a completed enrollment needs completedAt")
    enrollment = {
        "id": require(item, "id", path, str),
        "tenant": tenant,
        "course_id": course_id,
        "user_id": user_id,
        "status": status,
        "progress": progress,
        "score": None if score is None else float(score),
        "enrolled_at": fx.time(require(item, "enrolledAt", path, str), f"{path}.enrolledAt"),
        "started_at": fx.optional_time(item.get("startedAt"), f"{path}.startedAt"),
        "completed_at": completed_at if status == states.COMPLETED else None,
        "due_date": fx.optional_time(item.get("dueDate"), f"{path}.dueDate"),
        "time_spent_seconds": float(check(item.get("timeSpentSeconds", 0), f"{path}.timeSpentSeconds", _NUM)),
        "certificate_id": None,
        "company_id": _company(item, path, companies),
    }
    course = courses[course_id]
    if (
        status == states.COMPLETED
        and completed_at is not None
        and backend.passes(course.passing_score, enrollment["score"])
    ):
        enrollment["certificate_id"] = certificates.issue(enrollment, course, completed_at)
    return enrollment
