"""x-api-key on every call, /authenticate tokens (4 h, one per user, Bearer or bare),
disabled portals, learner restrictions, tenant isolation, x-api-version, rate limit."""

from __future__ import annotations

from typing import Any

from simulator.settings import Settings
from simulator.testing import harness
from simulator.testing.harness import InProcessSimulator
from tests.vendors.absorb.helpers import (
    ACME_KEY,
    ACME_LEARNER,
    ADMIN,
    ALICE,
    GLOBEX_KEY,
    GLOBEX_LEARNER,
    SAFETY,
    Absorb,
    assert_error,
    globex,
)


def _authenticate(sim: InProcessSimulator, body: Any, key: str | None = ACME_KEY) -> Any:
    headers = {"x-api-version": "2"}
    if key is not None:
        headers["x-api-key"] = key
    return sim.client.post("/absorb/authenticate", json=body, headers=headers)


def test_authenticate_returns_the_token_as_a_json_string(lms_sim: InProcessSimulator) -> None:
    r = _authenticate(lms_sim, {"username": "api.admin", "password": "Passw0rd!", "privateKey": ACME_KEY})
    assert r.status_code == 200
    assert r.text.startswith('"') and r.text.endswith('"')
    assert len(r.json()) > 32


def test_authenticate_refuses_missing_fields_with_400(lms_sim: InProcessSimulator) -> None:
    for body in ({"username": "api.admin", "password": "Passw0rd!"}, {}, ["x"]):
        body_out = assert_error(_authenticate(lms_sim, body), 400)
        assert body_out["validations"]
    r = lms_sim.client.post(
        "/absorb/authenticate",
        content=b"{not json",
        headers={"x-api-key": ACME_KEY, "content-type": "application/json"},
    )
    assert_error(r, 400)


def test_authenticate_refuses_bad_credentials_with_401(lms_sim: InProcessSimulator) -> None:
    good = {"username": "api.admin", "password": "Passw0rd!", "privateKey": ACME_KEY}
    assert_error(_authenticate(lms_sim, {**good, "password": "nope"}), 401)
    assert_error(_authenticate(lms_sim, {**good, "username": "ghost"}), 401)
    assert_error(_authenticate(lms_sim, {**good, "privateKey": GLOBEX_KEY}), 401)
    assert_error(_authenticate(lms_sim, good, key=None), 401)
    assert_error(_authenticate(lms_sim, good, key="c0000000-0000-4000-8000-000000000003"), 401)
    # A user without a password (most demo learners) cannot log in.
    assert_error(_authenticate(lms_sim, {**good, "username": "bob.brown", "password": ""}), 401)
    # Usernames are case-insensitive, passwords are not.
    assert _authenticate(lms_sim, {**good, "username": "API.Admin"}).status_code == 200
    assert_error(_authenticate(lms_sim, {**good, "password": "passw0rd!"}), 401)


def test_every_call_needs_the_api_key_and_a_token(api: Absorb) -> None:
    client = api.sim.client
    assert_error(client.get("/absorb/users", headers={"Authorization": api.token}), 401)
    assert_error(client.get("/absorb/users", headers={"x-api-key": ACME_KEY}), 401)
    assert_error(client.get("/absorb/users", headers={"x-api-key": ACME_KEY, "Authorization": "Bearer nope"}), 401)
    # The token is only good with the key of its own portal.
    assert_error(client.get("/absorb/users", headers={"x-api-key": GLOBEX_KEY, "Authorization": api.token}), 401)


def test_bearer_and_bare_tokens_both_work(api: Absorb) -> None:
    for value in (f"Bearer {api.token}", api.token, f"bearer {api.token}"):
        r = api.sim.client.get("/absorb/users", headers={"x-api-key": ACME_KEY, "Authorization": value})
        assert r.status_code == 200, value


def test_tokens_expire_after_four_hours_of_simulated_time(api: Absorb) -> None:
    api.sim.advance(4 * 3600 - 1)
    assert api.get("/users").status_code == 200
    api.sim.advance(1)
    assert_error(api.get("/users"), 401)
    api.token = api.authenticate(*ADMIN)
    assert api.get("/users").status_code == 200


def test_a_new_token_replaces_the_users_previous_one(api: Absorb) -> None:
    old = api.token
    new = api.authenticate(*ADMIN)
    assert new != old
    api.token = old
    assert_error(api.get("/users"), 401)
    api.token = new
    assert api.get("/users").status_code == 200
    # Another user's login does not touch the admin's token.
    Absorb(api.sim, login=ACME_LEARNER)
    assert api.get("/users").status_code == 200


def _set_user(sim: InProcessSimulator, username: str, **values: Any) -> None:
    """Change a user's row the way the control plane would (a session, committed)."""
    from sqlalchemy import select

    from simulator.vendors.absorb.models import AbsorbUser

    with sim.session() as session:
        user = session.scalar(select(AbsorbUser).where(AbsorbUser.username == username))
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)


def test_a_remembered_token_stops_working_once_its_user_is_deactivated(lms_sim: InProcessSimulator) -> None:
    learner = Absorb(lms_sim, login=ACME_LEARNER)
    assert learner.get("/my-enrollments").status_code == 200  # the token is now remembered
    _set_user(lms_sim, ACME_LEARNER[0], active_status=1)
    body = assert_error(learner.get("/my-enrollments"), 401)
    assert body["message"] == "The token's user is not active."
    _set_user(lms_sim, ACME_LEARNER[0], active_status=0)
    assert learner.get("/my-enrollments").status_code == 200


