"""`--auth`: turn a short spec (demo, bearer:TOKEN, basic:USER:PASS) into headers or basic auth.

`demo` asks the server's control API (`GET /_sim/vendors`) for the vendor's demo credentials, so
it follows whatever fixtures the server was started with; a server without `/_sim` (a proxy, a
vendor sandbox) gets the credentials of the bundled demo fixtures instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx


class AuthError(Exception):
    """The --auth value cannot be used; the message says why."""


@dataclass
class ResolvedAuth:
    headers: dict[str, str] = field(default_factory=dict)
    basic: tuple[str, str] | None = None
    source: str = ""  # shown in the summary, e.g. "demo credential of tenant acme (from the server)"


def resolve_auth(spec: str, *, vendor: str, base_url: str | None, client: Any = None) -> ResolvedAuth:
    """`client`: an httpx-compatible client for the token request (e.g. an in-process TestClient)."""
    kind, _, rest = spec.partition(":")
    if kind == "bearer" and rest:
        return ResolvedAuth(headers={"Authorization": f"Bearer {rest}"}, source="bearer token")
    if kind == "basic" and ":" in rest:
        user, _, password = rest.partition(":")
        return ResolvedAuth(basic=(user, password), source=f"basic auth as {user}")
    if kind == "demo":
        return _demo(vendor, base_url, tenant=rest or None, client=client)
    raise AuthError(f"--auth takes demo[:TENANT], bearer:TOKEN or basic:USER:PASS, got {spec!r}")


def _demo(vendor: str, base_url: str | None, *, tenant: str | None, client: Any) -> ResolvedAuth:
    credentials, origin = _server_credentials(vendor, base_url, client), "the server"
    if credentials is None:
        credentials, origin = _bundled_credentials(vendor), "the bundled demo fixtures"
    if tenant is not None:
        credentials = [c for c in credentials if c.get("tenant") == tenant]
    if not credentials:
        where = f" for tenant {tenant}" if tenant else ""
        raise AuthError(f"{vendor} has no demo credential{where} in {origin}; pass --header or --auth bearer:...")
    # The credential with the most scopes/roles listed in its note: demo tenants put the full-access
    # key next to read-only ones, and the contract run needs every operation to be allowed.
    best = max(credentials, key=lambda c: len(str(c.get("note", "")).split()))
    return _from_credential(best, origin, vendor=vendor, base_url=base_url, client=client)


def _from_credential(
    credential: Mapping[str, Any], origin: str, *, vendor: str, base_url: str | None, client: Any
) -> ResolvedAuth:
    values = {str(k): str(v) for k, v in credential.get("values", {}).items()}
    source = f"demo {credential.get('kind')} of tenant {credential.get('tenant')} (from {origin})"
    lowered = {k.lower(): v for k, v in values.items()}
    if "client_id" in lowered and "client_secret" in lowered:
        token = _oauth2_token(lowered, vendor=vendor, base_url=base_url, client=client)
        return ResolvedAuth(headers={"Authorization": f"Bearer {token}"}, source=source + ", OAuth2 token")
    login = _login_token(values, vendor=vendor, base_url=base_url, client=client)
    if login is not None:
        return ResolvedAuth(headers=login, source=source + ", token from the spec's x-token-operation")
    if "username" in lowered and "password" in lowered:
        return ResolvedAuth(basic=(lowered["username"], lowered["password"]), source=source)
    header_keys = _api_key_headers(vendor)
    if values and all(_looks_like_header(name) or name.lower() in header_keys for name in values):
        return ResolvedAuth(headers=values, source=source)
    raise AuthError(
        f"the demo credential ({credential.get('kind')}: {', '.join(values)}) is not a header or basic auth; "
        "obtain a token and pass it with --header or --auth bearer:TOKEN"
    )


def _api_key_headers(vendor: str) -> set[str]:
    """Header names the vendor's spec declares for API keys (Skillable's is `api_key`)."""
    from simulator.contract.targets import find_target
    from simulator.core.spec import load_spec

    schemes = load_spec(find_target(vendor).spec_file).get("components", {}).get("securitySchemes", {})
    return {str(s["name"]).lower() for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "header"}


def _looks_like_header(name: str) -> bool:
    return name.lower() in ("authorization", "cookie") or "-" in name


def _server_credentials(vendor: str, base_url: str | None, client: Any) -> list[dict[str, Any]] | None:
    if not base_url:
        return None
    parts = urlsplit(base_url)
    try:
        response = (client or httpx).get(f"{parts.scheme}://{parts.netloc}/_sim/vendors", timeout=10)
        if response.status_code != 200:
            return None
        listed = response.json().get("vendors", [])
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    for entry in listed:
        if entry.get("name") == vendor:
            return list(entry.get("credentials", []))
    return None


def _bundled_credentials(vendor: str) -> list[dict[str, Any]]:
    # A throwaway in-memory simulator loaded with the demo fixtures knows every vendor's credentials.
    from simulator.runtime import Runtime
    from simulator.settings import Settings

    runtime = Runtime(Settings(db="sqlite://"))
    try:
        runtime.bootstrap()
        plugin = runtime.vendors.get(vendor)
        if plugin is None or plugin.credentials is None:
            return []
        with runtime.db.transaction() as session:
            return [
                {"tenant": c.tenant, "kind": c.kind, "values": dict(c.values), "note": c.note}
                for c in plugin.credentials(session)
            ]
    finally:
        runtime.db.dispose()


def _oauth2_token(values: Mapping[str, str], *, vendor: str, base_url: str | None, client: Any) -> str:
    """Get an access token the way the vendor's spec says: its OAuth2 scheme's tokenUrl, password
    grant when the credential has a user (else client credentials), every scope the flow lists."""
    from simulator.contract.targets import find_target
    from simulator.core.spec import load_spec

    if not base_url:
        raise AuthError("an OAuth2 demo credential needs --base-url to request a token")
    schemes = load_spec(find_target(vendor).spec_file).get("components", {}).get("securitySchemes", {})
    grant = "password" if "username" in values and "password" in values else "client_credentials"
    flow_name = "password" if grant == "password" else "clientCredentials"
    flows = [s["flows"][flow_name] for s in schemes.values() if s.get("type") == "oauth2" and flow_name in s["flows"]]
    if not flows:
        raise AuthError(f"the {vendor} spec declares no OAuth2 {flow_name} flow to get a token from")
    url = _token_url(str(flows[0]["tokenUrl"]), values, vendor=vendor, base_url=base_url)
    form = {"grant_type": grant, "client_id": values["client_id"], "client_secret": values["client_secret"]}
    if grant == "password":
        form.update(username=values["username"], password=values["password"])
    if flows[0].get("scopes"):
        form["scope"] = " ".join(flows[0]["scopes"])
    try:
        response = (client or httpx).post(url, data=form, timeout=30)
        token = response.json().get("access_token") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise AuthError(f"token request to {url} failed: {exc}") from exc
    if not token:
        raise AuthError(f"token request to {url} answered {response.status_code}: {response.text[:200]}")
    return str(token)


def _token_url(token_url: str, values: Mapping[str, str], *, vendor: str, base_url: str) -> str:
    """The tokenUrl, moved onto `base_url` when it names the spec's own server (Learn.link's is
    absolute), with `{name}` placeholders filled from the credential (Learn.link's `{tenantId}`)."""
    from simulator.contract.targets import find_target
    from simulator.core.spec import load_spec

    servers = load_spec(find_target(vendor).spec_file).get("servers", [])
    for server in servers:
        upstream = str(server.get("url", "")).rstrip("/")
        if upstream and token_url.startswith(upstream + "/"):
            token_url = token_url[len(upstream) :]
            break
    url = token_url if "://" in token_url else base_url.rstrip("/") + token_url
    by_name = {k.lower(): v for k, v in values.items()}
    for name in re.findall(r"{([^}]+)}", url):
        if name.lower() not in by_name:
            raise AuthError(f"the tokenUrl {token_url} needs {name!r}, which the demo credential does not give")
        url = url.replace("{" + name + "}", quote(by_name[name.lower()], safe=""))
    return url


def _login_token(values: Mapping[str, str], *, vendor: str, base_url: str | None, client: Any) -> dict[str, str] | None:
    """Headers for a vendor whose token comes from an operation of its own API (Absorb's
    `POST /authenticate`): a security scheme names that operation in `x-token-operation`. The
    credential's API-key headers go along with the call, the values its JSON body declares are the
    body, and the token it answers (a JSON string, or `access_token`) goes back in the scheme's
    header as `Bearer <token>`. None when no scheme declares one."""
    from simulator.contract.quality import resolve
    from simulator.contract.targets import find_target
    from simulator.core.spec import load_spec, operations

    doc = load_spec(find_target(vendor).spec_file)
    schemes = doc.get("components", {}).get("securitySchemes", {})
    declared = [s for s in schemes.values() if s.get("x-token-operation")]
    if not declared:
        return None
    scheme = declared[0]
    found = [op for op in operations(doc) if op.operation_id == scheme["x-token-operation"]]
    if not found:
        raise AuthError(f"x-token-operation names no operation of the {vendor} spec: {scheme['x-token-operation']}")
    if not base_url:
        raise AuthError(f"a {vendor} demo credential needs --base-url to request a token")
    login = found[0]
    content = resolve(doc, login.raw.get("requestBody", {})).get("content", {}).get("application/json", {})
    fields = set(resolve(doc, content.get("schema", {})).get("properties", {}))
    key_headers = _api_key_headers(vendor) - {str(scheme.get("name", "")).lower()}
    headers = {k: v for k, v in values.items() if k.lower() in key_headers}
    body = {k: v for k, v in values.items() if k in fields}
    url = base_url.rstrip("/") + login.path
    try:
        response = (client or httpx).request(login.method, url, json=body, headers=headers, timeout=30)
        answer = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise AuthError(f"token request to {url} failed: {exc}") from exc
    token = answer.get("access_token") if isinstance(answer, dict) else answer
    if not token or not isinstance(token, str):
        raise AuthError(f"token request to {url} answered {response.status_code}: {response.text[:200]}")
    return {**headers, str(scheme["name"]): f"Bearer {token}"}
