"""On PostgreSQL, writes of two tenants never wait for each other; reads never wait at all."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from simulator.core.db import Database, lock_for, reading, request_locks
from simulator.core.models import MetaRow

pytestmark = pytest.mark.both_databases


def _try_lock(db: Database, tenant: str | None) -> bool:
    """Whether a write of `tenant` gets its lock within half a second."""
    with request_locks(), db.sessions() as session, session.begin():
        session.execute(text("SET LOCAL lock_timeout = '500ms'"))
        try:
            lock_for(session, tenant)
        except OperationalError:
            return False
        return True


def test_a_tenants_write_waits_only_for_the_same_tenant_and_the_control_plane(database: str, db: Database) -> None:
    if database != "postgresql":
        pytest.skip("SQLite has one write lock per file")
    with db.sessions() as holder:
        with request_locks():
            holder.begin()
            lock_for(holder, "acme")  # a write of tenant acme in progress
        assert _try_lock(db, "globex")  # another tenant: at once
        assert not _try_lock(db, "acme")  # the same tenant: waits
        assert not _try_lock(db, None)  # the control plane: waits for every tenant
        holder.rollback()
    assert _try_lock(db, "acme")


@pytest.mark.parametrize("tenant", ["acme", None], ids=["tenant-write", "control-plane-write"])
def test_a_read_waits_for_no_write(database: str, db: Database, tenant: str | None) -> None:
    if database != "postgresql":
        pytest.skip("SQLite: see test_read_path")
    with db.sessions() as writer:
        with request_locks():
            writer.begin()
            lock_for(writer, tenant)
        with reading(), db.sessions() as reader, reader.begin():
            reader.execute(text("SET LOCAL lock_timeout = '500ms'"))
            assert _read_meta(reader) is None  # answered at once
        writer.rollback()


def _read_meta(session: Session) -> object:
    return session.get(MetaRow, "absent")
