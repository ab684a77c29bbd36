"""Counts and the records behind them agree: every MSPortal list walked, each count checked.

`totalCount` against the pages walked, a course's `enrollmentCount` against its
enrollments, every enrollment's certificate against the certificate list (and the
reverse), and what each status implies (progress, `startedAt`, `completedAt`). Checked
on the demo data of both tenants, and again after PATCHes through the API.
"""

from __future__ import annotations

from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator

BASE = "/msportal/api/public/v1/training"
ACME = {"Authorization": "Bearer msp_acme_full"}
GLOBEX = {"Authorization": "Bearer msp_globex_full"}


def _walk(sim: InProcessSimulator, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page, total = 1, None
    while True:
        r = sim.client.get(f"{BASE}{path}", params={**params, "page": page, "limit": 9}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        info = body["pagination"]
        total = info["totalCount"] if total is None else total
        assert info["totalCount"] == total and info["totalPages"] == -(-total // 9), path
        assert info["hasNextPage"] == (page < info["totalPages"]) and info["hasPrevPage"] == (page > 1), path
        items += body["data"]
        if not info["hasNextPage"]:
            assert len(items) == total == len({i["id"] for i in items}), path
            return items
        page += 1


def assert_counts_agree(sim: InProcessSimulator, headers: dict[str, str]) -> None:
    enrollments = _walk(sim, "/enrollments", headers)
    by_id = {e["id"]: e for e in enrollments}
    for course in _walk(sim, "/courses", headers):
        own = _walk(sim, "/enrollments", headers, courseId=course["id"])
        assert course["enrollmentCount"] == len(own) == sum(e["course"]["id"] == course["id"] for e in enrollments)
    for status in ("not_started", "in_progress", "completed"):
        assert len(_walk(sim, "/enrollments", headers, status=status)) == sum(
            e["status"] == status for e in enrollments
        )
    for e in enrollments:
        if e["status"] == "completed":
            assert e["progress"] == 100 and e["completedAt"] and e["startedAt"], e["id"]
        else:
            assert e["completedAt"] is None, e["id"]
        if e["status"] == "in_progress":
            assert e["startedAt"], e["id"]
        if e["status"] == "not_started":
            assert (e["progress"], e["startedAt"], e["certificateId"]) == (0, None, None), e["id"]
    live = _walk(sim, "/certificates", headers)
    every = _walk(sim, "/certificates", headers, includeRevoked="true")
    assert {c["id"] for c in live} == {c["id"] for c in every if not c["isRevoked"]}
    assert {c["id"] for c in live} == {e["certificateId"] for e in enrollments if e["certificateId"]}
    for cert in live:
        enrollment = by_id[cert["enrollmentId"]]
        assert enrollment["status"] == "completed" and enrollment["certificateId"] == cert["id"]
        assert (cert["course"]["id"], cert["user"]["id"]) == (enrollment["course"]["id"], enrollment["user"]["id"])
    for cert in every:
        assert cert["enrollmentId"] in by_id
        assert cert["isRevoked"] == (cert["revokedAt"] is not None)


@pytest.mark.parametrize("headers", [ACME, GLOBEX], ids=["acme", "globex"])
def test_the_demo_data_counts_agree_with_their_records(lms_sim: InProcessSimulator, headers: dict[str, str]) -> None:
    assert_counts_agree(lms_sim, headers)


def test_counts_still_agree_after_patches(lms_sim: InProcessSimulator) -> None:
    enrollments = _walk(lms_sim, "/enrollments", ACME)
    changes = [
        {"status": "completed", "score": 95},
        {"status": "in_progress", "progress": 30},
        {"status": "not_started"},
    ]
    for enrollment, change in zip(enrollments[::7], changes * 4, strict=False):
        r = lms_sim.client.patch(f"{BASE}/enrollments/{enrollment['id']}", json=change, headers=ACME)
        assert r.status_code == 200, r.text
    assert_counts_agree(lms_sim, ACME)
