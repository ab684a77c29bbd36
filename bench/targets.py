"""Each vendor's main read, main write and main list, found on a running simulator.

The benchmark runs against whatever data the server holds (the demo fixtures or a generated
100,000-enrollment document), so nothing here hard-codes an id: credentials come from
`GET /_sim/vendors`, tokens from the vendor's own token endpoint, and ids from a first
list call. Every request is checked once (2xx, and for Skillable a body `Status` of 0)
before it is measured, so a figure never counts error answers.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

# The vendors whose rate limit is on by default, as vendor options: not counted at all, or
# counted on every request (the default path) but raised far above the load, never refusing one.
LIMITS_OFF = {"msportal": {"rate_limit_per_minute": 0}, "absorb": {"rate_limit_per_second": 0}}
LIMITS_HIGH = {"msportal": {"rate_limit_per_minute": 10**9}, "absorb": {"rate_limit_per_second": 10**9}}


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # from the server root, query string included
    body: str | None = None
    content_type: str = "application/json"
    # A write alternates with this one, so that every request changes what is stored: the
    # same update repeated would change nothing after the first and cost as little as a read.
    alternate: Call | None = None

    def variants(self) -> list[Call]:
        return [self] if self.alternate is None else [self, self.alternate]


@dataclass
class VendorCalls:
    vendor: str
    headers: dict[str, str]
    read: Call
    write: Call
    list: Call
    notes: dict[str, str] = field(default_factory=dict)


def _credentials(client: httpx.Client, vendor: str, tenant_index: int = 0) -> tuple[str, dict[str, str]]:
    for entry in client.get("/_sim/vendors").raise_for_status().json()["vendors"]:
        if entry["name"] == vendor:
            # A tenant's first credential is the vendor's most privileged one for that tenant.
            firsts: dict[str, dict[str, str]] = {}
            for credential in entry["credentials"]:
                firsts.setdefault(str(credential["tenant"]), dict(credential["values"]))
            tenant = list(firsts)[tenant_index]
            return tenant, firsts[tenant]
    raise LookupError(f"the server does not serve {vendor}")


def _alternating(method: str, path: str, body: dict[str, Any], other: dict[str, Any]) -> Call:
    return Call(method, path, json.dumps(body), alternate=Call(method, path, json.dumps(other)))


def _json(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json()


def msportal(client: httpx.Client, tenant_index: int = 0) -> VendorCalls:
    _, values = _credentials(client, "msportal", tenant_index)
    headers = {"Authorization": values["Authorization"]}
    base = "/msportal/api/public/v1/training"
    first = _json(client.get(f"{base}/enrollments", params={"limit": 1}, headers=headers))["data"][0]
    one = f"{base}/enrollments/{first['id']}"
    # Progress is stored only while an enrollment is unfinished (a completed one stays at 100).
    started = _json(client.get(f"{base}/enrollments", params={"limit": 1, "status": "in_progress"}, headers=headers))
    unfinished = f"{base}/enrollments/{started['data'][0]['id']}"
    return VendorCalls(
        "msportal",
        headers,
        read=Call("GET", one),
        write=_alternating("PATCH", unfinished, {"progress": 40}, {"progress": 60}),
        list=Call("GET", f"{base}/enrollments?limit=100&status=in_progress"),
    )


def docebo(client: httpx.Client) -> VendorCalls:
    _, values = _credentials(client, "docebo")
    form = {"grant_type": "password", "scope": "api", **values}
    token = _json(client.post("/docebo/oauth2/token", data=form))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    items = _json(client.get("/docebo/learn/v1/enrollments", params={"page_size": 1}, headers=headers))
    first = items["data"]["items"][0]
    one = f"/docebo/learn/v1/enrollments/{first['id']}/{first['user_id']}"
    return VendorCalls(
        "docebo",
        headers,
        read=Call("GET", one),
        write=_alternating("PUT", one, {"score_given": 88}, {"score_given": 87}),
        list=Call("GET", "/docebo/learn/v1/enrollments?page_size=100&page=1"),
    )


def skillable(client: httpx.Client) -> VendorCalls:
    _, values = _credentials(client, "skillable")
    headers = {"api_key": values["api_key"]}
    found = _json(client.get("/skillable/SearchClassEnrollments", params={"pageSize": 1}, headers=headers))
    first = found["Results"][0]
    update = (
        f"/skillable/UpdateClassEnrollment/{first['Id']}?classId={first['ClassId']}&userId={first['UserId']}"
        f"&enrollmentStatusId={first['EnrollmentStatusId']}&completionStatusId={first['CompletionStatusId']}"
    )
    return VendorCalls(
        "skillable",
        headers,
        read=Call("GET", f"/skillable/GetClassEnrollment/{first['Id']}"),
        # Skillable's writes are GETs with query parameters.
        write=Call("GET", f"{update}&hoursSpent=2", alternate=Call("GET", f"{update}&hoursSpent=3")),
        list=Call("GET", f"/skillable/SearchClassEnrollments?classId={first['ClassId']}&pageSize=100"),
    )


def learnlink(client: httpx.Client) -> VendorCalls:
    _, values = _credentials(client, "learnlink")
    basic = base64.b64encode(f"{values['tenantId']}:{values['secret']}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    assignment = _json(client.get("/learnlink/rest/v1/assignments", headers=headers))[0]
    base = f"/learnlink/rest/v1/assignments/{assignment['id']}"
    enrolments = _json(client.get(f"{base}/enrolments", headers=headers))
    rows = enrolments["data"] if isinstance(enrolments, dict) else enrolments
    return VendorCalls(
        "learnlink",
        headers,
        read=Call("GET", f"{base}/enrolments/{rows[0]['id']}"),
        write=_alternating(
            "PATCH",
            base,
            {"audienceId": assignment["audienceId"], "hideAlternativeContent": True},
            {"audienceId": assignment["audienceId"], "hideAlternativeContent": False},
        ),
        list=Call("GET", f"{base}/enrolments"),
        notes={"write": "PATCH assignment (Learn.link's enrolments change through assignments and completions)"},
    )


def absorb(client: httpx.Client) -> VendorCalls:
    _, values = _credentials(client, "absorb")
    key = values["x-api-key"]
    keys = {"x-api-key": key, "x-api-version": "2"}
    login = {"username": values["username"], "password": values["password"], "privateKey": values["privateKey"]}
    token = _json(client.post("/absorb/authenticate", json=login, headers=keys))
    headers = {**keys, "Authorization": f"Bearer {token}"}
    course = _json(client.get("/absorb/courses", params={"_limit": 1, "_sort": "name"}, headers=headers))["courses"][0]
    listing = _json(client.get(f"/absorb/courses/{course['id']}/enrollments", params={"_limit": 1}, headers=headers))
    enrollment = listing["enrollments"][0]
    return VendorCalls(
        "absorb",
        headers,
        read=Call("GET", f"/absorb/enrollments/{enrollment['id']}"),
        # Absorb's create-or-update of one enrollment.
        write=_alternating(
            "POST",
            f"/absorb/users/{enrollment['userId']}/enrollments",
            {"courseId": course["id"], "credits": 1},
            {"courseId": course["id"], "credits": 2},
        ),
        list=Call(
            "GET",
            f"/absorb/courses/{course['id']}/enrollments?_filter=progress%20ge%200&_sort=-dateStarted&_limit=100",
        ),
    )


FINDERS = {"msportal": msportal, "docebo": docebo, "skillable": skillable, "learnlink": learnlink, "absorb": absorb}


def check(client: httpx.Client, calls: VendorCalls, call: Call) -> None:
    """One request before the measured ones: a figure must never count error answers."""
    headers = {**calls.headers, "content-type": call.content_type} if call.body is not None else calls.headers
    response = client.request(call.method, call.path, content=call.body, headers=headers)
    if response.status_code >= 300:
        raise RuntimeError(f"{calls.vendor} {call.method} {call.path} -> {response.status_code}: {response.text[:300]}")
    body = response.json() if calls.vendor == "skillable" else {}
    if body.get("Status", body.get("status", 0)) != 0:
        raise RuntimeError(f"skillable {call.path} answered {response.text[:300]}")


def discover(base_url: str, vendors: list[str] | None = None) -> list[VendorCalls]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return discover_with(client, vendors)


def discover_with(client: httpx.Client, vendors: list[str] | None = None) -> list[VendorCalls]:
    """The calls, found through any client (a socket one, or Starlette's in-process one)."""
    out = []
    for name in vendors or list(FINDERS):
        calls = FINDERS[name](client)
        for call in (calls.read, *calls.write.variants(), calls.list):
            check(client, calls, call)
        out.append(calls)
    return out
