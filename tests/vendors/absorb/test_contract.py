"""Schemathesis over specs/absorb.yaml, in-process, with every default check and the
stateful phase over the spec's OpenAPI links (enrol -> read -> update -> start and finish
an attempt -> unenroll).

Auth is Absorb's own flow: a fresh admin token from `POST /authenticate` for every case (a
new token replaces the previous one), sent with the portal key; the auth checks strip both to
prove auth is enforced. The statuses Absorb answers schema-valid requests with when a business
rule refuses them (an unparseable OData `_filter`, an attempt on a lesson that is not open)
are the ones the spec declares in `x-schema-valid-rejections`, per operation. The rate limit is
off here (a frozen clock never refills the bucket); test_auth.py covers it.
"""

from __future__ import annotations

import schemathesis

from simulator.testing import harness
from simulator.testing.schemathesis_support import OPERATION_SETTINGS, run_stateful, send_headers, vendor_schema
from tests.vendors.absorb.helpers import ACME_KEY, ADMIN

SIM = harness.InProcessSimulator(
    harness.test_settings(vendor_options={"absorb": {"rate_limit_per_second": 0}}), frozen=True
)
schema = vendor_schema(SIM, "absorb")


def admin_token() -> str:
    r = SIM.client.post(
        "/absorb/authenticate",
        json={"username": ADMIN[0], "password": ADMIN[1], "privateKey": ACME_KEY},
        headers={"x-api-key": ACME_KEY, "x-api-version": "2"},
    )
    assert r.status_code == 200, r.text
    token: str = r.json()
    return token


def absorb_headers(case: schemathesis.Case) -> dict[str, str]:
    if case.operation.path == "/authenticate":
        return {"x-api-key": ACME_KEY}  # the call that issues the token
    return {"x-api-key": ACME_KEY, "Authorization": f"Bearer {admin_token()}"}


send_headers(schema, absorb_headers)


@schema.parametrize()
@OPERATION_SETTINGS
def test_absorb_operations(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_absorb_stateful() -> None:
    run_stateful(schema, SIM, max_examples=25, step_count=8)
