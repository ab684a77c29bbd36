"""Signing in to the dashboard starts a session of its own: a random value per sign-in, known
to the server with an expiry, ended by signing out, and `Secure` when served over TLS."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from simulator.dashboard import access
from simulator.testing.harness import InProcessSimulator, test_settings

TOKEN = "s3cret-admin"
OVERVIEW = "/_dashboard/api/overview"


@pytest.fixture
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator(test_settings(admin_token=TOKEN), frozen=False)
    yield simulator
    simulator.close()


def _sign_in(sim: InProcessSimulator) -> str:
    response = sim.client.post("/_dashboard/login", data={"token": TOKEN})
    assert response.status_code == 303
    value = response.cookies[access.COOKIE]
    sim.client.cookies.clear()
    return value


def _with(sim: InProcessSimulator, value: str) -> int:
    return int(sim.client.get(OVERVIEW, headers={"cookie": f"{access.COOKIE}={value}"}).status_code)


def test_every_sign_in_is_a_new_random_session(sim: InProcessSimulator) -> None:
    first, second = _sign_in(sim), _sign_in(sim)
    assert first != second and TOKEN not in first
    assert _with(sim, first) == 200 and _with(sim, second) == 200


def test_the_same_token_on_another_simulator_gives_a_session_that_is_not_valid_here(sim: InProcessSimulator) -> None:
    other = InProcessSimulator(test_settings(admin_token=TOKEN), frozen=False)
    try:
        foreign = _sign_in(other)
    finally:
        other.close()
    assert _with(sim, foreign) == 401


def test_signing_out_ends_the_session_on_the_server(sim: InProcessSimulator) -> None:
    value = _sign_in(sim)
    other = _sign_in(sim)
    out = sim.client.post("/_dashboard/logout", headers={"cookie": f"{access.COOKIE}={value}"})
    assert out.status_code == 303
    assert _with(sim, value) == 401  # a copy of the cookie kept elsewhere no longer works
    assert _with(sim, other) == 200  # other sign-ins stay


def test_a_session_expires(sim: InProcessSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "SESSION_SECONDS", 1)
    value = _sign_in(sim)
    assert _with(sim, value) == 200
    time.sleep(1.2)
    assert _with(sim, value) == 401


def test_the_cookie_says_how_long_it_lives_and_is_secure_over_tls(sim: InProcessSimulator) -> None:
    plain = sim.client.post("/_dashboard/login", data={"token": TOKEN}).headers["set-cookie"]
    assert "Max-Age=" in plain and "HttpOnly" in plain and "Secure" not in plain
    tls = httpx.Client(transport=sim.client._transport, base_url="https://testserver")
    try:
        secure = tls.post("/_dashboard/login", data={"token": TOKEN}).headers["set-cookie"]
    finally:
        tls.close()
    assert "Secure" in secure and "HttpOnly" in secure and "SameSite=strict" in secure
