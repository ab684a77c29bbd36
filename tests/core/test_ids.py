from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core import ids, journal
from simulator.core.db import Database
from simulator.settings import Settings

pytestmark = pytest.mark.both_databases


def _run(seed: int) -> list[str]:
    db = Database("sqlite://")
    db.create_schema()
    with db.transaction() as s:
        ids.set_seed(s, seed)
        return [ids.new_uuid(s, "t:a"), ids.new_uuid(s, "t:a"), ids.new_object_id(s, "t:b"), ids.new_hex(s, "t:c", 40)]


def test_same_seed_same_ids_and_different_seed_different_ids() -> None:
    first, again, other = _run(7), _run(7), _run(8)
    assert first == again
    assert set(first).isdisjoint(other)


def test_id_shapes() -> None:
    uuid_a, uuid_b, object_id, token = _run(1)
    assert uuid_a != uuid_b
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid_a)
    assert re.fullmatch(r"[0-9a-f]{24}", object_id)
    assert re.fullmatch(r"[0-9a-f]{40}", token)


def test_counters_are_per_namespace(db: Database) -> None:
    with db.transaction() as s:
        assert [ids.next_value(s, "x"), ids.next_value(s, "x"), ids.next_value(s, "y", start=100)] == [1, 2, 100]
        ids.raise_floor(s, "x", 50)
        assert ids.next_value(s, "x") == 51


def test_request_ids_a_client_does_not_give_are_reproducible_from_the_seed() -> None:
    def journal_ids(seed: int) -> list[str]:
        app = create_app(Settings(db=":memory:", seed=seed))
        with TestClient(app) as client:
            for _ in range(3):
                client.get("/msportal/api/public/v1/training/enrollments")
        with app.state.runtime.db.transaction() as session:
            rows, _ = journal.query_entries(session)
        return [r.request_id for r in rows]

    first, again, other = journal_ids(7), journal_ids(7), journal_ids(8)
    assert first == again and len(set(first)) == 3
    assert set(first).isdisjoint(other)
