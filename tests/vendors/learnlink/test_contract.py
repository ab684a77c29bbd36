"""Schemathesis over specs/learnlink.yaml, in-process, with every default check and the links.

Auth uses the documented token flow: the provider asks the app's own token endpoint for
an `api/all` token (client credentials, Basic) and sends it as a Bearer token; the auth
checks (`ignored_auth`, `missing_required_header`) strip it to prove auth is enforced.
"""

from __future__ import annotations

import base64

import schemathesis

from simulator.testing.harness import InProcessSimulator
from simulator.testing.schemathesis_support import OPERATION_SETTINGS, run_stateful, send_headers, vendor_schema

SIM = InProcessSimulator(frozen=True)
TENANT_ID, SECRET = "eu-west-2_AcmeDemo01", "acme-secret"

schema = vendor_schema(SIM, "learnlink")


def fetch_token() -> str:
    basic = base64.b64encode(f"{TENANT_ID}:{SECRET}".encode()).decode()
    response = SIM.client.post(
        f"/learnlink/oauth2/token/{TENANT_ID}",
        data={"grant_type": "client_credentials", "scope": "api/all"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def learnlink_headers(case: schemathesis.Case) -> dict[str, str]:
    if case.operation.path.startswith("/oauth2/"):
        return {}  # the token endpoint authenticates the client itself
    # A fresh token per case: the stateful phase resets the database between scenarios.
    return {"Authorization": f"Bearer {fetch_token()}"}


send_headers(schema, learnlink_headers)


@schema.parametrize()
@OPERATION_SETTINGS
def test_learnlink_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_learnlink_stateful() -> None:
    run_stateful(schema, SIM)
