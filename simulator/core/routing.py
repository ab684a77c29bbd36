"""Routes registered from a spec: one per path template, dispatching on method.

Literal path segments win over templated ones (`/enrollments/bulk` before
`/enrollments/{id}`), whatever order the spec lists them in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from simulator.core.spec import Operation, load_spec, spec_operations
from simulator.core.validation import RequestValidator, ResponseValidator
from simulator.core.vendor import Handler

_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Binding:
    """An operation with its handler, and its validators compiled on first use.

    Compiling every operation's validators up front (a few hundred patterns and schemas)
    was a large part of start-up; most runs call a few operations."""

    operation: Operation
    handler: Handler
    spec_file: str

    @property
    def request(self) -> RequestValidator:
        return _validators(self.spec_file, self.operation.path, self.operation.method)[0]

    @property
    def response(self) -> ResponseValidator:
        return _validators(self.spec_file, self.operation.path, self.operation.method)[1]


@dataclass(frozen=True)
class SpecRoute:
    template: str
    regex: re.Pattern[str]
    bindings: Mapping[str, Binding]  # by upper-case method

    def sort_key(self) -> tuple[int, ...]:
        segments = self.template.strip("/").split("/")
        return (*(1 if _PARAM.search(s) else 0 for s in segments), len(segments))


def compile_template(template: str, *, case_insensitive: bool) -> re.Pattern[str]:
    pattern = ""
    last = 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[last : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        last = match.end()
    pattern += re.escape(template[last:])
    # \Z, not $: a path ending in a newline must not match.
    return re.compile(f"^{pattern}/?\\Z", re.IGNORECASE if case_insensitive else 0)


@functools.cache
def _validators(spec_file: str, path: str, method: str) -> tuple[RequestValidator, ResponseValidator]:
    """Compiled once per process and operation: apps built later (one per test) reuse them."""
    spec = load_spec(spec_file)
    op = next(o for o in spec_operations(spec_file) if o.path == path and o.method == method)
    return RequestValidator(spec, op, spec["paths"][path]), ResponseValidator(spec, op)


def build_routes(
    spec_file: str,
    ops: list[Operation],
    handlers: Mapping[str, Handler],
    *,
    case_insensitive: bool,
) -> list[SpecRoute]:
    missing = sorted(op.operation_id for op in ops if op.operation_id not in handlers)
    extra = sorted(set(handlers) - {op.operation_id for op in ops})
    if missing or extra:
        raise RuntimeError(f"spec and handlers disagree: no handler for {missing}, no spec operation for {extra}")
    by_path: dict[str, dict[str, Binding]] = {}
    for op in ops:
        binding = Binding(op, handlers[op.operation_id], spec_file)
        by_path.setdefault(op.path, {})[op.method] = binding
    routes = [
        SpecRoute(path, compile_template(path, case_insensitive=case_insensitive), methods)
        for path, methods in by_path.items()
    ]
    return sorted(routes, key=SpecRoute.sort_key)


def match(routes: list[SpecRoute], path: str, method: str) -> tuple[Binding | None, dict[str, str], list[str]]:
    """The binding for (path, method), its path parameters, and the methods the path allows.

    The most specific route that matches the path owns it: `PATCH /enrollments/bulk` is a
    405 on the bulk route, not an update of an enrollment whose id is "bulk".
    """
    for route in routes:
        found = route.regex.match(path)
        if found is None:
            continue
        binding = route.bindings.get(method)
        if binding is not None:
            return binding, found.groupdict(), []
        return None, {}, list(route.bindings)
    return None, {}, []
