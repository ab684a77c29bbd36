"""The request journal: every vendor request as the simulator saw and answered it.

Secrets are redacted before anything is stored: credentials in headers, password and
secret fields in bodies (JSON or form fields, parsed or not) and in query strings, and
the whole response of operations that hand out tokens.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

import orjson
from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.orm import Session

from simulator.core import clock, store
from simulator.core.errors import Violation
from simulator.core.models import JournalRow

REDACTED = "***"
TRUNCATED = "…(truncated)"
HEADER_VALUE_LIMIT = 2048  # characters of each header value kept in the journal
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api_key", "api-key", "cookie", "x-absorb-api-key"})
_SECRET_WORD_LIST = ("password", "secret", "privatekey", "private_key", "token", "api_key", "apikey")
_SECRET_WORDS = re.compile("|".join(_SECRET_WORD_LIST), re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def is_secret_field(name: str) -> bool:
    # Cached: the same few field and header names come by on every request.
    return _SECRET_WORDS.search(name) is not None


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k: (REDACTED if k in SECRET_HEADERS or is_secret_field(k) else _bounded(v)) for k, v in headers}


def _bounded(value: str) -> str:
    """A header value as stored: long ones cut, so a huge header cannot swell the journal."""
    return value if len(value) <= HEADER_VALUE_LIMIT else value[:HEADER_VALUE_LIMIT] + TRUNCATED


def redact_value(value: Any) -> Any:
    """A copy of a JSON value with every secret-looking field replaced."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_field(str(k)) else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def redact_query(query: str) -> str:
    """A query string (or form body) with the value of every secret-looking field replaced.

    Works on the raw text, pair by pair, so a string that does not decode is kept as sent
    except for those values."""
    pairs = query.split("&")
    for i, pair in enumerate(pairs):
        name, sep, _value = pair.partition("=")
        if sep and is_secret_field(unquote_plus(name)):
            pairs[i] = f"{name}={REDACTED}"
    return "&".join(pairs)


