"""Secrets never reach the journal or the logs in the clear.

One run authenticates on every vendor as both tenants, succeeds and fails (wrong
passwords, malformed token requests, secrets in a query string), then every byte the
journal serves and every log record is searched for every secret that was sent or issued.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from simulator.core import journal
from simulator.testing.harness import InProcessSimulator

PASSWORDS = ["Passw0rd!", "Learn3r!", "Wr0ng-Passw0rd"]
VENDOR_SECRETS = [
    "acme-secret",
    "globex-secret",
    "acme-readonly",
    "msp_acme_full",
    "msp_globex_full",
    "skl-acme-key",
    "skl-globex-key",
    "a0000000-0000-4000-8000-000000000001",
    "b0000000-0000-4000-8000-000000000002",
]


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def _traffic(sim: InProcessSimulator) -> list[str]:
    """Authenticated and failed calls on every vendor; returns the tokens that were issued."""
    issued: list[str] = []
    for tenant in ("acme", "globex"):
        for vendor, path in (
            ("absorb", "/courses"),
            ("docebo", "/course/v1/courses"),
            ("learnlink", "/rest/v1/assignments"),
            ("msportal", "/api/public/v1/training/courses"),
            ("skillable", "/SearchClasses"),
        ):
            headers = sim.auth_headers(vendor, tenant)
            assert sim.call("GET", vendor, path, headers=headers).status_code == 200
            if vendor in ("absorb", "docebo"):
                issued.append(headers["Authorization"].split(" ", 1)[1])
    # Learn.link OAuth2: a token, then used
    token = sim.call(
        "POST",
        "learnlink",
        "/oauth2/token/eu-west-2_AcmeDemo01",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic("eu-west-2_AcmeDemo01", "acme-secret")},
    ).json()["access_token"]
    issued.append(token)
    sim.call("GET", "learnlink", "/rest/v1/assignments", headers={"Authorization": f"Bearer {token}"})
    # Docebo: the refresh token too, and token requests that fail before and after parsing
    good = {"client_id": "acme-client", "client_secret": "acme-secret", "username": "api.admin"}
    pair = sim.call("POST", "docebo", "/oauth2/token", data={**good, "grant_type": "password", "password": "Passw0rd!"})
    issued += [pair.json()["access_token"], pair.json()["refresh_token"]]
    sim.call("POST", "docebo", "/oauth2/token", data={**good, "grant_type": "password", "password": "Wr0ng-Passw0rd"})
    sim.call("POST", "docebo", "/oauth2/token", data={**good, "grant_type": "magic", "password": "Passw0rd!"})
    sim.call("POST", "docebo", "/oauth2/token", data={**good, "grant_type": ["password", "x"], "password": "Passw0rd!"})
    # Absorb: a wrong password, and a body the spec refuses (the raw text is what gets stored)
    key = {"x-api-key": "a0000000-0000-4000-8000-000000000001", "x-api-version": "2"}
    for body in (
        {"username": "api.admin", "password": "Wr0ng-Passw0rd", "privateKey": key["x-api-key"]},
        {"username": ["api.admin"], "password": "Passw0rd!", "privateKey": key["x-api-key"]},
    ):
        sim.call("POST", "absorb", "/authenticate", json=body, headers=key)
    sim.call("POST", "absorb", "/authenticate", content=b'{"password": "Passw0rd!", "privateKey": ', headers=key)
    # Secrets where they do not belong: the query string
    sim.call("GET", "docebo", "/course/v1/courses", params={"access_token": pair.json()["access_token"]})
    sim.call("GET", "msportal", "/api/public/v1/training/courses", params={"api_key": "msp_acme_full"})
    sim.call("GET", "skillable", "/SearchClasses", params={"api_key": "skl-acme-key", "password": "Passw0rd!"})
    return issued


@pytest.fixture
def run(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[InProcessSimulator, list[str]]]:
    sim = InProcessSimulator()
    try:
        with caplog.at_level(logging.DEBUG):
            issued = _traffic(sim)
        yield sim, issued
    finally:
        sim.close()


def _leaks(text: str, secrets: list[str]) -> list[str]:
    encoded = [base64.b64encode(f"eu-west-2_AcmeDemo01:{s}".encode()).decode() for s in VENDOR_SECRETS]
    return [s for s in [*secrets, *PASSWORDS, *VENDOR_SECRETS, *encoded] if s in text]


def test_the_journal_holds_no_secret(run: tuple[InProcessSimulator, list[str]]) -> None:
    sim, issued = run
    served = sim.client.get("/_sim/requests", params={"limit": 1000})
    entries = served.json()["requests"]
    assert len(entries) >= 20  # the traffic above was journaled at all
    assert any(e["requestHeaders"].get("authorization") == journal.REDACTED for e in entries)
    assert _leaks(served.text, issued) == []


def test_the_logs_hold_no_secret(run: tuple[InProcessSimulator, list[str]], caplog: pytest.LogCaptureFixture) -> None:
    _, issued = run
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert _leaks(text, issued) == []


def test_a_secret_in_a_query_string_is_redacted() -> None:
    assert journal.redact_query("access_token=abc&page=2&api_key=k") == "access_token=***&page=2&api_key=***"
    assert journal.redact_query("page=2&sort=name") == "page=2&sort=name"
    assert journal.redact_query("%ZZ=1&password=x") == "%ZZ=1&password=***"


def test_an_unparsed_form_body_is_redacted_field_by_field() -> None:
    stored = journal.body_text(b"grant_type=x&client_secret=s3&password=p%21", None, 4096)
    assert stored is not None and "s3" not in stored and "p%21" not in stored and "grant_type=x" in stored


def test_snapshot_listings_show_no_state(run: tuple[InProcessSimulator, list[str]]) -> None:
    """Snapshots hold credentials (they must restore them); the control API never serves their bodies."""
    sim, issued = run
    sim.snapshot("after-traffic")
    listing = sim.client.get("/_sim/snapshots")
    assert listing.status_code == 200 and "after-traffic" in listing.text
    assert _leaks(listing.text, issued) == []


def test_token_responses_are_not_journaled(run: tuple[InProcessSimulator, list[str]]) -> None:
    sim, _ = run
    for operation in ("authenticate", "requestToken", "getToken"):
        entries = sim.requests(operation=operation, status=200, limit=50)
        assert entries, operation
        assert all(e["responseBody"] == journal.REDACTED for e in entries)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"password": "Passw0rd!", "privateKey": ',
        b'{"user": "a", "client_secret": "acme-secret"',
        b'{"password": "Passw0rd!\\" still"} trailing',
        b'{"token": "abc',
    ],
)
def test_secrets_in_json_that_does_not_parse_are_redacted(raw: bytes) -> None:
    stored = journal.body_text(raw, None, 4096)
    assert stored is not None and journal.REDACTED in stored
    assert _leaks(stored, ["abc", "still"]) == []
