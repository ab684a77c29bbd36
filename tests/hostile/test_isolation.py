"""Tenant isolation, operation by operation: one tenant's credentials never reach another's records.

Operations with path parameters: the request names a real acme record (the spec example,
or, where an operation needs a record in a particular state, one picked from the database
or created first as acme). globex's call must be refused in the vendor's own way and change
nothing; then acme's own call must succeed, which proves the request names a real record.

Operations without path parameters (lists, searches, bulk writes): called as each tenant,
no answer may carry an id that belongs only to the other tenant.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from simulator.core.snapshots import vendor_tables
from simulator.core.spec import Operation, load_spec, operations
from simulator.core.validation import resolve
from simulator.testing.demo_auth import PROVIDERS
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors
from simulator.vendors.absorb.models import AbsorbAttempt, AbsorbLessonEnrollment
from simulator.vendors.absorb.states import LESSON_OPEN_FOR_ATTEMPTS, Status
from tests.hostile.figures import FIGURES, report_at_module_end
from tests.hostile.test_hostile_input import REJECTED, _digest, _http_4xx

# Operations whose request is built from the database instead of the spec example: they
# need a record in a particular state (an open lesson, an attempt in progress) or a learner.
Built = tuple[str, dict[str, Any], Any, dict[str, str], dict[str, str]]  # path, query, body, acme, globex


def _success(vendor: str, response: httpx.Response) -> bool:
    if vendor == "skillable":
        body = response.json()
        return response.status_code == 200 and body.get("status", body.get("Status")) == 0
    return 200 <= response.status_code < 300


def _example(spec: dict[str, Any], param: dict[str, Any]) -> Any:
    if "example" in param:
        return param["example"]
    schema = resolve(spec, param.get("schema", {}))
    return schema.get("example")


def _request(spec: dict[str, Any], op: Operation) -> tuple[str, dict[str, Any], Any] | None:
    """(path, query, json body) built from the operation's examples; None when one is missing."""
    merged = {}  # operation-level parameters override path-level ones of the same name
    for p in [*spec["paths"][op.path].get("parameters", []), *op.raw.get("parameters", [])]:
        p = resolve(spec, p)
        merged[(p["name"], p["in"])] = p
    path, query = op.path, {}
    for p in merged.values():
        value = _example(spec, p)
        if p["in"] == "path":
            if value is None:
                return None
            path = path.replace("{" + p["name"] + "}", quote(str(value), safe=""))
        elif p["in"] == "query" and p.get("required") and value is not None:
            query[p["name"]] = value
    body = None
    content = resolve(spec, op.raw.get("requestBody", {})).get("content", {})
    if "application/json" in content:
        body = content["application/json"].get("example")
    return path, query, body


def _cases() -> Iterator[Any]:
    for vendor in all_vendors():
        if vendor.name not in PROVIDERS:
            continue
        spec = load_spec(vendor.spec_file)
        for op in operations(spec):
            if "{" in op.path and not op.public:
                yield pytest.param(vendor.name, op, id=f"{vendor.name}-{op.operation_id}")


@pytest.fixture(scope="module")
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator()
    yield simulator
    simulator.close()
    report_at_module_end()


def _open_lesson(sim: InProcessSimulator) -> AbsorbLessonEnrollment:
    """An active acme lesson enrollment open for a new attempt, with none in progress."""
    with sim.session() as session:
        busy = select(AbsorbAttempt.lesson_enrollment_id).where(AbsorbAttempt.status == int(Status.IN_PROGRESS))
        lesson = session.scalars(
            select(AbsorbLessonEnrollment)
            .where(
                AbsorbLessonEnrollment.tenant == "acme",
                AbsorbLessonEnrollment.is_active.is_(True),
                AbsorbLessonEnrollment.status.in_([int(s) for s in LESSON_OPEN_FOR_ATTEMPTS]),
                AbsorbLessonEnrollment.id.not_in(busy),
            )
            .order_by(AbsorbLessonEnrollment.id)
        ).first()
        assert lesson is not None, "the acme fixtures have no lesson open for an attempt"
        session.expunge(lesson)
        return lesson


def _attempts_path(lesson: AbsorbLessonEnrollment) -> str:
    return f"/users/{lesson.user_id}/enrollments/{lesson.course_id}/lessons/{lesson.lesson_id}/attempts"


def _started_attempt(sim: InProcessSimulator, acme: dict[str, str]) -> tuple[AbsorbLessonEnrollment, str]:
    lesson = _open_lesson(sim)
    started = sim.call("POST", "absorb", _attempts_path(lesson), headers=acme, json={})
    assert started.status_code in (200, 201), started.text
    return lesson, str(started.json()["attemptId"])


