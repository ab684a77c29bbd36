"""Request and response validation against an operation of the vendor's spec.

Validators are compiled once per operation when the app is built, so a request pays
only for coercing its parameters and one compiled schema check per part.
OpenAPI 3.0 schemas are translated to JSON Schema 2020-12 (`nullable`, boolean
`exclusiveMinimum`, local `$ref`s) and checked with jsonschema-rs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
import orjson

from simulator.core.errors import Violation
from simulator.core.spec import Operation

# ASCII digits only: Python's `\d` and `int()` also accept fullwidth and Arabic-Indic digits
# (U+FF13, U+0661 ...), which no vendor's API reads as numbers.
_INT = re.compile(r"^[+-]?[0-9]{1,18}$")
_NUM = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_DROP = frozenset(
    {"example", "examples", "xml", "externalDocs", "discriminator", "deprecated", "readOnly", "writeOnly"}
)
# Headers that OpenAPI says are described by other means and must not be validated as parameters.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow a local `$ref` (one level)."""
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref!r}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def to_json_schema(spec: Mapping[str, Any], schema: Any, _depth: int = 0) -> Any:
    """Translate an OpenAPI 3.0 schema object into an inlined JSON Schema 2020-12 document."""
    if _depth > 64:
        raise ValueError("schema nesting too deep (recursive $ref?)")
    schema = resolve(spec, schema)
    if isinstance(schema, list):
        return [to_json_schema(spec, s, _depth + 1) for s in schema]
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP or key.startswith("x-") or key == "nullable":
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {k: to_json_schema(spec, v, _depth + 1) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, Mapping):
            out[key] = to_json_schema(spec, value, _depth + 1)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [to_json_schema(spec, v, _depth + 1) for v in value]
        elif key == "exclusiveMinimum" and isinstance(value, bool):
            if value and "minimum" in schema:
                out["exclusiveMinimum"] = schema["minimum"]
        elif key == "exclusiveMaximum" and isinstance(value, bool):
            if value and "maximum" in schema:
                out["exclusiveMaximum"] = schema["maximum"]
        else:
            out[key] = value
    if schema.get("exclusiveMinimum") is True:
        out.pop("minimum", None)
    if schema.get("exclusiveMaximum") is True:
        out.pop("maximum", None)
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        for combinator in ("allOf", "anyOf", "oneOf"):
            if combinator in out and "type" not in out:
                out = {"anyOf": [out, {"type": "null"}]}
                break
    return out


def compile_schema(schema: Any) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _messages(validator: jsonschema_rs.Validator, value: Any, where: str) -> list[Violation]:
    out = []
    for error in validator.iter_errors(value):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
        out.append(Violation(f"{where}{path}", error.message))
        if len(out) >= 20:
            break
    return out


@dataclass(frozen=True)
class ParamRule:
    name: str
    location: str  # path | query | header
    required: bool
    kind: str  # string | integer | number | boolean | array | object
    item_kind: str
    explode: bool
    validator: jsonschema_rs.Validator


@dataclass(frozen=True)
class BodyRule:
    required: bool
    media: dict[str, jsonschema_rs.Validator]  # media type -> validator
    form_kinds: dict[str, dict[str, tuple[str, str]]]  # form media -> field -> (kind, item kind)
    # media type -> lower-cased top-level property name -> the spec's spelling (for `fold_names`)
    property_names: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class ParsedRequest:
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)


def _kind(schema: Mapping[str, Any]) -> str:
    t = schema.get("type", "string")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    return str(t)


