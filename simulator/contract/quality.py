"""What we promise about every bundled spec, beyond being valid OpenAPI 3.0.

Examples make the examples phase (and the docs) useful, links give the stateful phase something
to follow, and a listed 401 lets Schemathesis's auth checks tell "auth enforced" from a defect.
Each problem names the operation and what it lacks, so a vendor author knows what to add.
"""

from __future__ import annotations

from typing import Any

from simulator.core.spec import HTTP_METHODS

WRITE_METHODS = ("put", "patch", "delete")


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a concrete object."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = doc
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def _has_example(doc: dict[str, Any], holder: dict[str, Any]) -> bool:
    if "example" in holder or holder.get("examples"):
        return True
    schema = resolve(doc, holder.get("schema", {}))
    return isinstance(schema, dict) and "example" in schema


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], list[Any]]]:
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                out.append((path, method, item[method], item.get("parameters", [])))
    return out


def spec_problems(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    operations = _operations(doc)
    by_id = {op.get("operationId"): (method, path) for path, method, op, _ in operations}
    default_security = doc.get("security", [])
    for path, method, op, shared_params in operations:
        name = f"{op.get('operationId', '?')} ({method.upper()} {path})"
        params = {}
        for raw in [*shared_params, *op.get("parameters", [])]:
            param = resolve(doc, raw)
            params[(param.get("in"), param.get("name"))] = param
        for (location, pname), param in params.items():
            if not _has_example(doc, param):
                problems.append(f"{name}: {location} parameter {pname!r} has no example")
        body = resolve(doc, op.get("requestBody", {}))
        for media, content in body.get("content", {}).items():
            if not _has_example(doc, content):
                problems.append(f"{name}: request body {media} has no example")
        responses = op.get("responses", {})
        for status, raw in responses.items():
            for media, content in resolve(doc, raw).get("content", {}).items():
                if not _has_example(doc, content):
                    problems.append(f"{name}: response {status} {media} has no example")
        security = op.get("security", default_security)
        if security and {} not in security:
            expected = _auth_failure_statuses(doc, security)
            if not expected & set(responses):
                listed = " or ".join(sorted(expected))
                problems.append(f"{name}: authenticated but does not list a {listed} response")
        if method == "post" and "201" in responses:
            problems += [f"{name}: {p}" for p in _link_problems(doc, resolve(doc, responses["201"]), by_id)]
    return problems


def _auth_failure_statuses(doc: dict[str, Any], security: list[dict[str, Any]]) -> set[str]:
    """401, unless a scheme declares `x-auth-failure-status` (Skillable answers a bad key with a 200)."""
    schemes = doc.get("components", {}).get("securitySchemes", {})
    declared = {
        str(schemes[name]["x-auth-failure-status"])
        for requirement in security
        for name in requirement
        if "x-auth-failure-status" in schemes.get(name, {})
    }
    return declared or {"401"}


def _link_problems(doc: dict[str, Any], response: dict[str, Any], by_id: dict[Any, tuple[str, str]]) -> list[str]:
    links = {key: resolve(doc, link) for key, link in response.get("links", {}).items()}
    if not links and response.get("x-no-links-reason"):
        return []  # the spec says why nothing in this API can read the created thing back
    if not links:
        return ["creates (201) but declares no OpenAPI links to a get/update/delete operation"]
    problems = []
    targets = []
    for key, link in links.items():
        target = by_id.get(link.get("operationId"))
        if target is None:
            problems.append(f"link {key!r} names an unknown operationId {link.get('operationId')!r}")
        else:
            targets.append(target[0])
    if targets and not any(m == "get" or m in WRITE_METHODS for m in targets):
        problems.append("201 links lead to no get/update/delete operation")
    return problems
