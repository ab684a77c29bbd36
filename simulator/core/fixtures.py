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
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml
from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from simulator.core import clock, ids
from simulator.core.db import UtcDateTime
from simulator.core.models import CounterRow

_RELATIVE = re.compile(r"^@now(?:([+-])(P[0-9A-Z.]+))?$")
# Rows per executemany of a bulk insert: big enough to amortise the statement, small enough
# that one batch of bound parameters stays a few megabytes.
BULK_CHUNK = 5_000
# From this many rows in one insert, a table's indexes are dropped and built again afterwards.
REBUILD_INDEXES_AT = 10_000


class _BulkTarget:
    """A copy of a table whose date-time columns take values already in the driver's form.

    SQLAlchemy converts every bound date-time (to UTC, then to the dialect's form) one value
    at a time; a bulk load binds millions of them but only a few thousand distinct ones, so
    `prepare` converts each distinct value once with the column type's own processor.
    """

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table.to_metadata(MetaData())
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for column in self.table.columns:
            if isinstance(column.type, UtcDateTime):
                # The dialect's own form (SQLite: text with microseconds), exactly as an ORM insert binds it.
                processor = column.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    self.processors[column.key] = processor
                column.type = NullType()  # bound as given

    def prepare(self, rows: Sequence[dict[str, Any]]) -> None:
        for key, processor in self.processors.items():
            if key not in rows[0]:
                continue
            done: dict[Any, Any] = {None: None}
            for row in rows:
                value = row[key]
                converted = done.get(value, _MISSING)
                if converted is _MISSING:
                    converted = done[value] = processor(value)
                row[key] = converted


_MISSING = object()
_TARGETS: dict[tuple[str, str], _BulkTarget] = {}


def _bulk_target(table: Table, dialect: Dialect) -> _BulkTarget:
    key = (table.name, dialect.name)
    target = _TARGETS.get(key)
    if target is None:
        target = _TARGETS[key] = _BulkTarget(table, dialect)
    return target


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
    # Parsed time strings: a generated document repeats the same few thousand "@now-PT…H" values.
    _times: dict[str, dt.datetime] = field(default_factory=dict, repr=False)

    def time(self, value: Any, where: str) -> dt.datetime:
        if isinstance(value, str):
            cached = self._times.get(value)
            if cached is None:
                cached = self._times[value] = self._parse_time(value, where)
            return cached
        return self._parse_time(value, where)

    def _parse_time(self, value: Any, where: str) -> dt.datetime:
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

    def insert(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
        """Insert many rows of one model's table (SQLAlchemy Core executemany, so any backend).

        Every row must name the same columns; the rows are handed over (their date-times are
        converted in place). Pending ORM objects are flushed first, so the rows may reference
        them; rows inserted here are not in the session's identity map.
        """
        if not rows:
            return
        self.session.flush()
        connection = self.session.connection()
        target = _bulk_target(model.__table__, connection.dialect)
        target.prepare(rows)
        # Indexes built once over the finished table cost a sort; kept up to date row by
        # row they cost a random B-tree write per row and index (dominant for 100k rows).
        rebuild = list(model.__table__.indexes) if len(rows) >= REBUILD_INDEXES_AT else []
        for index in rebuild:
            index.drop(connection)
        statement = insert(target.table)
        for start in range(0, len(rows), BULK_CHUNK):
            connection.execute(statement, list(rows[start : start + BULK_CHUNK]))
        for index in rebuild:
            index.create(connection)

    def existing(self, column: Any, values: Sequence[Any]) -> set[Any]:
        """Which of `values` the column already holds (in chunks the backend accepts)."""
        found: set[Any] = set()
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), 500):
            found.update(self.session.scalars(select(column).where(column.in_(wanted[start : start + 500]))))
        return found

    def seeded_digests(self, namespace: str, count: int) -> list[bytes]:
        """The digests behind the next `count` seeded ids of `namespace`, taking the counter once
        (the same ids `count` calls of `uuid`/`object_id` would have made, in order)."""
        values = ids.reserve(self.session, namespace, count)
        seed = ids.get_seed(self.session)
        return [ids.digest_at(seed, namespace, n) for n in values]


