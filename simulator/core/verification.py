"""Request verification over the journal: how many requests match, and the nearest misses.

Matching reads the newest entries (up to `SCAN_LIMIT`), so a verification costs the same
however long a soak has run; `path` is a glob (relative to the vendor prefix or including
it), `query` and `body` compare top-level fields.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.models import JournalRow

SCAN_LIMIT = 10_000
NEAR_MISSES = 3


def _path_ok(pattern: str, row: JournalRow) -> bool:
    relative = row.path[len(row.vendor) + 1 :] if row.path.startswith(f"/{row.vendor}/") else row.path
    return fnmatch.fnmatchcase(row.path, pattern) or fnmatch.fnmatchcase(relative, pattern)


def differences(row: JournalRow, matcher: Mapping[str, Any]) -> list[str]:
    """What keeps a journal entry from matching (empty when it matches)."""
    out = []
    for key, attr in (
        ("vendor", "vendor"),
        ("operationId", "operation_id"),
        ("tenant", "tenant"),
        ("status", "status"),
    ):
        if key in matcher and matcher[key] != getattr(row, attr):
            out.append(f"{key}: {getattr(row, attr)!r} != {matcher[key]!r}")
    if "method" in matcher and str(matcher["method"]).upper() != row.method:
        out.append(f"method: {row.method!r} != {matcher['method'].upper()!r}")
    if "path" in matcher and not _path_ok(matcher["path"], row):
        out.append(f"path: {row.path!r} does not match {matcher['path']!r}")
    if matcher.get("query"):
        query = {k: v[0] for k, v in parse_qs(row.query, keep_blank_values=True).items()}
        out += [f"query.{k}: {query.get(k)!r} != {v!r}" for k, v in matcher["query"].items() if query.get(k) != v]
    if matcher.get("body"):
        body = _json(row.request_body)
        got = body if isinstance(body, dict) else {}
        out += [f"body.{k}: {got.get(k)!r} != {v!r}" for k, v in matcher["body"].items() if got.get(k) != v]
    return out


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def count_matches(session: Session, matcher: Mapping[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    """(matching entries, the nearest misses with their differences)."""
    matched = 0
    misses: list[tuple[int, int, JournalRow, list[str]]] = []
    rows = session.scalars(select(JournalRow).order_by(JournalRow.id.desc()).limit(SCAN_LIMIT))
    for row in rows:
        diffs = differences(row, matcher)
        if not diffs:
            matched += 1
        else:
            misses.append((len(diffs), -row.id, row, diffs))
    misses.sort(key=lambda m: (m[0], m[1]))
    near = [
        {
            "request": {
                "id": r.id,
                "operationId": r.operation_id,
                "method": r.method,
                "path": r.path,
                "status": r.status,
            },
            "differences": d,
        }
        for _, _, r, d in misses[:NEAR_MISSES]
    ]
    return matched, near


def expectation(matcher: Mapping[str, Any]) -> tuple[str, int | None, int | None]:
    """(description, lower bound, upper bound) of what the caller expects."""
    if "count" in matcher:
        n = int(matcher["count"])
        return f"exactly {n}", n, n
    low, high = matcher.get("atLeast"), matcher.get("atMost")
    if low is None and high is None:
        return "at least 1", 1, None
    parts = ([f"at least {low}"] if low is not None else []) + ([f"at most {high}"] if high is not None else [])
    return " and ".join(parts), low, high
