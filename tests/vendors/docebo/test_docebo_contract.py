"""Schemathesis over specs/docebo.yaml, in-process, with every default check.

The auth provider runs Docebo's token flow (a password grant on the token endpoint) for
each case, so tokens are never stale after a reset; the auth checks (`ignored_auth`,
`missing_required_header`) strip the token to prove auth is enforced.
"""

from __future__ import annotations

import schemathesis

from simulator.testing.harness import InProcessSimulator
from simulator.testing.schemathesis_support import (
    OPERATION_SETTINGS,
    bearer,
    run_stateful,
    send_headers,
    vendor_schema,
)

SIM = InProcessSimulator(frozen=True)
schema = vendor_schema(SIM, "docebo")

TOKEN_FORM = {
    "grant_type": "password",
    "client_id": "acme-client",
    "client_secret": "acme-secret",
    "scope": "api",
    "username": "api.admin",
    "password": "Passw0rd!",
}


def password_grant() -> str:
    response = SIM.client.post("/docebo/oauth2/token", data=TOKEN_FORM)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


send_headers(schema, bearer(password_grant))


@schema.parametrize()
@OPERATION_SETTINGS
def test_docebo_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_docebo_stateful() -> None:
    run_stateful(schema, SIM)
