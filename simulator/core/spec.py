"""Bundled OpenAPI specs: loading them and describing their operations.

The spec is the contract: routes are registered from it and every request is
validated against it before the handler runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from simulator.core.bundled import bundled_dir

SPEC_DIR = bundled_dir("specs")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def spec_path(filename: str) -> Path:
    return SPEC_DIR / filename


@functools.cache
def load_spec(filename: str) -> dict[str, Any]:
    """The parsed spec (read once per process; treat it as read-only)."""
    source = spec_path(filename).read_bytes()
    cached = _cache_file(filename, source)
    if cached is not None and cached.is_file():
        try:
            doc = orjson.loads(cached.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            doc = None
        if isinstance(doc, dict):
            return doc
    doc = yaml.load(source, Loader=yaml.CSafeLoader)
    if not isinstance(doc, dict):
        raise ValueError(f"{filename}: not an OpenAPI document")
    if cached is not None:
        _store(cached, doc)
    return doc


def _cache_file(filename: str, source: bytes) -> Path | None:
    """Where the parsed spec is kept as JSON, keyed by the YAML's content.

    Parsing YAML is most of a cold start (about half a second for the six specs); JSON
    parses a hundred times faster. LMS_SIM_CACHE_DIR=off turns the cache off.
    """
    base = os.environ.get("LMS_SIM_CACHE_DIR") or str(Path.home() / ".cache" / "lms-sim")
    if base == "off":
        return None
    digest = hashlib.sha256(source).hexdigest()[:32]
    return Path(base) / "specs" / f"{Path(filename).stem}-{digest}.json"


def _store(path: Path, doc: dict[str, Any]) -> None:
    try:
        text = orjson.dumps(doc)
    except TypeError:
        return  # a value JSON cannot carry (a YAML date, say): parse the YAML every time
    if orjson.loads(text) != doc:
        return  # e.g. integer keys would come back as strings
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(text)
        tmp.replace(path)  # atomic: another process never reads half a file
    except OSError:
        pass  # a read-only home: no cache, only a slower start


@dataclass(frozen=True)
class Operation:
    """One operation of a vendor spec."""

    operation_id: str
    method: str  # upper case
    path: str  # as in the spec, e.g. /api/public/v1/training/enrollments/{id}
    security: list[dict[str, list[str]]]  # [] = no auth; [{scheme: scopes}, ...] = any one of these
    provenance: str  # "documented" | "inferred"
    raw: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def public(self) -> bool:
        return not self.security

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope any security requirement of this operation names."""
        return frozenset(s for req in self.security for scopes in req.values() for s in scopes)


@functools.cache
def spec_operations(filename: str) -> tuple[Operation, ...]:
    """The operations of a bundled spec, listed once per process."""
    return tuple(operations(load_spec(filename)))


def operations(doc: dict[str, Any]) -> list[Operation]:
    default_security = doc.get("security", [])
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            out.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    security=op.get("security", default_security),
                    provenance=op.get("x-provenance", "documented"),
                    raw=op,
                )
            )
    return out