class RequestValidator:
    """Coerces and checks one operation's parameters and body."""

    def __init__(self, spec: Mapping[str, Any], op: Operation, path_item: Mapping[str, Any]) -> None:
        self.params: list[ParamRule] = []
        merged: dict[tuple[str, str], Any] = {}
        for p in [*path_item.get("parameters", []), *op.raw.get("parameters", [])]:
            p = resolve(spec, p)
            merged[(p["name"], p["in"])] = p
        for (name, location), p in merged.items():
            if location == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            if location == "cookie":
                continue
            raw_schema = resolve(spec, p.get("schema", {}))
            schema = to_json_schema(spec, raw_schema)
            items = resolve(spec, raw_schema.get("items", {}))
            self.params.append(
                ParamRule(
                    name=name if location != "header" else name.lower(),
                    location=location,
                    required=bool(p.get("required", location == "path")),
                    kind=_kind(raw_schema),
                    item_kind=_kind(items) if isinstance(items, Mapping) else "string",
                    explode=bool(p.get("explode", p.get("style", "form") == "form")),
                    validator=compile_schema(schema),
                )
            )
        self.body = self._body_rule(spec, op)

    @staticmethod
    def _body_rule(spec: Mapping[str, Any], op: Operation) -> BodyRule | None:
        body = resolve(spec, op.raw.get("requestBody"))
        if not body:
            return None
        media: dict[str, jsonschema_rs.Validator] = {}
        form_kinds: dict[str, dict[str, tuple[str, str]]] = {}
        property_names: dict[str, dict[str, str]] = {}
        for media_type, content in body.get("content", {}).items():
            raw_schema = resolve(spec, content.get("schema", {}))
            media[media_type] = compile_schema(to_json_schema(spec, raw_schema))
            property_names[media_type] = {k.lower(): k for k in raw_schema.get("properties", {})}
            if media_type in FORM_TYPES:
                props = {k: resolve(spec, v) for k, v in raw_schema.get("properties", {}).items()}
                form_kinds[media_type] = {
                    k: (_kind(v), _kind(resolve(spec, v.get("items", {})))) for k, v in props.items()
                }
        return BodyRule(
            required=bool(body.get("required", False)),
            media=media,
            form_kinds=form_kinds,
            property_names=property_names,
        )

    def parse(
        self,
        path_params: Mapping[str, str],
        query: list[tuple[str, str]],
        headers: Mapping[str, str],
        content_type: str,
        raw_body: bytes,
        form: Mapping[str, list[str]] | None,
        *,
        fold_names: bool = False,
    ) -> ParsedRequest:
        """`fold_names`: query parameter and top-level JSON property names match the spec's
        case-insensitively, as ASP.NET model binding does (`_Filter`, `{"Username": ...}`)."""
        out = ParsedRequest()
        known_query = {r.name for r in self.params if r.location == "query"}
        spelling = {name.lower(): name for name in known_query} if fold_names else {}
        grouped: dict[str, list[str]] = {}
        for key, value in query:
            name = key[:-2] if key.endswith("[]") else key
            grouped.setdefault(spelling.get(name.lower(), name), []).append(value)
        for name in grouped:
            if name not in known_query:
                # The real APIs ignore unknown parameters; a typo in a client is still worth a warning.
                out.warnings.append(Violation(f"query.{name}", "unknown query parameter (ignored)", "warning"))
        for rule in self.params:
            if rule.location == "path":
                values = [path_params[rule.name]] if rule.name in path_params else []
                target = out.path_params
            elif rule.location == "query":
                values = grouped.get(rule.name, [])
                target = out.query
            else:
                values = [headers[rule.name]] if rule.name in headers else []
                target = out.headers
            where = f"{rule.location}.{rule.name}"
            if not values:
                if rule.required:
                    out.violations.append(Violation(where, "is required"))
                continue
            value = _coerce_param(rule, values, where, out.violations)
            if value is _INVALID:
                continue
            found = _messages(rule.validator, value, where)
            if found:
                out.violations.extend(found)
            else:
                target[rule.name] = value
        self._parse_body(out, content_type, raw_body, form, fold_names)
        return out

    def _parse_body(
        self,
        out: ParsedRequest,
        content_type: str,
        raw_body: bytes,
        form: Mapping[str, list[str]] | None,
        fold_names: bool,
    ) -> None:
        rule = self.body
        if rule is None:
            return
        media_type = content_type.split(";", 1)[0].strip().lower()
        if not raw_body and form is None:
            if rule.required:
                out.violations.append(Violation("body", "a request body is required"))
            return
        validator = rule.media.get(media_type)
        if validator is None:
            if media_type == "" and len(rule.media) == 1 and next(iter(rule.media)) in JSON_TYPES:
                media_type, validator = next(iter(rule.media.items()))
            else:
                expected = ", ".join(rule.media)
                out.violations.append(
                    Violation("header.content-type", f"unsupported content type {media_type!r}; expected {expected}")
                )
                return
        if media_type in FORM_TYPES:
            value = _coerce_form(rule.form_kinds.get(media_type, {}), form or {}, out.violations)
        else:
            try:
                value = orjson.loads(raw_body)
            except orjson.JSONDecodeError as exc:
                out.violations.append(Violation("body", f"malformed JSON: {exc}"))
                return
            if fold_names and isinstance(value, dict):
                value = _fold_keys(value, rule.property_names.get(media_type, {}))
        found = _messages(validator, value, "body")
        if found:
            out.violations.extend(found)
        else:
            out.body = value


