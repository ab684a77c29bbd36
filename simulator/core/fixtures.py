"""Fixture documents: the data a simulator starts from.

A fixture document (YAML or JSON) looks like:

    clock: {now: "@real", frozen: false}   # optional; "@real" = wall time, or an ISO instant
    tenants:
      acme:
        msportal: {...}                    # each vendor documents its own section
        absorb: {...}
      globex: {...}

Several files are merged (tenants and vendor sections are combined). Times inside
vendor sections may be absolute ISO 8601 or relative to the clock at load time:
"@now", "@now-P30D", "@now+PT2H". Loading is all or nothing: an invalid document
raises `FixtureError` naming the offending field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from simulator.core import clock, ids

_RELATIVE = re.compile(r"^@now(?:([+-])(P[0-9A-Z.]+))?$")


class FixtureError(ValueError):
    """An invalid fixture document; the message starts with the offending field's path."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


@dataclass
class FixtureContext:
    """Helpers a vendor's fixture loader uses to read its section and write rows."""

    session: Session
    now: dt.datetime

    def time(self, value: Any, where: str) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        if not isinstance(value, str):
            raise FixtureError(where, f"expected a date-time, got {value!r}")
        match = _RELATIVE.match(value)
        if match:
            sign, duration = match.groups()
            if not duration:
                return self.now
            try:
                delta = dt.timedelta(seconds=clock.parse_duration(duration))
            except clock.ClockError as exc:
                raise FixtureError(where, str(exc)) from exc
            return self.now + delta if sign == "+" else self.now - delta
        try:
            return clock.parse_instant(value)
        except clock.ClockError as exc:
            raise FixtureError(where, str(exc)) from exc

    def optional_time(self, value: Any, where: str) -> dt.datetime | None:
        return None if value is None else self.time(value, where)

    def uuid(self, namespace: str) -> str:
        return ids.new_uuid(self.session, namespace)

    def object_id(self, namespace: str) -> str:
        return ids.new_object_id(self.session, namespace)


def require(section: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
    """Read a required field of a fixture mapping, checking its type."""
    if not isinstance(section, Mapping):
        raise FixtureError(where, "expected a mapping")
    if key not in section:
        raise FixtureError(f"{where}.{key}", "is required")
    return check(section[key], f"{where}.{key}", kind)


def optional(
    section: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...] = object, default: Any = None
) -> Any:
    if key not in section or section[key] is None:
        return default
    return check(section[key], f"{where}.{key}", kind)


def check(value: Any, where: str, kind: type | tuple[type, ...]) -> Any:
    # bool is an int in Python; a fixture that says `true` for a number is still wrong.
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds and kind is not object:
        raise FixtureError(where, f"expected {_names(kinds)}, got {value!r}")
    if not isinstance(value, kind):
        raise FixtureError(where, f"expected {_names(kinds)}, got {value!r}")
    return value


def items(section: Mapping[str, Any], key: str, where: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The entries of an optional list of mappings, each with its path for error messages."""
    values = optional(section, key, where, list, [])
    out = []
    for i, value in enumerate(values):
        path = f"{where}.{key}[{i}]"
        if not isinstance(value, Mapping):
            raise FixtureError(path, "expected a mapping")
        out.append((path, value))
    return out


def one_of(value: Any, allowed: Sequence[Any], where: str) -> Any:
    if value not in allowed:
        raise FixtureError(where, f"must be one of {list(allowed)}, got {value!r}")
    return value


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kinds)


def read_documents(path: Path) -> dict[str, Any]:
    """Read a fixture file, or every *.yaml/*.yml/*.json file of a folder, merged."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
        if not files:
            raise FixtureError(str(path), "the folder holds no fixture files")
    elif path.is_file():
        files = [path]
    else:
        raise FixtureError(str(path), "no such file or folder")
    merged: dict[str, Any] = {}
    for file in files:
        try:
            doc = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise FixtureError(str(file), f"unreadable: {exc}") from exc
        merge_documents(merged, doc, str(file))
    return merged


def merge_documents(into: dict[str, Any], doc: Any, where: str) -> None:
    if doc is None:
        return
    if not isinstance(doc, Mapping):
        raise FixtureError(where, "a fixture document must be a mapping")
    for key, value in doc.items():
        if key == "tenants":
            if not isinstance(value, Mapping):
                raise FixtureError(f"{where}: tenants", "expected a mapping of tenant names")
            tenants = into.setdefault("tenants", {})
            for tenant, sections in value.items():
                if not isinstance(sections, Mapping):
                    raise FixtureError(f"tenants.{tenant}", "expected a mapping of vendor sections")
                tenants.setdefault(tenant, {}).update(sections)
        else:
            into[key] = value
