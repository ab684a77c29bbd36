"""Deterministic ids: the same seed and the same requests give the same ids.

Counters live in the database (one per namespace), so several workers never hand out
the same id; the id itself is derived from (seed, namespace, counter).
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from simulator.core.models import CounterRow, MetaRow

SEED_KEY = "seed"


def get_seed(session: Session) -> int:
    row = session.get(MetaRow, SEED_KEY)
    return int(row.value) if row is not None else 0


def set_seed(session: Session, seed: int) -> None:
    row = session.get(MetaRow, SEED_KEY)
    if row is None:
        session.add(MetaRow(key=SEED_KEY, value=seed))
    else:
        row.value = seed


def next_value(session: Session, namespace: str, *, start: int = 1) -> int:
    """Take the next number of a namespace's counter (first value: `start`)."""
    updated = session.execute(
        update(CounterRow)
        .where(CounterRow.namespace == namespace)
        .values(value=CounterRow.value + 1)
        .returning(CounterRow.value)
        # "fetch" updates only the counter row in the session, instead of evaluating the
        # criteria against every object loaded so far (quadratic over a big fixture load).
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    if updated is not None:
        return int(updated)
    session.add(CounterRow(namespace=namespace, value=start))
    session.flush()
    return start


def peek(session: Session, namespace: str) -> int | None:
    return session.scalar(select(CounterRow.value).where(CounterRow.namespace == namespace))


def raise_floor(session: Session, namespace: str, at_least: int) -> None:
    """Make sure the next value is above `at_least` (used after loading fixtures with fixed ids)."""
    row = session.get(CounterRow, namespace)
    if row is None:
        session.add(CounterRow(namespace=namespace, value=at_least))
        session.flush()  # next_value's UPDATE must see the row, or it would insert it twice
    elif row.value < at_least:
        row.value = at_least


def reserve(session: Session, namespace: str, count: int, *, start: int = 1) -> range:
    """Take `count` consecutive values of a namespace's counter in one statement (bulk loads):
    the same values `count` calls of `next_value` would have taken."""
    if count <= 0:
        return range(0)
    updated = session.execute(
        update(CounterRow)
        .where(CounterRow.namespace == namespace)
        .values(value=CounterRow.value + count)
        .returning(CounterRow.value)
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    if updated is None:
        session.add(CounterRow(namespace=namespace, value=start + count - 1))
        session.flush()
        return range(start, start + count)
    return range(int(updated) - count + 1, int(updated) + 1)


def seeded_random(seed: int | float | str) -> random.Random:
    """A pseudo-random generator for reproducible data (generated fixtures, latency jitter)."""
    return random.Random(seed)  # noqa: S311 - reproducible data, not secrets


class RequestIds:
    """Request ids of one process: the n-th request of a run gets the same id under the same seed.

    Kept in memory (a counter row would make every request a write). `stream` tells apart
    processes serving one database together (see `Runtime.start_serving`)."""

    def __init__(self, seed: int, stream: str = "") -> None:
        self.seed, self.stream, self._n = seed, stream, 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._n += 1
            n = self._n
        return hex_from(digest_at(self.seed, f"request{self.stream}", n), 24)


def digest_at(seed: int, namespace: str, n: int) -> bytes:
    """The bytes behind the id that counter value `n` of `namespace` gives under `seed`."""
    return hashlib.sha256(f"{seed}:{namespace}:{n}".encode()).digest()


def uuid_from(digest: bytes) -> str:
    return str(uuid.UUID(bytes=digest[:16], version=4))


def hex_from(digest: bytes, length: int) -> str:
    out = b""
    counter = 0
    while len(out) * 2 < length:
        out += hashlib.sha256(digest + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out.hex()[:length]


def _digest(session: Session, namespace: str) -> bytes:
    return digest_at(get_seed(session), namespace, next_value(session, namespace))


def new_uuid(session: Session, namespace: str) -> str:
    """A random-looking version-4 UUID string, reproducible from the seed."""
    return uuid_from(_digest(session, namespace))


def new_object_id(session: Session, namespace: str) -> str:
    """A 24-hex MongoDB-style ObjectId, reproducible from the seed."""
    return _digest(session, namespace)[:12].hex()


def new_hex(session: Session, namespace: str, length: int) -> str:
    """A hex string of `length` characters (tokens, secrets), reproducible from the seed."""
    return hex_from(_digest(session, namespace), length)


def derived_uuid(*parts: str) -> str:
    """A stable UUID derived from names (fixture rows without an explicit id)."""
    return str(uuid.UUID(bytes=hashlib.sha256(":".join(parts).encode()).digest()[:16], version=4))


def derived_object_id(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).digest()[:12].hex()


def unguessable_token() -> str:
    """A random value nobody can reproduce: for secrets such as sign-in sessions, never for
    ids (those are seeded, so a run can be replayed)."""
    import secrets

    return secrets.token_urlsafe(32)
