"""The steps of a request inside its transaction (`core.steps`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import bindparam, select, update

from simulator.core import steps
from simulator.core.context import Reply, RequestContext
from simulator.core.db import Database
from simulator.core.errors import ApiError
from simulator.core.models import MetaRow
from simulator.core.store import Statement, Store
from simulator.settings import Settings

_SET = Statement(update(MetaRow).where(MetaRow.key == bindparam("key")).values(value=bindparam("value")))


@pytest.fixture
def db() -> Database:
    """An in-memory database holding one setting, k = "before"."""
    database = Database("sqlite://")
    database.create_schema()
    with database.transaction() as session:
        session.add(MetaRow(key="k", value="before"))
    return database


def _exchange(db: Database, store: Store, handler: Any) -> steps.Exchange:
    ctx = RequestContext(
        store=store, settings=Settings(), vendor="x", operation_id="op", method="POST", path="/x", request_id="r"
    )
    binding = SimpleNamespace(handler=handler)
    incoming = SimpleNamespace(binding=binding)
    return steps.Exchange(vendor=SimpleNamespace(), incoming=incoming, ctx=ctx, reads=False)  # type: ignore[arg-type]


def test_a_refused_write_undoes_what_its_handler_wrote_through_statements_and_the_session(db: Database) -> None:
    def handler(ctx: RequestContext) -> Reply:
        _SET.execute(ctx.store, {"key": "k", "value": "by a statement"})
        ctx.session.add(MetaRow(key="added", value="by the session"))
        ctx.session.flush()
        raise ApiError(409, "refused after writing")

    with db.engine.connect() as connection, connection.begin():
        store = Store(connection, sessions=db.sessions)
        with pytest.raises(ApiError):
            steps.dispatch(_exchange(db, store, handler))
        rows = dict(connection.execute(select(MetaRow.key, MetaRow.value)).all())
        store.close()
    assert rows.get("k") == "before"
    assert "added" not in rows


def test_a_write_whose_handler_needs_no_session_makes_none_and_keeps_its_statement_writes(db: Database) -> None:
    def handler(ctx: RequestContext) -> Reply:
        _SET.execute(ctx.store, {"key": "k", "value": "after"})
        return Reply(200)

    with db.engine.connect() as connection, connection.begin():
        store = Store(connection, sessions=db.sessions)
        assert steps.dispatch(_exchange(db, store, handler)).status == 200
        assert not store.has_session
        value = connection.execute(select(MetaRow.value).where(MetaRow.key == "k")).scalar()
    assert value == "after"
