"""Stateful scenarios that start from real records.

A stateful scenario starts with a call whose parameters are generated: random ids name no
record (404), random filters and page numbers give empty pages, so the links that follow
(enrol -> read -> start -> finish) are rarely reached. Every spec gives each parameter an
example that names a demo record (tests/contract/test_spec_quality.py keeps it so). In the
stateful phase, every other positive call that starts a scenario (takes no value from a link)
is sent as a client following the docs would: path parameters set to their examples, optional query
parameters left out, required ones set to their examples. The other half stays generated,
and every check judges both halves alike.
"""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis
from schemathesis.generation.meta import TestPhase

from simulator.contract.quality import resolve

# The specs (by their raw document's id) whose runs aim their stateful scenarios.
_AIMED: set[int] = set()
_TURN = itertools.count()


def aim_stateful_calls(schema: Any) -> None:
    """Aim `schema`'s stateful scenarios at the records its examples name (see the module)."""
    _AIMED.add(id(schema.raw_schema))


def _parameters(doc: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    item = doc.get("paths", {}).get(path, {})
    raw = [*item.get("parameters", []), *item.get(method.lower(), {}).get("parameters", [])]
    return [resolve(doc, p) for p in raw]


def _example(doc: dict[str, Any], param: dict[str, Any]) -> Any:
    if "example" in param:
        return param["example"]
    return resolve(doc, param.get("schema", {})).get("example")


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    doc = case.operation.schema.raw_schema
    if id(doc) not in _AIMED or case.meta is None:
        return
    if case.meta.phase.name != TestPhase.STATEFUL or not case.meta.generation.mode.is_positive:
        return
    linked = case._override
    if linked.path_parameters or linked.query or linked.headers or linked.body:
        return  # a step that follows a link: its values come from the previous answer
    if next(_TURN) % 2:
        return
    for param in _parameters(doc, case.operation.path, case.method):
        name, where = str(param.get("name")), param.get("in")
        example = _example(doc, param)
        if where == "path" and example is not None:
            case.path_parameters = {**(case.path_parameters or {}), name: example}
        elif where == "query" and isinstance(case.query, dict):
            if param.get("required") and example is not None:
                case.query = {**case.query, name: example}
            elif name in case.query:
                case.query = {k: v for k, v in case.query.items() if k != name}