_INVALID = object()


def _fold_keys(value: dict[str, Any], spelling: Mapping[str, str]) -> dict[str, Any]:
    """Rename keys to the spec's spelling; a key already spelled exactly wins over a folded one."""
    out = dict(value)
    for key, item in value.items():
        name = spelling.get(key.lower())
        if name is not None and name != key:
            del out[key]
            out.setdefault(name, item)
    return out


def _coerce_scalar(kind: str, text: str) -> Any:
    if kind == "integer":
        return int(text) if _INT.match(text) else _INVALID
    if kind == "number":
        if not _NUM.match(text):
            return _INVALID
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, _INVALID)
    return text


def _coerce_param(rule: ParamRule, values: list[str], where: str, violations: list[Violation]) -> Any:
    if rule.kind == "array":
        parts = values if rule.explode else [p for v in values for p in v.split(",")]
        out = []
        for part in parts:
            item = _coerce_scalar(rule.item_kind, part)
            if item is _INVALID:
                violations.append(Violation(where, f"{part!r} is not a valid {rule.item_kind}"))
                return _INVALID
            out.append(item)
        return out
    if len(values) > 1:
        violations.append(Violation(where, "given more than once"))
        return _INVALID
    value = _coerce_scalar(rule.kind, values[0])
    if value is _INVALID:
        violations.append(Violation(where, f"{values[0]!r} is not a valid {rule.kind}"))
    return value


def _coerce_form(
    kinds: Mapping[str, tuple[str, str]], form: Mapping[str, list[str]], violations: list[Violation]
) -> Any:
    out: dict[str, Any] = {}
    for key, values in form.items():
        name = key[:-2] if key.endswith("[]") else key
        kind, item_kind = kinds.get(name, ("string", "string"))
        rule = ParamRule(name, "body", False, kind, item_kind, True, compile_schema({}))
        value = _coerce_param(rule, values, f"body.{name}", violations)
        if value is not _INVALID:
            out[name] = value
    return out


class ResponseValidator:
    """Checks a reply against the statuses and schemas the spec lists for an operation."""

    def __init__(self, spec: Mapping[str, Any], op: Operation) -> None:
        self.by_status: dict[str, jsonschema_rs.Validator | None] = {}
        for status, response in op.raw.get("responses", {}).items():
            response = resolve(spec, response)
            content = response.get("content", {})
            schema = next((c.get("schema") for m, c in content.items() if "json" in m), None)
            self.by_status[str(status)] = compile_schema(to_json_schema(spec, schema)) if schema is not None else None

    def check(self, status: int, body: Any) -> list[Violation]:
        key = str(status)
        if key not in self.by_status:
            key = f"{key[0]}XX" if f"{key[0]}XX" in self.by_status else "default"
        if key not in self.by_status:
            return [Violation("response.status", f"status {status} is not listed in the spec", "response")]
        validator = self.by_status[key]
        if validator is None or body is None:
            return []
        return [Violation(v.location, v.message, "response") for v in _messages(validator, body, "response.body")]
