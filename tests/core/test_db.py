"""The database layer behaves the same on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core import ids, snapshots
from simulator.core.db import Database
from simulator.core.models import CounterRow, MetaRow
from simulator.vendors.learnlink.models import LearnlinkCredential

pytestmark = pytest.mark.both_databases

NAMES = ["apple", "Apple", "APPLE", "BANANA", "Ärger", "ärger", "b_x", "b%x", "bx"]


def _credentials(session: Session, *secrets: str) -> None:
    session.add_all(LearnlinkCredential(tenant="t", tenant_id="T1", secret=s, scopes=[]) for s in secrets)
    session.flush()


def _secrets(session: Session, *where: object) -> list[str]:
    query = select(LearnlinkCredential.secret).where(*where).order_by(LearnlinkCredential.secret)  # type: ignore[arg-type]
    return list(session.scalars(query))


def test_text_sorts_in_byte_order_and_folds_only_ascii_case(session: Session) -> None:
    _credentials(session, *NAMES)
    secret = LearnlinkCredential.secret
    # Byte order (SQLite's BINARY collation): upper case before lower case, non-ASCII last.
    assert _secrets(session) == ["APPLE", "Apple", "BANANA", "apple", "b%x", "b_x", "bx", "Ärger", "ärger"]
    assert _secrets(session, func.lower(secret) == "apple") == ["APPLE", "Apple", "apple"]
    assert _secrets(session, secret.icontains("PPL")) == ["APPLE", "Apple", "apple"]
    # Case folding is ASCII-only on both databases: Ä and ä stay different.
    assert _secrets(session, secret.ilike("är%")) == ["ärger"]
    assert _secrets(session, func.upper(secret) == "ÄRGER") == ["Ärger"]
    # LIKE wildcards in the searched text are literal once escaped.
    assert _secrets(session, secret.icontains("_", autoescape=True)) == ["b_x"]
    assert _secrets(session, secret.icontains("%", autoescape=True)) == ["b%x"]


def test_nul_characters_and_long_text_round_trip(session: Session) -> None:
    nul, long = "a\x00b", "x" * 5000  # the column is String(255): SQLite enforces no length, nor do we
    _credentials(session, nul, long, "a\uffefb")
    assert _secrets(session, LearnlinkCredential.secret == nul) == [nul]
    assert _secrets(session, LearnlinkCredential.secret == long) == [long]
    assert len(_secrets(session)) == 3


def test_integers_are_64_bit(session: Session) -> None:
    big = 2**40
    ids.raise_floor(session, "big", big)
    assert ids.next_value(session, "big") == big + 1
    assert session.scalar(select(CounterRow.value).where(CounterRow.value > 2**31)) == big + 1


def test_restored_rows_keep_their_ids_and_new_rows_get_fresh_ones(session: Session) -> None:
    # Explicit ids, as in a snapshot made elsewhere: PostgreSQL's sequence has not seen them.
    session.add_all(
        LearnlinkCredential(id=n, tenant="t", tenant_id="T1", secret=s, scopes=[])
        for n, s in enumerate(("one", "two", "three"), start=1)
    )
    session.flush()
    blob = snapshots.capture(session)
    snapshots.clear(session)
    assert _secrets(session) == []
    snapshots.restore(session, blob)
    restored = {c.secret: c.id for c in session.scalars(select(LearnlinkCredential))}
    _credentials(session, "four")  # the serial key must continue after the restored ids
    four = session.scalar(select(LearnlinkCredential.id).where(LearnlinkCredential.secret == "four"))
    assert sorted(restored) == ["one", "three", "two"] and four is not None and four > max(restored.values())


def test_json_values_round_trip(session: Session) -> None:
    value = {"nested": [1, 2.5, None, True, "ü\u0000"], "empty": {}}
    session.add(MetaRow(key="json", value=value))
    session.flush()
    session.expire_all()
    assert session.get(MetaRow, "json").value == value  # type: ignore[union-attr]


@pytest.fixture
def shared_database(database: str, db: Database, tmp_path: Path) -> Iterator[Database]:
    """A database several threads reach through their own connections (a file, for SQLite)."""
    if database == "postgresql":
        yield db
        return
    file_db = Database(str(tmp_path / "shared.db"))
    file_db.create_schema()
    yield file_db
    file_db.dispose()


def test_read_modify_write_transactions_never_lose_an_update(shared_database: Database) -> None:
    with shared_database.transaction() as s:
        s.add(MetaRow(key="n", value=0))

    def increment(times: int) -> None:
        for _ in range(times):
            with shared_database.transaction() as s:
                row = s.get(MetaRow, "n")
                assert row is not None
                row.value = int(row.value) + 1  # read, decide, write: the pattern of every handler

    threads = [threading.Thread(target=increment, args=(25,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with shared_database.transaction() as s:
        assert s.get(MetaRow, "n").value == 150  # type: ignore[union-attr]