def _login(sim: InProcessSimulator, key: str, username: str) -> dict[str, str]:
    headers = {"x-api-key": key, "x-api-version": "2"}
    body = {"username": username, "password": "Learn3r!", "privateKey": key}
    response = sim.call("POST", "absorb", "/authenticate", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return {**headers, "Authorization": f"Bearer {response.json()}"}


def _build_absorb(sim: InProcessSimulator, spec: dict[str, Any], op: Operation) -> Built | None:
    acme, globex = sim.auth_headers("absorb", "acme"), sim.auth_headers("absorb", "globex")
    body = (_request(spec, op) or ("", {}, None))[2]
    if op.operation_id == "startLessonAttempt":
        return _attempts_path(_open_lesson(sim)), {}, body, acme, globex
    if isinstance(body, dict) and "completionDate" in body:
        # The example's date precedes the attempt; a second later is after it (the API shows milliseconds).
        body = {**body, "completionDate": (sim.now() + dt.timedelta(seconds=1)).isoformat()}
    if op.operation_id == "finishUserLessonAttempt":
        lesson, attempt = _started_attempt(sim, acme)
        return f"{_attempts_path(lesson)}/{attempt}", {}, body, acme, globex
    if op.operation_id == "finishAttempt":
        _, attempt = _started_attempt(sim, acme)
        return f"/attempts/{attempt}", {}, body, acme, globex
    if op.operation_id == "getMyEnrollment":
        alice = _login(sim, "a0000000-0000-4000-8000-000000000001", "alice.anderson")
        gina = _login(sim, "b0000000-0000-4000-8000-000000000002", "gina.gold")
        mine = sim.call("GET", "absorb", "/my-enrollments", headers=alice).json()["enrollments"]
        return f"/my-enrollments/{mine[0]['courseId']}", {}, None, alice, gina
    return None


BUILDERS = {"absorb": _build_absorb}


@pytest.mark.parametrize(("vendor", "op"), list(_cases()))
def test_other_tenant_cannot_reach_the_record(sim: InProcessSimulator, vendor: str, op: Operation) -> None:
    sim.reset()
    sim.freeze()
    spec = load_spec(next(v.spec_file for v in all_vendors() if v.name == vendor))
    builder = BUILDERS.get(vendor)
    built = builder(sim, spec, op) if builder else None
    if built is None:
        example = _request(spec, op)
        if example is None:
            pytest.fail(f"{op.operation_id} has no example for a path parameter: isolation cannot be checked")
        globex, acme = sim.auth_headers(vendor, "globex"), sim.auth_headers(vendor, "acme")  # tokens are state too
        built = (*example, acme, globex)
    path, query, body, acme, globex = built
    kwargs: dict[str, Any] = {"params": query}
    if body is not None:
        kwargs["json"] = body
    before = _digest(sim, vendor)
    foreign = sim.call(op.method, vendor, path, headers=globex, **kwargs)
    assert REJECTED.get(vendor, _http_4xx)(foreign), (
        f"globex reached acme's record: {foreign.status_code} {foreign.text[:300]}"
    )
    assert _digest(sim, vendor) == before, "a refused cross-tenant call changed state"
    own = sim.call(op.method, vendor, path, headers=acme, **kwargs)
    assert _success(vendor, own), f"the request does not name an acme record: {own.status_code} {own.text[:300]}"
    FIGURES.count_isolation(vendor, op.operation_id, 1)


# -- lists: no answer carries an id that only the other tenant has -------------------------


def _ids_by_tenant(sim: InProcessSimulator, vendor: str) -> dict[str, set[str]]:
    """Every single-column primary key value of the vendor's tables, per tenant, as text."""
    out: dict[str, set[str]] = {"acme": set(), "globex": set()}
    with sim.session() as session:
        for table in vendor_tables():
            keys = list(table.primary_key.columns)
            key = next((c for c in keys if c.name != "tenant"), None)
            if not table.name.startswith(f"{vendor}_") or key is None or "tenant" not in table.c:
                continue
            for tenant, value in session.execute(select(table.c.tenant, key)):
                if tenant in out:
                    out[tenant].add(str(value))
    return out


def _ids_in(value: Any) -> Iterator[str]:
    """Values of id-like fields anywhere in a JSON answer (id, userId, course_id, Id, ClassId...)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str | int) and not isinstance(item, bool) and re.search(r"(^|_)id$|Id$|^ID$", key):
                yield str(item)
            else:
                yield from _ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids_in(item)


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif value is not None:
        yield str(value)


def _list_cases() -> Iterator[Any]:
    for vendor in all_vendors():
        if vendor.name not in PROVIDERS:
            continue
        for op in operations(load_spec(vendor.spec_file)):
            if "{" not in op.path and not op.public:
                yield pytest.param(vendor.name, op, id=f"{vendor.name}-{op.operation_id}")


@pytest.mark.parametrize(("vendor", "op"), list(_list_cases()))
@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_answers_carry_only_the_callers_records(
    sim: InProcessSimulator, vendor: str, op: Operation, tenant: str
) -> None:
    """Lists, searches and bulk writes: every id in the answer is the caller's (or shared)."""
    sim.reset()
    sim.freeze()
    spec = load_spec(next(v.spec_file for v in all_vendors() if v.name == vendor))
    other = "globex" if tenant == "acme" else "acme"
    ids = _ids_by_tenant(sim, vendor)
    foreign = ids[other] - ids[tenant]
    assert foreign, f"{other} has no {vendor} records of its own: the check would prove nothing"
    path, query, body = _request(spec, op) or (op.path, {}, None)
    kwargs: dict[str, Any] = {"params": query, "headers": sim.auth_headers(vendor, tenant)}
    if body is not None:
        kwargs["json"] = body
    response = sim.call(op.method, vendor, path, **kwargs)
    assert response.status_code < 500, response.text[:300]
    try:
        answer = response.json()
    except ValueError:
        answer = None
    echoed = set(_scalars([query, body]))  # what the caller sent and the answer echoes is not a leak
    leaked = sorted(set(_ids_in(answer)) & foreign - echoed)
    assert leaked == [], f"{tenant}'s {op.operation_id} answer carries {other}'s ids: {leaked[:5]}"
    if op.method == "GET" and tenant == "acme":  # the examples name acme's records: acme's own call works
        assert _success(vendor, response), f"acme could not list: {response.status_code} {response.text[:300]}"
    FIGURES.count_isolation(vendor, op.operation_id, 1)