class SeededSequence:
    """Seeded ids of one namespace handed out in memory, one by one, while a loader computes
    rows; the counter is written once at the end (`close`).

    The ids equal those `ids.new_object_id`/`new_uuid` would have handed out in the same
    order. The counter row is locked while it is read (FOR UPDATE where the backend has it),
    so no other writer takes the same values in between.
    """

    def __init__(self, session: Session, namespace: str) -> None:
        self.session = session
        self.namespace = namespace
        self.seed = ids.get_seed(session)
        self.start = int(
            session.scalar(select(CounterRow.value).where(CounterRow.namespace == namespace).with_for_update()) or 0
        )
        self.taken = 0

    def next_value(self) -> int:
        self.taken += 1
        return self.start + self.taken

    def next_digest(self) -> bytes:
        return ids.digest_at(self.seed, self.namespace, self.next_value())

    def next_object_id(self) -> str:
        return self.next_digest()[:12].hex()

    def close(self) -> None:
        taken = ids.reserve(self.session, self.namespace, self.taken)
        if taken and taken[0] != self.start + 1:
            raise RuntimeError(f"counter {self.namespace} moved while fixtures were loading")


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
            if file.suffix == ".json":
                # orjson reads a large generated document ~100x faster than the YAML parser.
                doc = orjson.loads(file.read_bytes())
            else:
                doc = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, orjson.JSONDecodeError) as exc:
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


# -- generated fixtures ---------------------------------------------------------------------

_FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Bruno", "Carmen", "Chen", "Dmitri", "Elena", "Farid", "Grace", "Hana", "Hiro",
    "Ines", "Jonas", "Keiko", "Lars", "Liam", "Maya", "Noah", "Olga", "Priya", "Ravi", "Sofia", "Tomas",
)  # fmt: skip
_LAST_NAMES = (
    "Anderson", "Becker", "Diallo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
    "Kim", "Kowalski", "Lopez", "Moreau", "Nakamura", "Novak", "Okafor", "Patel", "Rossi", "Sato", "Smith",
)  # fmt: skip
COURSE_TOPICS = (
    "Security Awareness", "Data Privacy", "Workplace Safety", "Leadership", "Customer Service", "Anti-Bribery",
    "Cloud Fundamentals", "Project Management", "First Aid", "Diversity and Inclusion", "Secure Coding",
    "Time Management", "Negotiation", "Forklift Operation", "Incident Response", "Accessibility",
)  # fmt: skip


@dataclass
class GenerateSpec:
    """What a vendor's `generate` makes one tenant's section from (`lms-sim generate`).

    Everything random comes from `rng` (seeded per tenant and vendor), never from the
    `random` module, the wall clock or uuid4, so one seed always gives the same document.
    Times are relative strings ("@now-P30D"), so the data looks current whenever loaded.
    """

    tenant: str
    users: int
    courses: int
    rng: random.Random
    index: int  # the tenant's position in the document, for ids that are global per vendor

    def person(self, n: int) -> tuple[str, str, str]:
        """First name, last name and a unique email address for user number `n`."""
        first = _FIRST_NAMES[self.rng.randrange(len(_FIRST_NAMES))]
        last = _LAST_NAMES[self.rng.randrange(len(_LAST_NAMES))]
        return first, last, f"{first.lower()}.{last.lower()}.{n}@{self.tenant}.example"

    def course_title(self, n: int) -> str:
        topic = COURSE_TOPICS[n % len(COURSE_TOPICS)]
        return topic if n < len(COURSE_TOPICS) else f"{topic} {n // len(COURSE_TOPICS) + 1}"

    def guid(self, kind: int, n: int) -> str:
        """A GUID unique per (kind, tenant index, n): readable, and never shared by two tenants."""
        return f"{kind:02x}{self.index:06x}-0000-4000-8000-{n:012x}"

    def pairs(self, share: float = 0.5) -> list[tuple[int, int]]:
        """(user, course) index pairs to enroll: about `share` of all of them, at least one per user."""
        out: list[tuple[int, int]] = []
        for user in range(self.users):
            chosen = [course for course in range(self.courses) if self.rng.random() < share]
            out.extend((user, course) for course in (chosen or [self.rng.randrange(self.courses)]))
        return out

    def statuses(self, count: int, weights: Mapping[Any, float]) -> list[Any]:
        """`count` statuses drawn by weight; every status appears once `count` allows it."""
        names = list(weights)
        out = self.rng.choices(names, weights=[weights[n] for n in names], k=count)
        # Tests and demos want every status present even in a small document.
        slots = self.rng.sample(range(count), min(count, len(names)))
        for slot, name in zip(slots, names, strict=False):
            out[slot] = name
        return out


def ago(days: float) -> str:
    """A time `days` before the clock at load time, to the hour."""
    hours = max(0, round(days * 24))
    return "@now" if hours == 0 else f"@now-PT{hours}H"


def ahead(days: float) -> str:
    hours = max(0, round(days * 24))
    return "@now" if hours == 0 else f"@now+PT{hours}H"
