"""Users as clients find them: Absorb's user field set, departments, and every field filterable and sortable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vendors.absorb.helpers import ACME_LEARNER, ADMIN, ALICE, GLOBEX_KEY, Absorb, acme, assert_error

# The user resource's fields (public v2 connector model; see docs/vendors/absorb.md).
USER_FIELDS = {
    "id", "departmentId", "firstName", "middleName", "lastName", "username", "emailAddress", "externalId",
    "ccEmailAddresses", "languageId", "gender", "address", "address2", "city", "provinceId", "countryId",
    "postalCode", "phone", "employeeNumber", "location", "jobTitle", "referenceNumber", "dateHired",
    "dateTerminated", "dateEdited", "dateAdded", "lastLoginDate", "notes", "customFields", "roleIds",
    "activeStatus", "isLearner", "isAdmin", "isInstructor", "isManager", "supervisorId", "hasUsername",
}  # fmt: skip
NOT_COMPARABLE = {"ccEmailAddresses", "roleIds", "customFields", "hasUsername"}
WAREHOUSE = acme("department", "d0002")
ROOT = acme("department", "d0001")


def _all(api: Absorb, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api.ok("GET", path, params={**params, "_limit": 7, "_offset": offset})
        out += page[key]
        if not page[key]:
            assert page["totalItems"] == len(out)
            return out
        offset += 1


@pytest.mark.both_databases
def test_a_user_has_absorbs_field_set(api: Absorb) -> None:
    alice = api.ok("GET", f"/users/{ALICE}")
    assert set(alice) == USER_FIELDS
    assert alice["departmentId"] == WAREHOUSE and alice["externalId"] and alice["lastLoginDate"]


@pytest.mark.both_databases
def test_learners_by_department_and_last_login(api: Absorb) -> None:
    wanted = f"departmentId eq guid'{WAREHOUSE}' and lastLoginDate gt datetime'2024-01-01T00:00:00'"
    found = _all(api, "/users", "users", _filter=wanted)
    everyone = _all(api, "/users", "users")
    expected = [u["id"] for u in everyone if u["departmentId"] == WAREHOUSE and u["lastLoginDate"]]
    assert sorted(u["id"] for u in found) == sorted(expected) and found
    never = _all(api, "/users", "users", _filter="lastLoginDate eq null")
    assert sorted(u["id"] for u in never) == sorted(u["id"] for u in everyone if u["lastLoginDate"] is None)
    assert never and len(never) < len(everyone)


def test_every_user_field_is_filterable_and_sortable(api: Absorb) -> None:
    everyone = _all(api, "/users", "users")
    for field in sorted(USER_FIELDS - NOT_COMPARABLE):
        api.sim.advance(1)  # refill the rate limit's bucket (200 a second, a burst of 100)
        nulls = api.ok("GET", "/users", params={"_filter": f"{field} eq null", "_limit": 1000})
        assert nulls["totalItems"] == sum(u[field] is None for u in everyone), field
        for sort in (field, f"-{field}"):
            assert api.get("/users", params={"_sort": sort}).status_code == 200, sort
    for field in sorted(NOT_COMPARABLE):
        assert_error(api.get("/users", params={"_filter": f"{field} eq null"}), 422)


def test_authenticating_records_the_login(api: Absorb) -> None:
    before = api.ok("GET", f"/users/{ALICE}")["lastLoginDate"]
    api.sim.advance(days=1)
    api.token = api.authenticate(*ADMIN)
    Absorb(api.sim, login=ACME_LEARNER)
    after = api.ok("GET", f"/users/{ALICE}")["lastLoginDate"]
    assert after > before and after == api.sim.now().strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_departments(api: Absorb, sort: str) -> None:
    departments = _all(api, "/departments", "departments", _sort=sort)
    names = [d["name"] for d in departments]
    assert names == sorted(names, reverse=sort.startswith("-")) and len(names) == 5
    children = _all(api, "/departments", "departments", _filter=f"parentId eq guid'{ROOT}'")
    assert {d["id"] for d in children} == {d["id"] for d in departments} - {ROOT}
    warehouse = api.ok("GET", f"/departments/{WAREHOUSE}")
    assert warehouse["name"] == "Warehouse" and warehouse["parentId"] == ROOT
    users = {u["departmentId"] for u in _all(api, "/users", "users")}
    assert users <= {d["id"] for d in departments}
    assert_error(Absorb(api.sim, key=GLOBEX_KEY).get(f"/departments/{WAREHOUSE}"), 404)
