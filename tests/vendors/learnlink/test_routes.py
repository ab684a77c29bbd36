"""Learn.link over HTTP (in-process app, demo fixtures, frozen clock)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import delete, update

from simulator.core import clock
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.learnlink.models import LearnlinkCredential, LearnlinkToken

ACME, GLOBEX = "eu-west-2_AcmeDemo01", "eu-west-2_GlobexDemo1"
CONDUCT = "64b000000000000000f00001"  # acme: "Code of conduct" to All staff, 30 days, assigned 45 days ago
SALES = "64b000000000000000f00003"  # acme: "Sales compliance" to Sales, 14 days, assigned 5 days ago
JOINERS = "64b000000000000000a00005"  # acme: an empty audience
ALL_STAFF = "64b000000000000000a00001"
ADA, FRANCES = "64b000000000000000b00001", "64b000000000000000b00010"
C_CONDUCT, C_SALES, C_FIRE = "64b000000000000000c00001", "64b000000000000000c00003", "64b000000000000000c00006"


def basic(tenant_id: str = ACME, secret: str = "acme-secret") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{tenant_id}:{secret}".encode()).decode()}


def token(
    sim: InProcessSimulator, scope: str | None = None, tenant_id: str = ACME, secret: str = "acme-secret"
) -> dict[str, str]:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    r = sim.client.post(sim.url("learnlink", f"/oauth2/token/{tenant_id}"), data=form, headers=basic(tenant_id, secret))
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def get(sim: InProcessSimulator, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return sim.client.get(sim.url("learnlink", path), headers=basic() if headers is None else headers, params=params)


def send(
    sim: InProcessSimulator, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    return sim.client.request(
        method, sim.url("learnlink", path), json=body, headers=basic() if headers is None else headers
    )


def assert_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error", "message"} and body["status"] == status


# --- auth ---------------------------------------------------------------------------


def test_missing_or_wrong_credentials_are_401(lms_sim: InProcessSimulator) -> None:
    path = f"/rest/v1/assignments/{CONDUCT}"
    assert_error(get(lms_sim, path, headers={}), 401)
    assert_error(get(lms_sim, path, headers=basic(secret="nope")), 401)
    assert_error(get(lms_sim, path, headers=basic(tenant_id=GLOBEX, secret="acme-secret")), 401)
    assert_error(get(lms_sim, path, headers={"Authorization": "Bearer not-a-token"}), 401)
    assert_error(get(lms_sim, path, headers={"Authorization": "Basic !!!"}), 401)
    assert get(lms_sim, path).status_code == 200


@pytest.mark.both_databases
def test_token_endpoint_accepts_basic_or_form_credentials(lms_sim: InProcessSimulator) -> None:
    url = lms_sim.url("learnlink", f"/oauth2/token/{ACME}")
    form = {"grant_type": "client_credentials", "client_id": ACME, "client_secret": "acme-secret"}
    r = lms_sim.client.post(url, data=form)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"api/all", "api/read", "api/write", "api/webhooks"}
    assert_error(lms_sim.client.post(url, data={**form, "client_secret": "wrong"}), 401)
    assert_error(lms_sim.client.post(url, data={**form, "client_id": GLOBEX}), 401)
    assert_error(lms_sim.client.post(url, data={"grant_type": "client_credentials"}), 401)
    assert_error(lms_sim.client.post(url, data={**form, "grant_type": "password"}), 422)
    # The read-only secret may not ask for write access.
    ro = {"grant_type": "client_credentials", "scope": "api/write", "client_id": ACME, "client_secret": "acme-readonly"}
    assert_error(lms_sim.client.post(url, data=ro), 400)
    # The spec bounds the Authorization header at 1024 characters, even when the form carries the client.
    long_header = {"Authorization": "Bearer " + "x" * 1018}
    assert_error(lms_sim.client.post(url, data=form, headers=long_header), 422)
    assert lms_sim.client.post(url, data=form, headers={"Authorization": "Bearer " + "x" * 1017}).status_code == 200


def test_tokens_expire_after_an_hour_of_simulated_time(lms_sim: InProcessSimulator) -> None:
    headers = token(lms_sim)
    lms_sim.advance(seconds=3599)
    assert get(lms_sim, f"/rest/v1/assignments/{CONDUCT}", headers=headers).status_code == 200
    lms_sim.advance(seconds=1)
    assert_error(get(lms_sim, f"/rest/v1/assignments/{CONDUCT}", headers=headers), 401)


def test_a_remembered_secret_is_forgotten_when_it_changes(lms_sim: InProcessSimulator) -> None:
    path = f"/rest/v1/assignments/{CONDUCT}"
    assert get(lms_sim, path).status_code == 200  # found, and remembered by the process
    with lms_sim.session() as session:
        session.execute(
            update(LearnlinkCredential).where(LearnlinkCredential.secret == "acme-secret").values(secret="rotated")
        )
    assert_error(get(lms_sim, path), 401)
    assert get(lms_sim, path, headers=basic(secret="rotated")).status_code == 200


def test_a_remembered_secret_loses_a_scope_taken_from_it(lms_sim: InProcessSimulator) -> None:
    assert get(lms_sim, "/rest/v1/users").status_code == 200
    with lms_sim.session() as session:
        session.execute(
            update(LearnlinkCredential)
            .where(LearnlinkCredential.secret == "acme-secret")
            .values(scopes=["api/webhooks"])
        )
    assert_error(get(lms_sim, "/rest/v1/users"), 403)


def test_a_remembered_token_is_refused_once_revoked(lms_sim: InProcessSimulator) -> None:
    headers, other = token(lms_sim), token(lms_sim)
    path = f"/rest/v1/assignments/{CONDUCT}"
    assert get(lms_sim, path, headers=headers).status_code == 200  # remembered
    revoked = headers["Authorization"].removeprefix("Bearer ")
    with lms_sim.session() as session:
        session.execute(delete(LearnlinkToken).where(LearnlinkToken.token == revoked))
    assert_error(get(lms_sim, path, headers=headers), 401)
    assert get(lms_sim, path, headers=other).status_code == 200


def test_scopes(lms_sim: InProcessSimulator) -> None:
    body = {"userId": ADA, "contentId": C_FIRE, "completedAt": "2026-01-01T00:00:00Z"}
    read, write, webhooks = token(lms_sim, "api/read"), token(lms_sim, "api/write"), token(lms_sim, "api/webhooks")
    assert get(lms_sim, "/rest/v1/learning/completions", headers=read).status_code == 200
    assert_error(send(lms_sim, "POST", "/rest/v1/learning/completions", body, headers=read), 403)
    assert_error(get(lms_sim, "/rest/v1/learning/completions", headers=write), 403)
    assert send(lms_sim, "POST", "/rest/v1/learning/completions", body, headers=write).status_code == 201
    assert_error(get(lms_sim, "/rest/v1/users", headers=webhooks), 403)
    everything = token(lms_sim, "api/all")
    assert get(lms_sim, "/rest/v1/users", headers=everything).status_code == 200
    # A Basic secret carries its scopes too.
    readonly = basic(secret="acme-readonly")
    assert get(lms_sim, "/rest/v1/users", headers=readonly).status_code == 200
    assert_error(send(lms_sim, "POST", "/rest/v1/learning/completions", body, headers=readonly), 403)


def test_a_tenant_never_sees_the_others_data(lms_sim: InProcessSimulator) -> None:
    globex = basic(GLOBEX, "globex-secret")
    assert_error(get(lms_sim, f"/rest/v1/assignments/{CONDUCT}", headers=globex), 404)
    assert_error(get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments", headers=globex), 404)
    assert_error(get(lms_sim, f"/rest/v1/audiences/{ALL_STAFF}", headers=globex), 404)
    ids = {a["id"] for a in get(lms_sim, "/rest/v1/assignments", headers=globex).json()}
    assert ids and CONDUCT not in ids
    body = {"userId": ADA, "contentId": C_CONDUCT, "completedAt": "2026-01-01T00:00:00Z"}
    assert_error(send(lms_sim, "POST", "/rest/v1/learning/completions", body, headers=globex), 404)


# --- enrolments ---------------------------------------------------------------------


@pytest.mark.both_databases
def test_get_enrolment_matches_the_list(lms_sim: InProcessSimulator) -> None:
    rows = get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments").json()
    assert isinstance(rows, list) and len(rows) == 24
    one = get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments/{rows[0]['id']}").json()
    assert one == rows[0]
    assert list(one) == [
        "id", "userId", "assignmentId", "audienceId", "primaryContentId", "status",
        "availableDate", "dueDate", "lastCompletedAt", "history", "updatedAt",
    ]  # fmt: skip
    assert one["history"][0]["previousStatus"] == "unassigned"
    assert_error(get(lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments/not-an-object-id"), 422)
    # Which one is missing: the enrolment (of another assignment), or the assignment itself.
    elsewhere = get(lms_sim, f"/rest/v1/assignments/{SALES}/enrolments/{rows[0]['id']}")
    assert_error(elsewhere, 404)
    assert elsewhere.json()["message"] == "Enrolment not found"
    unknown = get(lms_sim, f"/rest/v1/assignments/{'0' * 24}/enrolments/{rows[0]['id']}")
    assert_error(unknown, 404)
    assert unknown.json()["message"] == "Assignment not found"
    other_tenant = get(
        lms_sim, f"/rest/v1/assignments/{CONDUCT}/enrolments/{rows[0]['id']}", headers=basic(GLOBEX, "globex-secret")
    )
    assert_error(other_tenant, 404)
    assert other_tenant.json()["message"] == "Assignment not found"


@pytest.mark.both_databases
def test_list_filters_and_paging(lms_sim: InProcessSimulator) -> None:
    path = f"/rest/v1/assignments/{CONDUCT}/enrolments"
    statuses = {r["status"] for r in get(lms_sim, path).json()}
    assert statuses == {"complete", "overdue", "archived"}
    overdue = get(lms_sim, path, status="overdue").json()
    assert overdue and {r["status"] for r in overdue} == {"overdue"}
    pages = [get(lms_sim, path, page=p, perPage=10).json() for p in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [10, 10, 4, 0]
    assert len({r["id"] for p in pages for r in p}) == 24
    stamps = [r["updatedAt"] for p in pages for r in p]
    assert stamps == sorted(stamps)
    middle = stamps[12]
    later = get(lms_sim, path, updatedAtFrom=middle).json()
    assert later and all(r["updatedAt"] >= middle for r in later)
    earlier = get(lms_sim, path, updatedAtFrom=stamps[0], updatedAtTo=middle).json()
    assert earlier and all(r["updatedAt"] <= middle for r in earlier)
    for bad in (
        {"perPage": 0},
        {"perPage": 101},
        {"page": 0},
        {"status": "unassigned"},
        {"updatedAtFrom": "yesterday"},
    ):
        assert_error(get(lms_sim, path, **bad), 422)


@pytest.mark.both_databases
def test_the_clock_moves_enrolments_and_reads_change_nothing(lms_sim: InProcessSimulator) -> None:
    path = f"/rest/v1/assignments/{SALES}/enrolments"
    rows = get(lms_sim, path).json()
    assert {r["status"] for r in rows} == {"open", "complete"}
    due = clock.parse_instant(next(r for r in rows if r["status"] == "open")["dueDate"])
    # Up to the due instant (wire times are whole milliseconds: stop 2 ms short): not yet overdue.
    lms_sim.advance(seconds=(due - lms_sim.now()).total_seconds() - 0.002)
    assert "overdue" not in {r["status"] for r in get(lms_sim, path).json()}
    lms_sim.advance(seconds=1)
    rows = get(lms_sim, path).json()
    assert {r["status"] for r in rows} == {"overdue", "complete"}
    late = next(r for r in rows if r["status"] == "overdue")
    assert late["history"][-1]["createdAt"] == late["dueDate"] == late["updatedAt"]
    assert get(lms_sim, path).json() == rows


# --- assignments and completions ----------------------------------------------------


@pytest.mark.both_databases
def test_assignment_lifecycle(lms_sim: InProcessSimulator) -> None:
    created = send(
        lms_sim, "POST", "/rest/v1/assignments", {"audienceId": ALL_STAFF, "contentId": C_SALES, "completionPeriod": 7}
    )
    assert created.status_code == 201, created.text
    a = created.json()
    assert a["completionPeriod"] == 7 and a["recurrence"] is None and a["isActive"] and not a["isDeleted"]
    assert get(lms_sim, f"/rest/v1/assignments/{a['id']}").json() == a
    enrolled = get(lms_sim, f"/rest/v1/assignments/{a['id']}/enrolments").json()
    assert len(enrolled) == 22 and {r["status"] for r in enrolled} == {"open"}  # two members left All staff
    assert ALL_STAFF in {x["audienceId"] for x in get(lms_sim, "/rest/v1/assignments", audienceId="ALL").json()}
    again = send(lms_sim, "POST", "/rest/v1/assignments", {"audienceId": ALL_STAFF, "contentId": C_SALES})
    assert_error(again, 409)
    patched = send(
        lms_sim, "PATCH", f"/rest/v1/assignments/{a['id']}", {"audienceId": ALL_STAFF, "completionPeriod": 20}
    )
    assert patched.status_code == 200 and patched.json()["completionPeriod"] == 20
    wrong_audience = send(
        lms_sim, "PATCH", f"/rest/v1/assignments/{a['id']}", {"audienceId": JOINERS, "completionPeriod": 9}
    )
    assert_error(wrong_audience, 409)  # the assignment exists: another audience is not a 404
    lms_sim.advance(seconds=60)
    flags = {"audienceId": ALL_STAFF, "hideAlternativeContent": True, "recurrence": 180}
    flagged = send(lms_sim, "PATCH", f"/rest/v1/assignments/{a['id']}", flags)
    assert flagged.status_code == 200
    assert flagged.json() == {
        **patched.json(),
        "hideAlternativeContent": True,
        "recurrence": 180,
        "updatedAt": flagged.json()["updatedAt"],
    }
    assert flagged.json()["updatedAt"] > patched.json()["updatedAt"]
    assert get(lms_sim, f"/rest/v1/assignments/{a['id']}").json() == flagged.json()
    assert_error(send(lms_sim, "PATCH", f"/rest/v1/assignments/{'0' * 24}", flags), 404)
    enrolment_id = enrolled[0]["id"]
    deleted = send(lms_sim, "DELETE", f"/rest/v1/assignments/{a['id']}", {"audienceId": ALL_STAFF})
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(get(lms_sim, f"/rest/v1/assignments/{a['id']}"), 404)
    assert_error(get(lms_sim, f"/rest/v1/assignments/{a['id']}/enrolments"), 404)
    assert_error(get(lms_sim, f"/rest/v1/assignments/{a['id']}/enrolments/{enrolment_id}"), 404)
    assert_error(send(lms_sim, "DELETE", f"/rest/v1/assignments/{a['id']}"), 404)


@pytest.mark.both_databases
def test_completion_completes_the_enrolment(lms_sim: InProcessSimulator) -> None:
    path = f"/rest/v1/assignments/{SALES}/enrolments"
    mine = next(r for r in get(lms_sim, path).json() if r["userId"] == "64b000000000000000b00008")
    assert mine["status"] == "open"
    body = {"userId": mine["userId"], "contentId": C_SALES, "completedAt": "2026-01-01T10:00:00.000Z"}
    first = send(lms_sim, "POST", "/rest/v1/learning/completions", body)
    assert first.status_code == 201
    second = send(lms_sim, "POST", "/rest/v1/learning/completions", body)
    assert second.status_code == 200 and second.json() == first.json()
    statement = first.json()["statementId"]
    record = get(lms_sim, f"/rest/v1/learning/completions/{statement}").json()
    assert record["completedAt"] == "2026-01-01T10:00:00.000Z" and record["hadDueDate"] is True
    now = get(lms_sim, f"{path}/{mine['id']}").json()
    assert now["status"] == "complete" and now["lastCompletedAt"] == "2026-01-01T10:00:00.000Z"
    assert now["history"][-1]["completionId"] == statement
    listed = get(lms_sim, "/rest/v1/learning/completions", userId=mine["userId"], contentId=C_SALES).json()
    assert [c["id"] for c in listed] == [statement]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/rest/v1/learning/completions", {"userId": ADA, "contentId": C_FIRE}, 422),
        ("POST", "/rest/v1/learning/completions", {"userId": ADA, "contentId": C_FIRE, "completedAt": 5}, 422),
        (
            "POST",
            "/rest/v1/learning/completions",
            {"userId": "x" * 24, "contentId": C_FIRE, "completedAt": "2026-01-01T00:00:00Z"},
            422,
        ),
        (
            "POST",
            "/rest/v1/learning/completions",
            {"userId": "0" * 24, "contentId": C_FIRE, "completedAt": "2026-01-01T00:00:00Z"},
            404,
        ),
        ("POST", "/rest/v1/learning/completions", [1, 2], 422),
        ("POST", "/rest/v1/assignments", {"audienceId": JOINERS, "contentId": C_FIRE, "completionPeriod": 0}, 422),
        ("POST", "/rest/v1/assignments", {"audienceId": JOINERS, "contentId": C_FIRE, "completionPeriod": 1096}, 422),
        ("POST", "/rest/v1/assignments", {"audienceId": JOINERS, "contentId": "0" * 24}, 422),
        ("PATCH", f"/rest/v1/assignments/{CONDUCT}", {"audienceId": ALL_STAFF, "contentId": "0" * 24}, 422),
        (
            "PATCH",
            f"/rest/v1/assignments/{CONDUCT}",
            {"audienceId": ALL_STAFF, "alternativeContentIds": [C_FIRE, "0" * 24]},
            422,
        ),
        ("PATCH", f"/rest/v1/assignments/{CONDUCT}", {"completionPeriod": 3}, 422),
        ("PATCH", f"/rest/v1/assignments/{'0' * 24}", {"audienceId": ALL_STAFF}, 404),
    ],
)
def test_bad_input_gets_the_envelope_and_changes_nothing(
    lms_sim: InProcessSimulator, method: str, path: str, body: Any, status: int
) -> None:
    before = [
        get(lms_sim, "/rest/v1/learning/completions", perPage=1000).json(),
        get(lms_sim, "/rest/v1/assignments").json(),
    ]
    assert_error(send(lms_sim, method, path, body), status)
    after = [
        get(lms_sim, "/rest/v1/learning/completions", perPage=1000).json(),
        get(lms_sim, "/rest/v1/assignments").json(),
    ]
    assert after == before


def test_malformed_and_oversized_bodies(lms_sim: InProcessSimulator) -> None:
    url = lms_sim.url("learnlink", "/rest/v1/learning/completions")
    headers = {**basic(), "content-type": "application/json"}
    assert_error(lms_sim.client.post(url, content=b'{"userId": ', headers=headers), 400)
    assert_error(lms_sim.client.post(url, content=b"x" * (1_048_576 + 10), headers=headers), 413)


@pytest.mark.both_databases
def test_hostile_filter_strings_are_just_values(lms_sim: InProcessSimulator) -> None:
    for value in ("' OR 1=1 --", "%", "_", "ALL' UNION SELECT * FROM learnlink_credentials --"):
        r = get(lms_sim, "/rest/v1/assignments", audienceId=value)
        assert r.status_code == 200 and r.json() == []
    assert len(get(lms_sim, "/rest/v1/assignments", audienceId="ALL").json()) == 2
