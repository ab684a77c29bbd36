"""Every OpenAPI link a spec declares resolves against what the simulator really answers.

The stateful phase follows a link by evaluating its expressions on the response of the source
operation; an expression naming a field the response does not have (Docebo's `id_course` on a
listing that names it `id`) makes the link dead. For each declared link this test calls the
source operation on the demo data with the spec's examples (as a client following the docs
would) and evaluates every `$response.body#/...` pointer on the answer. Pointers into an array
(`/items/0/id`) need a non-empty answer, which the demo data gives with the examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.contract.coverage import DeclaredLink, declared
from simulator.contract.quality import resolve
from simulator.contract.targets import ADMIN, all_targets
from simulator.core.spec import load_spec, operations
from simulator.testing.harness import InProcessSimulator

VENDOR_TARGETS = [t for t in all_targets() if t.name != ADMIN]
POINTER = re.compile(r"\$response\.body#(/[^}\s]*)")


def _pointers(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from POINTER.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _pointers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _pointers(item)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901; raises LookupError when the pointer names nothing."""
    node = document
    for raw in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise LookupError(f"{pointer!r} stops at {part!r}")
    return node


def _example(doc: dict[str, Any], holder: dict[str, Any]) -> Any:
    if "example" in holder:
        return holder["example"]
    return resolve(doc, holder.get("schema", {})).get("example")


def _call_source(sim: InProcessSimulator, vendor: str, doc: dict[str, Any], link: DeclaredLink) -> Any:
    """Call the link's source operation with the spec's examples; the JSON it answers."""
    op = next(o for o in operations(doc) if f"{o.method} {o.path}" == link.source_label)
    path, query = op.path, {}
    for raw in [*doc["paths"][op.path].get("parameters", []), *op.raw.get("parameters", [])]:
        param = resolve(doc, raw)
        value = _example(doc, param)
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(value))
        elif param["in"] == "query" and param.get("required"):
            query[param["name"]] = value
    body = resolve(doc, op.raw.get("requestBody", {})).get("content", {}).get("application/json")
    kwargs: dict[str, Any] = {"params": query, "headers": sim.auth_headers(vendor)}
    if body is not None:
        kwargs["json"] = _example(doc, body)
    response = sim.client.request(op.method, f"/{vendor}{path}", **kwargs)
    if str(response.status_code) != link.status:
        # A link from a repeat's answer (Learn.link's 200 for a completion already recorded).
        response = sim.client.request(op.method, f"/{vendor}{path}", **kwargs)
    assert str(response.status_code) == link.status, (
        f"{link.source_label} with the spec's examples answered {response.status_code}, "
        f"not the {link.status} its links start from: {response.text[:300]}"
    )
    return response.json() if response.content else None


@pytest.mark.parametrize("target", VENDOR_TARGETS, ids=lambda t: t.name)
def test_every_declared_link_resolves_against_the_demo_data(target: Any) -> None:
    doc = load_spec(target.spec_file)
    links = declared(doc).links
    assert links, f"{target.spec_file} declares no links"
    problems = []
    for link in links.values():
        if link.target_label is None:
            problems.append(f"{link.name}: names an unknown operation")
            continue
        pointers = list(_pointers([link.link.get("parameters", {}), link.link.get("requestBody")]))
        if not pointers:
            continue
        sim = InProcessSimulator()  # a fresh demo state per link: a source may be a write
        try:
            answer = _call_source(sim, target.name, doc, link)
        finally:
            sim.close()
        for pointer in pointers:
            try:
                resolve_pointer(answer, pointer)
            except LookupError as exc:
                problems.append(f"{link.name}: $response.body#{pointer} does not resolve ({exc})")
    assert problems == [], "\n".join(problems)


def test_a_pointer_to_a_missing_field_is_reported() -> None:
    answer = {"data": {"items": [{"id": 101}]}}
    assert resolve_pointer(answer, "/data/items/0/id") == 101
    with pytest.raises(LookupError, match="id_course"):
        resolve_pointer(answer, "/data/items/0/id_course")
    with pytest.raises(LookupError):
        resolve_pointer({"data": {"items": []}}, "/data/items/0/id")