def test_a_remembered_admin_token_loses_admin_operations_once_the_role_is_taken(api: Absorb) -> None:
    assert api.get("/users").status_code == 200
    _set_user(api.sim, ADMIN[0], is_admin=False)
    assert_error(api.get("/users"), 403)
    assert api.get("/my-enrollments").status_code == 200


def test_a_remembered_token_removed_from_the_database_is_refused(api: Absorb) -> None:
    from sqlalchemy import delete

    from simulator.vendors.absorb.models import AbsorbToken

    assert api.get("/users").status_code == 200
    with api.sim.session() as session:
        session.execute(delete(AbsorbToken).where(AbsorbToken.token == api.token))
    assert_error(api.get("/users"), 401)


def test_learners_only_reach_their_own_enrollments(lms_sim: InProcessSimulator) -> None:
    learner = Absorb(lms_sim, login=ACME_LEARNER)
    page = learner.ok("GET", "/my-enrollments")
    assert page["totalItems"] == 3
    assert {e["userId"] for e in page["enrollments"]} == {ALICE}
    assert learner.ok("GET", f"/my-enrollments/{SAFETY}")["userId"] == ALICE
    assert_error(learner.get("/users"), 403)
    assert_error(learner.get(f"/users/{ALICE}/enrollments"), 403)


def test_tenants_never_see_each_others_data(lms_sim: InProcessSimulator) -> None:
    globex_admin = Absorb(lms_sim, key=GLOBEX_KEY)
    assert_error(globex_admin.get(f"/users/{ALICE}"), 404)
    assert_error(globex_admin.get(f"/courses/{SAFETY}/enrollments"), 404)
    assert_error(globex_admin.get("/enrollments/aa000000-0000-4000-8000-00000000e001"), 404)
    assert_error(globex_admin.post(f"/users/{ALICE}/enrollments/{SAFETY}"), 404)
    assert globex_admin.ok("GET", f"/users/{globex('a001')}")["username"] == GLOBEX_LEARNER[0]
    users = globex_admin.ok("GET", "/users", params={"_limit": 1000})["users"]
    assert all(u["id"].startswith("bb") for u in users)


def test_disabled_portal_answers_403(lms_sim: InProcessSimulator) -> None:
    api = Absorb(lms_sim)
    from simulator.vendors.absorb.models import AbsorbPortal

    with lms_sim.session() as session:
        portal = session.get(AbsorbPortal, ACME_KEY)
        assert portal is not None
        portal.disabled = True
    body = assert_error(
        _authenticate(lms_sim, {"username": "api.admin", "password": "Passw0rd!", "privateKey": ACME_KEY}), 403
    )
    assert body["message"] == "Portal disabled."
    assert_error(api.get("/users"), 403)


def test_other_api_versions_are_served_and_journaled_as_warnings(api: Absorb) -> None:
    api.sim.clear_requests()
    assert api.get("/users", headers={"x-api-version": "1"}).status_code == 200
    entry = api.sim.requests(vendor="absorb", limit=1)[0]
    assert any(v["location"] == "header.x-api-version" and v["severity"] == "warning" for v in entry["violations"])
    assert "Passw0rd" not in str(api.sim.requests(vendor="absorb"))


def test_routes_match_case_insensitively(api: Absorb) -> None:
    assert api.get("/Users").status_code == 200
    assert api.get(f"/Users/{ALICE}/Enrollments").status_code == 200
    r = api.sim.client.post(
        "/absorb/Authenticate",
        json={"username": "api.admin", "password": "Passw0rd!", "privateKey": ACME_KEY},
        headers={"x-api-key": ACME_KEY},
    )
    assert r.status_code == 200


def _limited_sim(rate: float, burst: int) -> InProcessSimulator:
    settings: Settings = harness.test_settings(
        vendor_options={"absorb": {"rate_limit_per_second": rate, "rate_limit_burst": burst}}
    )
    return InProcessSimulator(settings)


def test_the_rate_limit_is_a_token_bucket_per_key_on_the_simulated_clock() -> None:
    sim = _limited_sim(rate=2, burst=5)
    try:
        api = Absorb(sim)  # 1 request
        for _ in range(4):
            assert api.get("/courses").status_code == 200
        body = assert_error(api.get("/courses"), 429)
        assert body["term"] == "TooManyRequests"
        # The other portal has its own bucket.
        assert Absorb(sim, key=GLOBEX_KEY).get("/courses").status_code == 200
        sim.advance(1)  # two tokens back
        assert api.get("/courses").status_code == 200
        assert api.get("/courses").status_code == 200
        assert_error(api.get("/courses"), 429)
    finally:
        sim.close()


def test_the_default_rate_limit_allows_a_burst_of_100() -> None:
    sim = InProcessSimulator()
    try:
        api = Absorb(sim)
        statuses = [api.get("/courses").status_code for _ in range(100)]
        assert statuses.count(200) == 99 and statuses[-1] == 429
    finally:
        sim.close()