# `"name": "value"` in text that is not valid JSON (cut short, or malformed around it).
_JSON_STRING_MEMBER = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*)"(?:[^"\\]|\\.)*("?)')


def _redact_json_text(text: str) -> str:
    def member(match: re.Match[str]) -> str:
        name, colon, closing = match.groups()
        return match.group(0) if not is_secret_field(name) else f'"{name}"{colon}"{REDACTED}{closing}'

    return _JSON_STRING_MEMBER.sub(member, text)


def body_text(raw: bytes, parsed: Any, limit: int) -> str | None:
    """The body as stored: redacted JSON when it parsed, else the (truncated) raw text with
    secret-looking `"name": "value"` members and `name=value` pairs redacted (JSON that does
    not parse, a form the pipeline did not get to parse)."""
    if parsed is not None:
        text = orjson.dumps(redact_value(parsed)).decode()
    elif raw:
        text = redact_query(_redact_json_text(raw[:limit].decode("utf-8", errors="replace")))
    else:
        return None
    return text if len(text) <= limit else text[:limit] + TRUNCATED


def response_text(raw: bytes, limit: int) -> str | None:
    """A response body as stored, from the bytes sent: redacted as `body_text` does, but
    parsed and walked only when a secret-looking name occurs in it at all (rarely: a list
    of 100 records would otherwise be walked field by field on every request)."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    # Substring tests on the lowered text: the case-blind regex took milliseconds on a list.
    lowered = text.lower()
    if any(word in lowered for word in _SECRET_WORD_LIST):
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        return body_text(raw, parsed, limit)
    return text if len(text) <= limit else text[:limit] + TRUNCATED


# On the DBAPI cursor, compiled once (`core.store`): through Core, compiling and executing
# the INSERT cost more than the database's own work for it.
_INSERT = store.insert_all_columns(JournalRow.__table__)  # type: ignore[arg-type]
_DEFAULTS: dict[str, Any] = {"query": "", "violations": (), "violation_count": 0}  # immutable: shared


def _insert(connection: Connection, entries: list[dict[str, Any]]) -> None:
    _INSERT.execute_many(connection.connection.driver_connection, connection.dialect, entries)


def prepare(fields: dict[str, Any]) -> dict[str, Any]:
    """An entry's stored values, secrets redacted."""
    fields.setdefault("wall_at", clock.wall_now())
    for name, value in _DEFAULTS.items():
        fields.setdefault(name, value)
    if fields.get("query"):
        fields["query"] = redact_query(fields["query"])
    return fields


class JournalWriter:
    """The one writer of a process's journal entries, in answer order, committed in batches.

    A request hands its entry over and does not write it: so a read stays a read
    transaction. A write stores its entry, and the waiting ones before it, in its own
    transaction (`write_within`). `flush` writes every waiting entry in one transaction
    of its own. When the process is
    its database's only server (`batching`), the pipeline flushes a few milliseconds after
    a read, and whatever reads the journal flushes first (the
    control API, `Database.transaction()`), so every reader sees every entry answered.
    With several processes (workers, or other servers that registered on the database, see
    `Plumbing.shared`), each request's entry is written before its answer is sent: a
    journal read may reach another process. A crash loses at most the waiting entries.
    """

    def __init__(self, engine: Engine, *, batching: bool) -> None:
        self.engine = engine
        self.batching = batching
        self.flush_scheduled = False
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one batch at a time, so batches land in order

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, fields: dict[str, Any]) -> None:
        entry = prepare(fields)
        with self._lock:
            self._entries.append(entry)

    def write_within(self, connection: Connection, fields: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Write the waiting entries and this one inside the caller's write transaction.

        A write's entry is stored before its answer is sent; in the write's own transaction
        that costs one INSERT instead of a transaction of its own. The entries go in answer
        order (the waiting ones first) and are stored when the caller commits; if it does
        not, it hands back the waiting ones (`put_back`). None, writing nothing, while a batch
        is being written on another thread: the caller then hands its entry over as usual
        (waiting for that batch here could wait for the very lock this transaction holds).
        """
        if not self._writing.acquire(blocking=False):
            return None
        try:
            entry = prepare(fields)
            with self._lock:
                entries, self._entries = self._entries, []
            entries.append(entry)
            try:
                _insert(connection, entries)
            except BaseException:
                self.put_back(entries[:-1])
                raise
            return entries
        finally:
            self._writing.release()

    def put_back(self, entries: list[dict[str, Any]]) -> None:
        """Entries a failed transaction did not store: they wait again, ahead of newer ones."""
        with self._lock:
            self._entries[:0] = entries

    def flush(self, connection: Connection | None = None) -> int:
        """Write every waiting entry now, in a transaction of their own on `connection` (or
        on one from the pool); on failure they wait, still ahead of newer ones."""
        with self._writing:
            with self._lock:
                entries, self._entries = self._entries, []
            if not entries:
                return 0
            try:
                if connection is None:
                    with self.engine.begin() as pooled:
                        _insert(pooled, entries)
                else:
                    with connection.begin():
                        _insert(connection, entries)
            except BaseException:
                with self._lock:
                    self._entries[:0] = entries
                raise
            return len(entries)


def entry_json(row: JournalRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "requestId": row.request_id,
        "at": clock.iso(row.at, millis=True),
        "wallAt": clock.iso(row.wall_at, millis=True),
        "vendor": row.vendor,
        "tenant": row.tenant,
        "operationId": row.operation_id,
        "method": row.method,
        "path": row.path,
        "query": row.query,
        "status": row.status,
        "durationMs": round(row.duration_ms, 3),
        "requestHeaders": row.request_headers,
        "requestBody": row.request_body,
        "responseBody": row.response_body,
        "violations": row.violations or [],
        "fault": row.fault,
    }


def query_entries(
    session: Session,
    *,
    vendor: str | None = None,
    operation: str | None = None,
    status: int | None = None,
    tenant: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> tuple[list[JournalRow], int]:
    """Newest first, with the total number of matching entries."""
    conditions = []
    if vendor:
        conditions.append(JournalRow.vendor == vendor)
    if operation:
        conditions.append(JournalRow.operation_id == operation)
    if status is not None:
        conditions.append(JournalRow.status == status)
    if tenant:
        conditions.append(JournalRow.tenant == tenant)
    if since is not None:
        conditions.append(JournalRow.at >= since)
    total = session.scalar(select(func.count()).select_from(JournalRow).where(*conditions)) or 0
    rows = session.scalars(select(JournalRow).where(*conditions).order_by(JournalRow.id.desc()).limit(limit))
    return list(rows), int(total)


def clear(session: Session) -> int:
    return int(session.execute(delete(JournalRow)).rowcount or 0)  # type: ignore[attr-defined]


def violations_json(violations: Iterable[Violation]) -> list[dict[str, str]]:
    return [v.as_dict() for v in violations]
