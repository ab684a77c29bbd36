"""What public Learn.link (Thrive) connectors send and read, over HTTP with the demo data."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from simulator.testing.harness import InProcessSimulator

ACME = "eu-west-2_AcmeDemo01"
CONDUCT = "64b000000000000000f00001"  # acme: "Code of conduct" to All staff, 30 days, assigned 45 days ago
JOINERS = "64b000000000000000a00005"  # acme: an empty audience
ALL_STAFF = "64b000000000000000a00001"
C_CONDUCT, C_LEADING = "64b000000000000000c00001", "64b000000000000000c00002"
MANAGERS = "64b000000000000000a00002"
ADA = "64b000000000000000b00001"


def basic() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{ACME}:acme-secret".encode()).decode()}


def get(sim: InProcessSimulator, path: str, **params: Any) -> Any:
    return sim.client.get(sim.url("learnlink", path), headers=basic(), params=params)


def send(sim: InProcessSimulator, method: str, path: str, body: Any = None) -> Any:
    return sim.client.request(method, sim.url("learnlink", path), json=body, headers=basic())


@pytest.mark.parametrize("path", ["/rest/v1/users", "/rest/v1/audiences", "/rest/v1/contents", "/rest/v1/activities"])
def test_directory_lists_take_up_to_1000_per_page(lms_sim: InProcessSimulator, path: str) -> None:
    for per_page in (200, 1000):
        response = get(lms_sim, path, perPage=per_page)
        assert response.status_code == 200, response.text
        assert response.json()["pagination"]["perPage"] == per_page
    assert get(lms_sim, path, perPage=1001).status_code == 422


def test_assignment_lists_keep_the_100_cap(lms_sim: InProcessSimulator) -> None:
    assert get(lms_sim, "/rest/v1/assignments", perPage=200).status_code == 422
    assert get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments", perPage=200).status_code == 422


def test_contents_list_shape_and_paging(lms_sim: InProcessSimulator) -> None:
    everything = get(lms_sim, "/rest/v1/contents").json()
    assert everything["pagination"]["totalResults"] == len(everything["results"]) == 6
    first = everything["results"][0]
    assert set(first) >= {
        "id",
        "type",
        "title",
        "description",
        "author",
        "createdAt",
        "updatedAt",
        "isOfficial",
        "tags",
    }
    assert first["id"] == C_CONDUCT and first["title"] == "Code of conduct"
    second_page = get(lms_sim, "/rest/v1/contents", page=2, perPage=2).json()
    assert [c["id"] for c in second_page["results"]] == [c["id"] for c in everything["results"][2:4]]
    assert second_page["pagination"] == {"totalResults": 6, "totalPages": 3, "page": 2, "perPage": 2}


def test_activities_are_the_learning_records_behind_them(lms_sim: InProcessSimulator) -> None:
    activities = get(lms_sim, "/rest/v1/activities", perPage=1000).json()
    completions = get(lms_sim, "/rest/v1/learning/completions", perPage=1000).json()
    assert activities["pagination"]["totalResults"] == len(activities["results"]) == len(completions) > 0
    by_id = {c["id"]: c for c in completions}
    for activity in activities["results"]:
        completion = by_id[activity["id"]]
        assert (activity["user"], activity["contextId"], activity["date"]) == (
            completion["userId"],
            completion["contentId"],
            completion["completedAt"],
        )
        assert activity["type"] == "completed" and activity["data"]["completion"] is True
    dates = sorted(a["date"] for a in activities["results"])
    cut = dates[len(dates) // 2]
    later = get(lms_sim, "/rest/v1/activities", timestampFrom=cut.replace("T", " ")[:19], perPage=1000).json()
    assert later["results"] and all(a["date"] >= cut[:19] for a in later["results"])
    assert len(later["results"]) < len(activities["results"])


def test_user_status_filter_is_applied(lms_sim: InProcessSimulator) -> None:
    everyone = get(lms_sim, "/rest/v1/users", perPage=1000).json()["results"]
    statuses = {u["status"] for u in everyone}
    assert {"active", "inactive"} <= statuses
    for status in statuses:
        found = get(lms_sim, "/rest/v1/users", status=status, perPage=1000).json()
        assert found["results"] and {u["status"] for u in found["results"]} == {status}
        assert found["pagination"]["totalResults"] == sum(u["status"] == status for u in everyone)


def test_audience_api_controlled_filter_is_applied(lms_sim: InProcessSimulator) -> None:
    everything = get(lms_sim, "/rest/v1/audiences").json()["results"]
    assert {a["apiControlled"] for a in everything} == {True, False}
    for flag in (True, False):
        found = get(lms_sim, "/rest/v1/audiences", apiControlled=str(flag).lower()).json()
        assert found["results"] and {a["apiControlled"] for a in found["results"]} == {flag}
        assert found["pagination"]["totalResults"] == sum(a["apiControlled"] is flag for a in everything)


@pytest.mark.parametrize("spelling", ["Overdue", "overdue", "OVERDUE"])
def test_enrolment_status_filter_takes_the_capitalised_form(lms_sim: InProcessSimulator, spelling: str) -> None:
    response = get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments", status=spelling)
    assert response.status_code == 200, response.text
    assert response.json() and {e["status"] for e in response.json()} == {"overdue"}


def test_recurring_enrolment_reads_complete_until_its_next_period(lms_sim: InProcessSimulator) -> None:
    created = send(
        lms_sim,
        "POST",
        "/rest/v1/assignments",
        {"audienceId": ALL_STAFF, "contentId": C_LEADING, "completionPeriod": 30, "recurrence": 90},
    )
    assert created.status_code == 201, created.text
    assignment = created.json()["id"]
    lms_sim.advance(seconds=86400)  # one day into a 30-day period
    done = send(
        lms_sim,
        "POST",
        "/rest/v1/learning/completions",
        {"userId": ADA, "contentId": C_LEADING, "completedAt": lms_sim.now().isoformat()},
    )
    assert done.status_code == 201, done.text

    def status() -> str:
        rows = get(lms_sim, f"/rest/v1/assignments/{assignment}/enrolments", perPage=100).json()
        return str(next(r["status"] for r in rows if r["userId"] == ADA))

    assert status() == "complete"
    lms_sim.advance(seconds=28 * 86400)  # the period ends on day 30
    assert status() == "complete"
    lms_sim.advance(seconds=2 * 86400)  # day 31: the period is over, the next one is scheduled
    assert status() == "scheduled"
    lms_sim.advance(seconds=60 * 86400)  # day 91: completion + 90 days opens the next period
    assert status() == "open"


def test_audience_mismatch_on_delete_is_not_a_missing_assignment(lms_sim: InProcessSimulator) -> None:
    created = send(lms_sim, "POST", "/rest/v1/assignments", {"audienceId": JOINERS, "contentId": C_CONDUCT})
    assert created.status_code == 201, created.text
    path = f"/rest/v1/assignments/{created.json()['id']}"
    other = "0881b060cec06629c2e582d2"  # the audience Schemathesis sent (seed 1874...4794)
    for method, body in (("DELETE", {"audienceId": other}), ("PATCH", {"audienceId": other, "completionPeriod": 9})):
        response = send(lms_sim, method, path, body)
        assert response.status_code == 409, response.text
        assert "audienceId" in response.json()["message"]
    assert get(lms_sim, path).status_code == 200  # the refused calls changed nothing
    assert send(lms_sim, "DELETE", path, {"audienceId": JOINERS}).status_code == 204
