"""Each serving process remembers the access tokens it found; a change to the token or user
tables, by any process, forgets them, and expiry is checked on every request regardless."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core import clock
from simulator.settings import Settings
from simulator.vendors.docebo.models import DoceboToken, DoceboUser

FORM = {
    "grant_type": "password",
    "scope": "api",
    "client_id": "acme-client",
    "client_secret": "acme-secret",
    "username": "api.admin",
    "password": "Passw0rd!",
}
LIST = "/docebo/learn/v1/enrollments?page_size=1"


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """A serving process and a second one on the same database file (its runtime only)."""
    path = tmp_path / "sim.db"
    serving = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    other = create_app(Settings(db=str(path), allowed_hosts=["testserver"]), bootstrap=False)
    with TestClient(serving) as client, TestClient(other):
        yield client, other.state.runtime


def _remembered_token(client: TestClient) -> dict[str, str]:
    response = client.post("/docebo/oauth2/token", data=FORM)
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert client.get(LIST, headers=headers).status_code == 200  # found, and remembered
    assert client.get(LIST, headers=headers).status_code == 200
    return headers


def test_a_token_revoked_by_another_process_is_refused_at_its_next_request(
    two_processes: tuple[TestClient, Any],
) -> None:
    client, other = two_processes
    headers = _remembered_token(client)
    token = headers["Authorization"].removeprefix("Bearer ")
    with other.db.transaction() as session:
        session.execute(update(DoceboToken).where(DoceboToken.token == token).values(revoked=True))
    refused = client.get(LIST, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error_description"] == "The access token provided is invalid"


def test_a_users_level_changed_by_another_process_applies_at_its_next_request(
    two_processes: tuple[TestClient, Any],
) -> None:
    client, other = two_processes
    headers = _remembered_token(client)
    one = client.get(LIST, headers=headers).json()["data"]["items"][0]
    path = f"/docebo/learn/v1/enrollments/{one['id']}/{one['user_id']}"
    assert client.put(path, json={"score_given": 50}, headers=headers).status_code == 200
    with other.db.transaction() as session:  # the API account becomes a plain learner
        session.execute(update(DoceboUser).where(DoceboUser.username == "api.admin").values(role="user"))
    assert client.put(path, json={"score_given": 51}, headers=headers).status_code == 403


def test_a_remembered_token_still_expires_on_the_simulated_clock(two_processes: tuple[TestClient, Any]) -> None:
    client, _ = two_processes
    headers = _remembered_token(client)
    plumbing = client.app.state.runtime.plumbing  # type: ignore[attr-defined]
    remembered = dict(plumbing.remembered)
    # The process's copy of the clock moves past the token's hour, with no table changed:
    # the token stays remembered, and its expiry is still compared with now.
    hour = dt.timedelta(seconds=3601)
    for scope in {clock.GLOBAL, "acme"}:
        offset, frozen = plumbing.clocks.get(scope, plumbing.clocks.get(clock.GLOBAL, (0.0, None)))
        plumbing.clocks[scope] = (offset + hour.total_seconds(), None if frozen is None else frozen + hour)
    refused = client.get(LIST, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error_description"] == "The access token provided has expired"
    assert remembered and plumbing.remembered == remembered
