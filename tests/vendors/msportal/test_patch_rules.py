"""A PATCH is applied as sent or refused with a 400 that says why: never 200 with another value."""

from __future__ import annotations

from typing import Any

from simulator.testing.harness import InProcessSimulator

BASE = "/msportal/api/public/v1/training"
FULL = {"Authorization": "Bearer msp_acme_full"}
E1 = "ac040000-0000-4000-8000-000000000001"  # completed, score 92


def _patch(sim: InProcessSimulator, enrollment_id: str, body: dict[str, Any]) -> Any:
    return sim.client.patch(f"{BASE}/enrollments/{enrollment_id}", json=body, headers=FULL)


def _get(sim: InProcessSimulator, enrollment_id: str) -> dict[str, Any]:
    data: dict[str, Any] = sim.client.get(f"{BASE}/enrollments/{enrollment_id}", headers=FULL).json()["data"]
    return data


def _first(sim: InProcessSimulator, status: str) -> dict[str, Any]:
    r = sim.client.get(f"{BASE}/enrollments", params={"status": status, "limit": 1}, headers=FULL)
    item: dict[str, Any] = r.json()["data"][0]
    return item


def _refused(r: Any, words: str) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert any(d["field"] == "body.progress" and words in d["message"] for d in body["details"]), body


def test_progress_on_a_completed_enrollment_is_refused_and_changes_nothing(lms_sim: InProcessSimulator) -> None:
    before = _get(lms_sim, E1)
    _refused(_patch(lms_sim, E1, {"progress": 50}), "send status in_progress")
    assert _get(lms_sim, E1) == before
    assert _patch(lms_sim, E1, {"progress": 100, "score": 95}).status_code == 200  # what completed means: applied
    assert _get(lms_sim, E1)["score"] == 95


def test_completed_with_progress_under_100_is_refused(lms_sim: InProcessSimulator) -> None:
    enrollment = _first(lms_sim, "in_progress")
    _refused(_patch(lms_sim, enrollment["id"], {"status": "completed", "progress": 50}), "must be 100")
    assert _get(lms_sim, enrollment["id"]) == enrollment
    r = _patch(lms_sim, enrollment["id"], {"status": "completed", "progress": 100})
    assert r.status_code == 200 and r.json()["data"]["progress"] == 100


def test_reopening_a_completed_enrollment_with_a_progress_applies_it(lms_sim: InProcessSimulator) -> None:
    r = _patch(lms_sim, E1, {"status": "in_progress", "progress": 50})
    data = r.json()["data"]
    assert r.status_code == 200 and (data["status"], data["progress"], data["completedAt"]) == ("in_progress", 50, None)


def test_not_started_clears_progress_and_started_at(lms_sim: InProcessSimulator) -> None:
    enrollment = _first(lms_sim, "in_progress")
    assert enrollment["startedAt"] is not None and enrollment["progress"] > 0
    data = _patch(lms_sim, enrollment["id"], {"status": "not_started"}).json()["data"]
    assert (data["status"], data["progress"], data["startedAt"], data["completedAt"]) == ("not_started", 0, None, None)
    done = _patch(lms_sim, E1, {"status": "not_started"}).json()["data"]
    assert (done["progress"], done["startedAt"], done["certificateId"]) == (0, None, None)
    _refused(_patch(lms_sim, enrollment["id"], {"status": "not_started", "progress": 30}), "must be 0")
