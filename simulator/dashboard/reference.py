"""A vendor's API reference, rendered from its bundled spec by our own template (nothing from a CDN).

Each operation is listed with its parameters, body and responses (schemas and examples
as the spec gives them); a "Try it" form per operation is prefilled with the path's
examples and a demo tenant's credentials, and sends the request to this simulator.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from simulator.core.spec import load_spec

METHODS = ("get", "post", "put", "patch", "delete")
# Credential values that are sent as headers as they are.
_HEADER_VALUES = ("Authorization", "api_key", "x-api-key")


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    parameters: list[dict[str, Any]]
    body_schema: str | None
    body_example: str | None
    responses: list[dict[str, Any]] = field(default_factory=list)
    provenance: str | None = None


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (one level: the reference links to the schema it names)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _example(content: dict[str, Any]) -> Any:
    if "example" in content:
        return content["example"]
    examples = content.get("examples") or {}
    first = next(iter(examples.values()), None)
    return first.get("value") if isinstance(first, dict) else None


def _parameter(spec: dict[str, Any], raw: Any) -> dict[str, Any]:
    p = _resolve(spec, raw)
    schema = p.get("schema", {})
    return {
        "name": p.get("name", ""),
        "in": p.get("in", ""),
        "required": bool(p.get("required")),
        "type": schema.get("type") or str(schema.get("$ref", "")).rsplit("/", 1)[-1],
        "description": p.get("description", ""),
        "example": p.get("example", schema.get("example", schema.get("default"))),
    }


def operations(spec_file: str) -> list[Operation]:
    spec = load_spec(spec_file)
    found: list[Operation] = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            body = _resolve(spec, op.get("requestBody", {})).get("content", {})
            media, content = next(iter(body.items()), (None, dict[str, Any]()))
            example = _example(content) if media else None
            responses = []
            for status, answer in op.get("responses", {}).items():
                answer = _resolve(spec, answer)
                answer_content: dict[str, Any] = next(iter(answer.get("content", {}).values()), {})
                answer_example = _example(answer_content)
                responses.append(
                    {
                        "status": status,
                        "description": answer.get("description", ""),
                        "schema": _pretty(answer_content["schema"]) if "schema" in answer_content else None,
                        "example": _pretty(answer_example) if answer_example is not None else None,
                    }
                )
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op.get("operationId", ""),
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=[_parameter(spec, p) for p in [*shared, *op.get("parameters", [])]],
                    body_schema=(f"{media}\n" + _pretty(content.get("schema", {}))) if media else None,
                    body_example=(
                        example if isinstance(example, str) else _pretty(example) if example is not None else None
                    ),
                    responses=responses,
                    provenance=op.get("x-provenance"),
                )
            )
    return found


def schemas(spec_file: str) -> dict[str, str]:
    spec = load_spec(spec_file)
    return {name: _pretty(schema) for name, schema in spec.get("components", {}).get("schemas", {}).items()}


def demo_headers(vendor: str, values: dict[str, Any]) -> dict[str, str]:
    """Headers that authenticate as a demo credential, where the credential is a header (or Basic)."""
    headers = {k: str(v) for k, v in values.items() if k in _HEADER_VALUES}
    if vendor == "learnlink" and "tenantId" in values and "secret" in values:
        pair = f"{values['tenantId']}:{values['secret']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    if vendor == "absorb":
        headers["x-api-version"] = "2"
    return headers


def token_request(vendor: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """How to obtain a bearer token with a demo credential, for vendors whose calls need one."""
    if vendor == "docebo":
        body: dict[str, Any] = {"grant_type": "password", "scope": "api"}
        body.update((k, values[k]) for k in ("client_id", "client_secret", "username", "password") if k in values)
        no_headers: dict[str, str] = {}
        return {"path": "/oauth2/token", "body": body, "headers": no_headers, "field": "access_token", "form": True}
    if vendor == "absorb":
        body = {k: values[k] for k in ("username", "password", "privateKey") if k in values}
        headers = demo_headers(vendor, values)
        return {"path": "/authenticate", "body": body, "headers": headers, "field": None, "form": False}
    return None
