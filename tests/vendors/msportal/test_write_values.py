"""A PATCH of an enrollment answers what it stored: each answer equals the record read back,
through the API and through the ORM, along the whole status machine."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from simulator.core.clock import iso
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.msportal import wire
from simulator.vendors.msportal.auth import key_digest
from simulator.vendors.msportal.models import MspApiKey, MspCertificate, MspCourse, MspEnrollment, MspUser

pytestmark = pytest.mark.both_databases

BASE = "/msportal/api/public/v1/training"
FULL = {"Authorization": "Bearer msp_acme_full"}
READ = {"Authorization": "Bearer msp_acme_read"}


def _through_orm(sim: InProcessSimulator, enrollment_id: str) -> dict[str, Any]:
    with sim.session() as session:
        row = session.execute(
            select(MspEnrollment, MspCourse, MspUser)
            .join(MspCourse, MspCourse.id == MspEnrollment.course_id)
            .join(MspUser, MspUser.id == MspEnrollment.user_id)
            .where(MspEnrollment.id == enrollment_id)
        ).one()
        return wire.enrollment(*row)


def _patch(sim: InProcessSimulator, enrollment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    r = sim.client.patch(f"{BASE}/enrollments/{enrollment_id}", json=body, headers=FULL)
    assert r.status_code == 200, r.text
    answered: dict[str, Any] = r.json()["data"]
    assert sim.client.get(f"{BASE}/enrollments/{enrollment_id}", headers=FULL).json()["data"] == answered
    assert _through_orm(sim, enrollment_id) == answered
    return answered


def _certificate(sim: InProcessSimulator, certificate_id: str) -> MspCertificate:
    with sim.session() as session:
        cert = session.get(MspCertificate, certificate_id)
        assert cert is not None
        session.expunge(cert)
        return cert


def test_the_status_machine_stores_what_each_patch_answers(lms_sim: InProcessSimulator) -> None:
    listed = lms_sim.client.get(f"{BASE}/enrollments", params={"status": "not_started"}, headers=FULL).json()["data"]
    enrollment = next(e for e in listed if e["startedAt"] is None)
    eid, now = enrollment["id"], iso(lms_sim.now(), millis=True)

    started = _patch(lms_sim, eid, {"progress": 40})
    assert (started["status"], started["progress"], started["startedAt"]) == ("not_started", 40, now)
    assert _patch(lms_sim, eid, {"progress": 60, "dueDate": "2027-05-01T08:30:00Z"})["dueDate"] == (
        "2027-05-01T08:30:00.000Z"
    )

    done = _patch(lms_sim, eid, {"status": "completed", "score": 97})
    assert (done["status"], done["progress"], done["score"], done["completedAt"]) == ("completed", 100, 97, now)
    assert done["startedAt"] == now and done["certificateId"] is not None
    cert = _certificate(lms_sim, done["certificateId"])
    assert (cert.enrollment_id, cert.user_id, cert.course_id) == (eid, done["user"]["id"], done["course"]["id"])
    assert not cert.is_revoked and cert.certificate_number.startswith("CERT-")

    again = _patch(lms_sim, eid, {"score": 99})  # still completed: the certificate stays, completedAt too
    assert (again["certificateId"], again["completedAt"], again["score"]) == (done["certificateId"], now, 99)

    reopened = _patch(lms_sim, eid, {"status": "in_progress", "progress": 70})
    assert (reopened["completedAt"], reopened["certificateId"], reopened["progress"]) == (None, None, 70)
    revoked = _certificate(lms_sim, done["certificateId"])
    assert revoked.is_revoked and iso(revoked.revoked_at, millis=True) == now
    assert revoked.revoked_reason == "Enrollment moved back to in_progress"

    reset = _patch(lms_sim, eid, {"status": "not_started", "dueDate": None})
    assert (reset["progress"], reset["startedAt"], reset["dueDate"], reset["score"]) == (0, None, None, 99)


def test_a_refused_patch_leaves_the_enrollment_and_its_certificate_as_they_were(lms_sim: InProcessSimulator) -> None:
    completed = lms_sim.client.get(f"{BASE}/enrollments", params={"status": "completed"}, headers=FULL).json()["data"]
    enrollment = next(e for e in completed if e["certificateId"])
    r = lms_sim.client.patch(
        f"{BASE}/enrollments/{enrollment['id']}", json={"status": "in_progress", "progress": 101}, headers=FULL
    )
    assert r.status_code == 400
    assert _through_orm(lms_sim, enrollment["id"]) == enrollment
    assert not _certificate(lms_sim, enrollment["certificateId"]).is_revoked


def test_a_keys_new_scopes_apply_at_its_next_request(lms_sim: InProcessSimulator) -> None:
    """Keys are remembered by each process: a change to the key table must be seen at once."""
    enrollment = lms_sim.client.get(f"{BASE}/enrollments", params={"limit": 1}, headers=READ).json()["data"][0]
    assert lms_sim.client.patch(f"{BASE}/enrollments/{enrollment['id']}", json={}, headers=READ).status_code == 403
    with lms_sim.session() as session:
        session.execute(
            update(MspApiKey)
            .where(MspApiKey.key_digest == key_digest("msp_acme_read"))
            .values(scopes=["training:read", "training:write"])
        )
    assert lms_sim.client.patch(f"{BASE}/enrollments/{enrollment['id']}", json={}, headers=READ).status_code == 200
    with lms_sim.session() as session:
        session.execute(update(MspApiKey).where(MspApiKey.key_digest == key_digest("msp_acme_read")).values(scopes=[]))
    assert lms_sim.client.get(f"{BASE}/enrollments/{enrollment['id']}", headers=READ).status_code == 403
