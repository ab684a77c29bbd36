"""Loading fixtures leaves exactly the state the API's own rules would have written.

`reference.json` holds the table digests of each case as the original loaders wrote
them: every vendor row replayed through its API rules (Absorb's lesson trees and
roll-ups, Learn.link's memberships, assignments and completions in time order). The
bulk loaders must reproduce them table by table, counters and clock included.
Regenerate only for a deliberate change of loaded state:
`python -m tests.fixtures_load.test_equivalence --write`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import inspect

from simulator.core import fixtures, ids
from simulator.core.db import Database
from simulator.runtime import Runtime
from simulator.settings import Settings
from tests.fixtures_load.cases import CASES, load_case
from tests.fixtures_load.state import table_digests

REFERENCE = Path(__file__).with_name("reference.json")


@pytest.mark.parametrize("case", sorted(CASES))
def test_loaded_state_matches_the_reference(case: str) -> None:
    expected = orjson.loads(REFERENCE.read_bytes())[case]
    actual = load_case(case)
    assert sorted(actual) == sorted(expected), "the set of tables changed"
    differing = sorted(name for name in expected if actual[name] != expected[name])
    assert differing == []


def test_indexes_dropped_for_a_bulk_insert_are_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big inserts drop a table's indexes and build them afterwards: same rows, same indexes."""
    monkeypatch.setattr(fixtures, "REBUILD_INDEXES_AT", 1)
    runtime = Runtime(Settings(db=":memory:", fixtures=None), Database("sqlite://"))
    runtime.db.create_schema()
    expected_indexes = _index_names(runtime)
    with runtime.db.transaction() as session:
        ids.set_seed(session, 0)
        CASES["generated"](runtime, session)
    with runtime.db.transaction() as session:
        digests = table_digests(session)
    assert digests == orjson.loads(REFERENCE.read_bytes())["generated"]
    assert _index_names(runtime) == expected_indexes
    assert any(name.startswith("ix_absorb_les_enr") for name in expected_indexes)


def _index_names(runtime: Runtime) -> set[str]:
    inspector = inspect(runtime.db.engine)
    return {str(i["name"]) for t in inspector.get_table_names() for i in inspector.get_indexes(t)}


def _write() -> None:
    reference = {case: load_case(case) for case in sorted(CASES)}
    REFERENCE.write_bytes(orjson.dumps(reference, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        _write()
