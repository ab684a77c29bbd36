"""MSPortal's reads and its PATCH answer from values read on the cursor: each must render the
stored records exactly as the ORM entities behind them do, and agree with each other."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from simulator.core.clock import iso
from simulator.core.errors import ApiError
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.msportal import backend, wire
from simulator.vendors.msportal.models import MspCertificate, MspCompany, MspCourse, MspEnrollment, MspUser

pytestmark = pytest.mark.both_databases

BASE = "/msportal/api/public/v1/training"
KEYS = {"acme": {"Authorization": "Bearer msp_acme_full"}, "globex": {"Authorization": "Bearer msp_globex_full"}}


def _all(sim: InProcessSimulator, path: str, tenant: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = sim.client.get(
            f"{BASE}{path}", params={**params, "page": page, "limit": 100}, headers=KEYS[tenant]
        ).json()
        items += body["data"]
        if not body["pagination"]["hasNextPage"]:
            return items
        page += 1


def test_every_demo_enrollment_reads_the_same_on_the_cursor_as_through_the_orm(lms_sim: InProcessSimulator) -> None:
    with lms_sim.session() as session:
        found = session.execute(
            select(MspEnrollment, MspCourse, MspUser)
            .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
            .join(MspUser, MspUser.id == MspEnrollment.user_id)
        ).all()
        assert len(found) >= 50
        through_orm = {(e.tenant, e.id): wire.enrollment(e, c, u) for e, c, u in found}
        for (tenant, enrollment_id), expected in through_orm.items():
            on_cursor = wire.enrollment_from_values(backend.get_enrollment_values(session, tenant, enrollment_id))
            assert on_cursor == expected
    for tenant in KEYS:
        listed = _all(lms_sim, "/enrollments", tenant)
        assert listed == sorted(listed, key=lambda e: (-_stamp(e["enrolledAt"]), e["id"]))
        assert {e["id"]: e for e in listed} == {i: e for (t, i), e in through_orm.items() if t == tenant}


def _stamp(value: str) -> float:
    from simulator.core.clock import parse_instant

    return parse_instant(value).timestamp()


def test_each_enrollment_filter_selects_what_it_names(lms_sim: InProcessSimulator) -> None:
    everything = _all(lms_sim, "/enrollments", "acme")
    samples = {
        "status": ("in_progress", lambda e: e["status"]),
        "userId": (everything[0]["user"]["id"], lambda e: e["user"]["id"]),
        "courseId": (everything[0]["course"]["id"], lambda e: e["course"]["id"]),
        "companyId": (next(e["companyId"] for e in everything if e["companyId"]), lambda e: e["companyId"]),
    }
    for name, (value, of) in samples.items():
        expected = [e for e in everything if of(e) == value]
        assert expected and _all(lms_sim, "/enrollments", "acme", **{name: value}) == expected, name
    both = {"status": "in_progress", "courseId": samples["courseId"][0]}
    expected = [e for e in everything if e["status"] == both["status"] and e["course"]["id"] == both["courseId"]]
    assert _all(lms_sim, "/enrollments", "acme", **both) == expected


def _course_through_orm(course: MspCourse, company: MspCompany | None, count: int) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "description": course.description,
        "courseType": course.course_type,
        "courseCategory": course.course_category,
        "isMandatory": course.is_mandatory,
        "passingScore": None if course.passing_score is None else pytest.approx(course.passing_score),
        "duration": course.duration,
        "maxAttempts": course.max_attempts,
        "expiresAfterDays": course.expires_after_days,
        "artworkUrl": course.artwork_url,
        "youtubeUrl": course.youtube_url,
        "isGlobal": course.is_global,
        "company": {"id": course.company_id, "name": company.name if company else None} if course.company_id else None,
        "enrollmentCount": count,
        "createdAt": iso(course.created_at, millis=True),
        "updatedAt": iso(course.updated_at, millis=True),
        "scormUrl": course.scorm_url,
        "metadata": course.course_metadata,
    }


def test_every_course_reads_as_stored_with_its_company_and_enrollment_count(lms_sim: InProcessSimulator) -> None:
    for tenant, headers in KEYS.items():
        with lms_sim.session() as session:  # the demo courses have no company: give one of them one
            course_id, company_id = (
                session.scalars(select(MspCourse.id).where(MspCourse.tenant == tenant)).first(),
                session.scalars(select(MspCompany.id).where(MspCompany.tenant == tenant)).first(),
            )
        patched = lms_sim.client.patch(f"{BASE}/courses/{course_id}", json={"companyId": company_id}, headers=headers)
        assert patched.status_code == 200
        with lms_sim.session() as session:
            counts = dict(
                session.execute(
                    select(MspEnrollment.course_id, func.count())
                    .where(MspEnrollment.tenant == tenant)
                    .group_by(MspEnrollment.course_id)
                ).all()
            )
            companies = {c.id: c for c in session.scalars(select(MspCompany).where(MspCompany.tenant == tenant))}
            courses = session.scalars(
                select(MspCourse).where(MspCourse.tenant == tenant).order_by(MspCourse.title, MspCourse.id)
            ).all()
            expected = [_course_through_orm(c, companies.get(c.company_id or ""), counts.get(c.id, 0)) for c in courses]
        assert any(e["company"] for e in expected) and any(e["enrollmentCount"] for e in expected)
        assert _all(lms_sim, "/courses", tenant) == expected
        assert patched.json()["data"] == next(c for c in expected if c["id"] == course_id)
        for course in expected:
            r = lms_sim.client.get(f"{BASE}/courses/{course['id']}", headers=headers)
            assert r.status_code == 200 and r.json()["data"] == course
    other = lms_sim.client.get(f"{BASE}/courses/{expected[0]['id']}", headers=KEYS["acme"])
    assert other.status_code == 404 and other.json()["code"] == "NOT_FOUND"  # globex's course, asked by acme


def test_every_certificate_reads_the_same_on_the_cursor_as_through_the_orm(lms_sim: InProcessSimulator) -> None:
    for tenant in KEYS:
        with lms_sim.session() as session:
            found = session.execute(
                select(MspCertificate, MspCourse, MspUser)
                .join(MspCourse, MspCourse.id == MspCertificate.course_id)
                .join(MspUser, MspUser.id == MspCertificate.user_id)
                .where(MspCertificate.tenant == tenant)
                .order_by(MspCertificate.issued_at.desc(), MspCertificate.id)
            ).all()
            expected = [wire.certificate(*row) for row in found]
        assert expected
        assert _all(lms_sim, "/certificates", tenant, includeRevoked="true") == expected
        assert _all(lms_sim, "/certificates", tenant) == [c for c in expected if not c["isRevoked"]]
        user = expected[0]["user"]["id"]
        assert _all(lms_sim, "/certificates", tenant, userId=user) == [
            c for c in expected if c["user"]["id"] == user and not c["isRevoked"]
        ]


def test_an_unknown_or_other_tenants_enrollment_is_not_found(lms_sim: InProcessSimulator) -> None:
    with lms_sim.session() as session:
        acme_id = session.scalars(select(MspEnrollment.id).where(MspEnrollment.tenant == "acme")).first()
        assert acme_id is not None
        for tenant, enrollment_id in (("acme", "ac040000-0000-4000-8000-00000000ffff"), ("globex", acme_id)):
            with pytest.raises(ApiError) as raised:
                backend.get_enrollment_values(session, tenant, enrollment_id)
            assert raised.value.status == 404


@pytest.mark.parametrize("path", ["/enrollments", "/courses", "/certificates"])
def test_every_page_tells_the_same_total_full_partial_or_past_the_end(lms_sim: InProcessSimulator, path: str) -> None:
    total = len(_all(lms_sim, path, "acme"))
    assert 2 < total < 100
    for limit in (1, 2, total - 1, total, total + 1):
        last = -(-total // limit)
        for page in sorted({1, 2, last, last + 1, last + 5}):
            r = lms_sim.client.get(f"{BASE}{path}", params={"page": page, "limit": limit}, headers=KEYS["acme"])
            body = r.json()
            expected_rows = max(0, min(limit, total - (page - 1) * limit))
            assert (body["pagination"]["totalCount"], len(body["data"])) == (total, expected_rows), (limit, page)
            assert body["pagination"]["hasNextPage"] == (page < last), (limit, page)
