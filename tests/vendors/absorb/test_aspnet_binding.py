"""ASP.NET model binding: JSON property names and query parameter names match case-insensitively."""

from __future__ import annotations

from tests.vendors.absorb.helpers import ACME_KEY, ALICE, BOB, LEADERSHIP, SAFETY, SAFETY_LESSONS, Absorb


def test_authenticate_accepts_pascal_case_properties(api: Absorb) -> None:
    r = api.sim.client.post(
        "/absorb/authenticate",
        json={"Username": "api.admin", "Password": "Passw0rd!", "PrivateKey": ACME_KEY},
        headers={"x-api-key": ACME_KEY, "x-api-version": "2"},
    )
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), str)


def test_every_body_binds_case_insensitively(api: Absorb) -> None:
    created = api.ok("POST", f"/users/{BOB}/enrollments", 201, json={"CourseId": LEADERSHIP, "STATUS": 1})
    assert api.ok("GET", f"/enrollments/{created['enrollmentId']}")["status"] == 1
    lesson = SAFETY_LESSONS[1]
    attempt = api.ok("POST", f"/users/{ALICE}/enrollments/{SAFETY}/lessons/{lesson}/attempts")
    api.ok("PUT", f"/attempts/{attempt['attemptId']}", json={"Status": 3, "Score": 90})
    found = api.ok("GET", f"/users/{ALICE}/enrollments/{SAFETY}/lessons/{lesson}")
    assert (found["status"], found["score"]) == (3, 90)


def test_query_parameter_names_bind_case_insensitively(api: Absorb) -> None:
    page = api.ok("GET", "/users", params={"_Filter": "lastName eq 'Brown'", "_Limit": 1, "_SORT": "-firstName"})
    assert page["limit"] == 1 and page["totalItems"] == 1
    assert page["users"][0]["lastName"] == "Brown"
    api.sim.clear_requests()
    api.ok("GET", f"/courses/{SAFETY}/enrollments", params={"_OFFSET": 0, "Status": 3})
    entry = api.sim.requests(vendor="absorb", limit=1)[0]
    assert not [v for v in entry["violations"] if v["location"].startswith("query.")]
