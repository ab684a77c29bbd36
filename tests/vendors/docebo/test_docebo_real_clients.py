"""What public Docebo clients send and read, through the real request pipeline."""

from __future__ import annotations

import pytest

from simulator.testing.harness import InProcessSimulator

ACME = {"client_id": "acme-client", "client_secret": "acme-secret"}
ADMIN = {"username": "api.admin", "password": "Passw0rd!"}


def auth(sim: InProcessSimulator) -> dict[str, str]:
    form = {"grant_type": "password", "scope": "api", **ACME, **ADMIN}
    response = sim.client.post(sim.url("docebo", "/oauth2/token"), data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_token_endpoint_takes_a_json_body(lms_sim: InProcessSimulator) -> None:
    body = {"grant_type": "password", "scope": "api", **ACME, **ADMIN}
    response = lms_sim.client.post(lms_sim.url("docebo", "/oauth2/token"), json=body)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    listed = lms_sim.client.get(
        lms_sim.url("docebo", "/learn/v1/enrollments"), headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.status_code == 200
    wrong = lms_sim.client.post(lms_sim.url("docebo", "/oauth2/token"), json={**body, "password": "nope"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "path", ["/learn/v1/enrollments", "/manage/v1/user", "/course/v1/courses", "/learn/v1/courses"]
)
def test_page_zero_is_the_first_page(lms_sim: InProcessSimulator, path: str) -> None:
    headers = auth(lms_sim)
    zero = lms_sim.client.get(lms_sim.url("docebo", f"{path}?page=0&page_size=3"), headers=headers)
    one = lms_sim.client.get(lms_sim.url("docebo", f"{path}?page=1&page_size=3"), headers=headers)
    assert zero.status_code == one.status_code == 200, zero.text
    assert zero.json()["data"]["items"] == one.json()["data"]["items"]
    assert zero.json()["data"]["current_page"] == 1


def test_bulk_enroll_answer_carries_ids_and_the_enrolled_pairs(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    response = lms_sim.client.post(
        lms_sim.url("docebo", "/learn/v1/enrollments"),
        json={"user_ids": [12321, 12322, 999999], "course_ids": [106]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["enrolled"] == [12321, 12322]  # the 2017 SDK: ids of the users enrolled
    report, *failures = data["errors"]
    assert report["enrolled"] == [  # what newer clients read: data.errors[0].enrolled[...]
        {"id_user": 12321, "id_course": 106, "waiting": False},
        {"id_user": 12322, "id_course": 106, "waiting": False},
    ]
    assert failures == [{"id_user": 999999, "id_course": 106, "message": "User not found"}]


def test_user_search_in_a_json_body_on_get(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    url = lms_sim.url("docebo", "/manage/v1/user")
    in_query = lms_sim.client.get(f"{url}?search_text=rossi", headers=headers).json()["data"]
    in_body = lms_sim.client.request("GET", url, json={"search_text": "rossi"}, headers=headers).json()["data"]
    assert in_query["count"] == in_body["count"] >= 1
    assert [u["username"] for u in in_body["items"]] == [u["username"] for u in in_query["items"]]
    nothing = lms_sim.client.request("GET", url, json={"search_text": "no-such-person-zz"}, headers=headers)
    assert nothing.status_code == 200
    assert nothing.json()["data"]["items"] == [] and nothing.json()["data"]["count"] == 0


def test_learn_courses_list_search_and_paging(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    url = lms_sim.url("docebo", "/learn/v1/courses")
    everything = lms_sim.client.get(url, headers=headers).json()["data"]
    assert everything["count"] == len(everything["items"]) > 2
    first = everything["items"][0]
    assert {"id_course", "name", "description", "course_type", "selling"} <= set(first)
    found = lms_sim.client.get(f"{url}?search_text={first['name']}", headers=headers).json()["data"]
    assert first["id_course"] in [c["id_course"] for c in found["items"]]
    page2 = lms_sim.client.get(f"{url}?page=2&page_size=2", headers=headers).json()["data"]
    assert [c["id_course"] for c in page2["items"]] == [c["id_course"] for c in everything["items"][2:4]]


def test_course_view_and_who_am_i(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    course = lms_sim.client.get(lms_sim.url("docebo", "/course/v1/courses/101"), headers=headers)
    assert course.status_code == 200 and course.json()["data"]["id_course"] == 101
    me = lms_sim.client.get(lms_sim.url("docebo", "/manage/v1/user/session"), headers=headers)
    assert me.status_code == 200, me.text
    data = me.json()["data"]
    assert data["username"] == "api.admin" and isinstance(data["id"], int) and data["user_level"] == "godadmin"


@pytest.mark.parametrize(
    "path", ["/course/v1/courses/enrollments", "/manage/v1/user/whoami", "/learn/v1/enrollments/abc/12301"]
)
def test_paths_not_simulated_are_docebo_404s(lms_sim: InProcessSimulator, path: str) -> None:
    response = lms_sim.client.get(lms_sim.url("docebo", path), headers=auth(lms_sim))
    assert response.status_code == 404, response.text
    body = response.json()
    assert body["version"] == "1.0.0" and "message" in body


def test_date_complete_accepts_iso_8601(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    response = lms_sim.client.put(
        lms_sim.url("docebo", "/learn/v1/enrollments/102/12302"),
        json={"status": 2, "date_complete": "2026-03-14T12:00:00+02:00"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    record = lms_sim.client.get(lms_sim.url("docebo", "/learn/v1/enrollments/102/12302"), headers=headers)
    assert record.json()["data"]["records"]["course_complete_date"] == "2026-03-14 10:00:00"


def test_single_update_of_a_pair_not_enrolled_answers_like_the_bulk_update(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    body = {"status": 1}
    single = lms_sim.client.put(lms_sim.url("docebo", "/learn/v1/enrollments/106/12322"), json=body, headers=headers)
    bulk = lms_sim.client.put(
        lms_sim.url("docebo", "/learn/v1/enrollments"),
        json={"course_ids": [106], "user_ids": [12322], **body},
        headers=headers,
    )
    assert single.status_code == bulk.status_code == 200
    assert single.json() == bulk.json()
    assert single.json()["data"]["not_updated"][0]["invalid_enrollments"] == [{"course_id": 106, "user_id": 12322}]


def test_bulk_update_below_completed_stores_no_completion_date(lms_sim: InProcessSimulator) -> None:
    headers = auth(lms_sim)
    response = lms_sim.client.put(
        lms_sim.url("docebo", "/learn/v1/enrollments"),
        json={"course_ids": [102], "user_ids": [12302], "status": 1, "date_complete": "2026-03-14 12:00:00"},
        headers=headers,
    )
    assert response.status_code == 200
    record = lms_sim.client.get(lms_sim.url("docebo", "/learn/v1/enrollments/102/12302"), headers=headers)
    assert record.json()["data"]["records"]["status"] == 1
    assert record.json()["data"]["records"]["course_complete_date"] is None


def test_level_as_a_numeric_string_stays_a_400(lms_sim: InProcessSimulator) -> None:
    # No public evidence that Docebo coerces "3"; the SDK types level as an integer (docs/vendors/docebo.md).
    response = lms_sim.client.post(
        lms_sim.url("docebo", "/learn/v1/enrollments/106/12322"), json={"level": "3"}, headers=auth(lms_sim)
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "level"
