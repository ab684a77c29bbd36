"""Working credentials for the demo tenants, per vendor, for tests that walk every operation.

Each function takes a client (in-process or real) and a tenant and returns the headers
that authenticate as that tenant's most privileged demo credential, obtaining a token
first where the vendor's scheme needs one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

AuthHeaders = Callable[[Any, str], dict[str, str]]

_MSPORTAL_KEYS = {"acme": "msp_acme_full", "globex": "msp_globex_full"}


def msportal(client: Any, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_MSPORTAL_KEYS[tenant]}"}


def docebo(client: Any, tenant: str) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "client_id": f"{tenant}-client",
        "client_secret": f"{tenant}-secret",
        "scope": "api",
        "username": "api.admin",
        "password": "Passw0rd!",
    }
    response = client.call("POST", "docebo", "/oauth2/token", data=form)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def skillable(client: Any, tenant: str) -> dict[str, str]:
    return {"api_key": f"skl-{tenant}-key"}


_LEARNLINK = {"acme": ("eu-west-2_AcmeDemo01", "acme-secret"), "globex": ("eu-west-2_GlobexDemo1", "globex-secret")}


def learnlink(client: Any, tenant: str) -> dict[str, str]:
    tenant_id, secret = _LEARNLINK[tenant]
    return {"Authorization": "Basic " + base64.b64encode(f"{tenant_id}:{secret}".encode()).decode()}


_ABSORB_KEYS = {"acme": "a0000000-0000-4000-8000-000000000001", "globex": "b0000000-0000-4000-8000-000000000002"}


def absorb(client: Any, tenant: str) -> dict[str, str]:
    key = _ABSORB_KEYS[tenant]
    headers = {"x-api-key": key, "x-api-version": "2"}
    body = {"username": "api.admin", "password": "Passw0rd!", "privateKey": key}
    response = client.call("POST", "absorb", "/authenticate", json=body, headers=headers)
    response.raise_for_status()
    return {**headers, "Authorization": f"Bearer {response.json()}"}


PROVIDERS: dict[str, AuthHeaders] = {
    "absorb": absorb,
    "msportal": msportal,
    "docebo": docebo,
    "skillable": skillable,
    "learnlink": learnlink,
}


def headers_for(vendor: str, client: Any, tenant: str = "acme") -> dict[str, str]:
    provider = PROVIDERS.get(vendor)
    if provider is None:
        raise KeyError(f"no demo credentials known for {vendor}")
    return provider(client, tenant)
