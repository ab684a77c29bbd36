"""Scopes and roles hold on every write, and stale credentials are refused, for every vendor.

Read-only credentials walk every operation their vendor refuses them (every write; for
Absorb and Docebo learners, everything but their own enrollments): the vendor's 403, and
the vendor's tables unchanged. Skillable TMS has one key per organization and no scopes,
so it has nothing to check here. Tokens: expired ones (on the simulated clock) and ones
that were replaced (Absorb's one-token-per-user, Docebo's refresh rotation) are 401/400.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from simulator.core.spec import Operation, load_spec, operations
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors
from simulator.vendors.absorb.auth import LEARNER_OPERATIONS as ABSORB_LEARNER_OPERATIONS
from simulator.vendors.docebo.auth import LEARNER_OPERATIONS as DOCEBO_LEARNER_OPERATIONS
from tests.hostile.test_hostile_input import _digest
from tests.hostile.test_isolation import _request

ABSORB_KEY = "a0000000-0000-4000-8000-000000000001"


def _basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


def _absorb_login(sim: InProcessSimulator, username: str, password: str) -> dict[str, str]:
    headers = {"x-api-key": ABSORB_KEY, "x-api-version": "2"}
    body = {"username": username, "password": password, "privateKey": ABSORB_KEY}
    response = sim.call("POST", "absorb", "/authenticate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return {**headers, "Authorization": f"Bearer {response.json()}"}


def _docebo_login(sim: InProcessSimulator, username: str, password: str) -> dict[str, Any]:
    form = {
        "grant_type": "password",
        "client_id": "acme-client",
        "client_secret": "acme-secret",
        "username": username,
        "password": password,
    }
    response = sim.call("POST", "docebo", "/oauth2/token", data=form)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _learnlink_token(sim: InProcessSimulator, scope: str) -> str:
    response = sim.call(
        "POST",
        "learnlink",
        "/oauth2/token/eu-west-2_AcmeDemo01",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=_basic("eu-west-2_AcmeDemo01", "acme-secret"),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# Who is read-only, per vendor, and which operations it must be refused.
ReadOnly = Callable[[InProcessSimulator], dict[str, str]]
READ_ONLY: dict[str, tuple[str, ReadOnly, Callable[[Operation], bool]]] = {
    "msportal": (
        "read-only API key",
        lambda sim: {"Authorization": "Bearer msp_acme_read"},
        lambda op: "training:write" in op.raw.get("x-scopes", ()),
    ),
    "learnlink": (
        "read-only API secret",
        lambda sim: _basic("eu-west-2_AcmeDemo01", "acme-readonly"),
        lambda op: op.method != "GET" and not op.public,
    ),
    "learnlink-token": (
        "api/read token",
        lambda sim: {"Authorization": f"Bearer {_learnlink_token(sim, 'api/read')}"},
        lambda op: op.method != "GET" and not op.public,
    ),
    "absorb": (
        "learner",
        lambda sim: _absorb_login(sim, "alice.anderson", "Learn3r!"),
        lambda op: op.operation_id not in ABSORB_LEARNER_OPERATIONS and op.operation_id != "authenticate",
    ),
    "docebo": (
        "learner (level user)",
        lambda sim: {"Authorization": f"Bearer {_docebo_login(sim, 'maria.rossi', 'Learn3r!')['access_token']}"},
        lambda op: op.operation_id not in DOCEBO_LEARNER_OPERATIONS and not op.public,
    ),
}


def _cases() -> Iterator[Any]:
    for key, (_who, _headers, refused) in READ_ONLY.items():
        vendor = key.split("-")[0]
        spec_file = next(v.spec_file for v in all_vendors() if v.name == vendor)
        for op in operations(load_spec(spec_file)):
            if refused(op):
                yield pytest.param(key, op, id=f"{key}-{op.operation_id}")


@pytest.fixture(scope="module")
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator()
    yield simulator
    simulator.close()


@pytest.mark.parametrize(("key", "op"), list(_cases()))
def test_read_only_credentials_cannot_write(sim: InProcessSimulator, key: str, op: Operation) -> None:
    sim.reset()
    sim.freeze()
    vendor = key.split("-")[0]
    who, headers_of, _ = READ_ONLY[key]
    headers = headers_of(sim)
    spec = load_spec(next(v.spec_file for v in all_vendors() if v.name == vendor))
    path, query, body = _request(spec, op) or (op.path.replace("{", "").replace("}", ""), {}, None)
    before = _digest(sim, vendor)
    kwargs: dict[str, Any] = {"params": query, "headers": headers}
    if body is not None:
        kwargs["json"] = body
    response = sim.call(op.method, vendor, path, **kwargs)
    assert response.status_code == 403, (
        f"a {who} called {op.operation_id}: {response.status_code} {response.text[:300]}"
    )
    assert _digest(sim, vendor) == before, f"a refused {op.operation_id} changed state"


def test_read_only_walk_covers_every_write_of_every_vendor_with_roles() -> None:
    """The walk above is not empty by accident: each scoped vendor has writes in it."""
    by_vendor: dict[str, int] = {}
    for param in _cases():
        by_vendor[param.values[0]] = by_vendor.get(param.values[0], 0) + 1
    assert set(by_vendor) == set(READ_ONLY), by_vendor
    assert all(count >= 2 for count in by_vendor.values()), by_vendor


# -- expired and replaced tokens ----------------------------------------------------------


def test_absorb_token_expires_after_four_hours_and_is_replaced_by_a_new_login(lms_sim: InProcessSimulator) -> None:
    first = _absorb_login(lms_sim, "api.admin", "Passw0rd!")
    assert lms_sim.call("GET", "absorb", "/courses", headers=first).status_code == 200
    second = _absorb_login(lms_sim, "api.admin", "Passw0rd!")
    assert lms_sim.call("GET", "absorb", "/courses", headers=first).status_code == 401  # replaced
    assert lms_sim.call("GET", "absorb", "/courses", headers=second).status_code == 200
    lms_sim.advance(4 * 3600 + 1)
    assert lms_sim.call("GET", "absorb", "/courses", headers=second).status_code == 401  # expired


def test_docebo_access_token_expires_and_a_spent_refresh_token_is_refused(lms_sim: InProcessSimulator) -> None:
    tokens = _docebo_login(lms_sim, "api.admin", "Passw0rd!")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert lms_sim.call("GET", "docebo", "/course/v1/courses", headers=bearer).status_code == 200
    refresh = {
        "grant_type": "refresh_token",
        "client_id": "acme-client",
        "client_secret": "acme-secret",
        "refresh_token": tokens["refresh_token"],
    }
    assert lms_sim.call("POST", "docebo", "/oauth2/token", data=refresh).status_code == 200
    replayed = lms_sim.call("POST", "docebo", "/oauth2/token", data=refresh)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"  # rotated away
    lms_sim.advance(3601)
    expired = lms_sim.call("GET", "docebo", "/course/v1/courses", headers=bearer)
    assert expired.status_code == 401, expired.text


def test_learnlink_token_expires_after_an_hour(lms_sim: InProcessSimulator) -> None:
    bearer = {"Authorization": f"Bearer {_learnlink_token(lms_sim, 'api/all')}"}
    assert lms_sim.call("GET", "learnlink", "/rest/v1/assignments", headers=bearer).status_code == 200
    lms_sim.advance(3601)
    assert lms_sim.call("GET", "learnlink", "/rest/v1/assignments", headers=bearer).status_code == 401


@pytest.mark.parametrize(
    ("vendor", "headers"),
    [
        ("msportal", {"Authorization": "Bearer msp_acme_ful"}),
        ("skillable", {"api_key": "skl-acme-ke"}),
        ("learnlink", _basic("eu-west-2_AcmeDemo01", "acme-secre")),
        ("absorb", {"x-api-key": ABSORB_KEY, "x-api-version": "2", "Authorization": "Bearer " + "0" * 96}),
    ],
)
def test_a_nearly_right_secret_is_refused(lms_sim: InProcessSimulator, vendor: str, headers: dict[str, str]) -> None:
    path = {
        "msportal": "/api/public/v1/training/courses",
        "skillable": "/SearchClasses",
        "learnlink": "/rest/v1/assignments",
        "absorb": "/courses",
    }[vendor]
    response = lms_sim.call("GET", vendor, path, headers=headers)
    if vendor == "skillable":
        assert response.status_code == 200 and response.json()["Status"] == 30  # Invalid integration key
    else:
        assert response.status_code == 401, response.text
