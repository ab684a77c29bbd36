"""Stateful scenarios that start from real records.

A stateful scenario starts with a call whose parameters are generated: random ids name no
record (404), random filters and page numbers give empty pages, so the links that follow
(enrol -> read -> start -> finish) are rarely reached. Every spec gives each parameter an
example that names a demo record (tests/contract/test_spec_quality.py keeps it so). In the
stateful phase, every other positive call that starts a scenario (takes no value from a link)
is sent as a client following the docs would: path parameters set to their examples, optional query
parameters left out, required ones set to their examples, a JSON body set to its example (a
webhook subscription then names a loopback URL, a tenant clone a fixture tenant). Every other positive step that follows
a link keeps the values the link gives and leaves out the optional query parameters it does not
give: a listing reached by a link (a user's enrollments) then answers a full page, not a 422 for a
random filter or an empty page for a random date, so the links that start from it can be
followed. The other half stays generated, and every check judges both halves alike.

A create that allows one record per pair of ids (Skillable's one enrollment per class and user)
succeeds once with its example, and the examples phase has made that call before the stateful
phase starts. Such a parameter lists `x-fresh-examples`, values that make a pair the demo data
does not hold yet: the aimed calls take them in turn, so each one creates a record the
scenario's next steps can follow.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import schemathesis
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.meta import TestPhase

from simulator.contract.quality import resolve

# The specs (by their raw document's id) whose runs aim their stateful scenarios.
_AIMED: set[int] = set()
# (operation label, parameter name) -> how many of its fresh examples aimed calls have taken.
_FRESH: dict[tuple[str, str], itertools.count[int]] = {}
# Aimed and generated calls alternate, for scenario starts and link steps apart.
_TURNS = {"start": itertools.count(), "link": itertools.count()}


# Ids of the stateful steps that follow a link, noted when the state machine records them (just
# before it sends them). Schemathesis sometimes leaves a link's values out, to explore: such a
# step looks like a scenario start, and aiming it would make ensure_resource_availability take
# the example ids for the link's ("created, then 404").
_LINK_STEPS: set[str] = set()


def aim_stateful_calls(schema: Any) -> None:
    """Aim `schema`'s stateful scenarios at the records its examples name (see the module)."""
    _AIMED.add(id(schema.raw_schema))
    _note_link_steps()


def _note_link_steps() -> None:
    recorded = ScenarioRecorder.record_case
    if getattr(recorded, "notes_link_steps", False):
        return

    def record_case(self: ScenarioRecorder, *, case: Any, transition: Any = None, **kwargs: Any) -> None:
        if transition is not None and id(case.operation.schema.raw_schema) in _AIMED:
            _LINK_STEPS.add(case.id)
        recorded(self, case=case, transition=transition, **kwargs)

    record_case.notes_link_steps = True  # type: ignore[attr-defined]
    ScenarioRecorder.record_case = record_case  # type: ignore[method-assign]


def _parameters(doc: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    item = doc.get("paths", {}).get(path, {})
    raw = [*item.get("parameters", []), *item.get(method.lower(), {}).get("parameters", [])]
    return [resolve(doc, p) for p in raw]


def _json_body_example(doc: dict[str, Any], path: str, method: str) -> Any:
    operation = doc.get("paths", {}).get(path, {}).get(method.lower(), {})
    content = resolve(doc, operation.get("requestBody", {})).get("content", {}).get("application/json", {})
    return _example(doc, content) if content else None


def _aimed_value(doc: dict[str, Any], operation: str, param: dict[str, Any]) -> Any:
    fresh = param.get("x-fresh-examples")
    if isinstance(fresh, list) and fresh:
        taken = _FRESH.setdefault((operation, str(param.get("name"))), itertools.count())
        return fresh[next(taken) % len(fresh)]
    return _example(doc, param)


def _required_query(doc: dict[str, Any], path: str, method: str) -> set[str]:
    return {str(p.get("name")) for p in _parameters(doc, path, method) if p.get("in") == "query" and p.get("required")}


def _example(doc: dict[str, Any], param: dict[str, Any]) -> Any:
    if "example" in param:
        return param["example"]
    return resolve(doc, param.get("schema", {})).get("example")


@schemathesis.hook
def before_call(context: Any, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    doc = case.operation.schema.raw_schema
    if id(doc) not in _AIMED or case.meta is None:
        return
    follows_link = case.id in _LINK_STEPS
    _LINK_STEPS.discard(case.id)
    if case.meta.phase.name != TestPhase.STATEFUL or not case.meta.generation.mode.is_positive:
        return
    if follows_link:
        # A step that follows a link: its linked values come from the previous answer.
        linked = case._override
        if next(_TURNS["link"]) % 2 == 0 and isinstance(case.query, dict):
            case.query = {
                name: value
                for name, value in case.query.items()
                if name in linked.query or name in _required_query(doc, case.operation.path, case.method)
            }
        return
    if next(_TURNS["start"]) % 2:
        return
    body = _json_body_example(doc, case.operation.path, case.method)
    if body is not None and case.media_type == "application/json":
        case.body = copy.deepcopy(body)
    for param in _parameters(doc, case.operation.path, case.method):
        name, where = str(param.get("name")), param.get("in")
        example = _aimed_value(doc, case.operation.label, param)
        if where == "path" and example is not None:
            case.path_parameters = {**(case.path_parameters or {}), name: example}
        elif where == "query" and isinstance(case.query, dict):
            if param.get("required") and example is not None:
                case.query = {**case.query, name: example}
            elif name in case.query:
                case.query = {k: v for k, v in case.query.items() if k != name}
