"""A full reset restores the fixture state exactly, whatever changed and however it changed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from simulator.core import changes, snapshots
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.vendors.absorb.models import AbsorbCourseEnrollment


def _state(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return {
            table.name: sorted(connection.execute(f"SELECT rowid, * FROM {table.name}").fetchall(), key=repr)
            for table in snapshots.vendor_tables()
        }


def _noted(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {changes.TABLE}").fetchone()[0])


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    runtime = Runtime(Settings(db=str(tmp_path / "sim.db"), fresh=True))
    runtime.bootstrap()
    return runtime


def test_rows_changed_past_the_simulator_and_by_a_cascade_come_back_as_saved(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    saved = _state(path)
    assert _noted(path) == 0
    # A script on the file, foreign keys off: some rows of every table deleted, others changed.
    script = sqlite3.connect(path)
    with script:
        for table in snapshots.vendor_tables():
            script.execute(f"DELETE FROM {table.name} WHERE rowid IN (SELECT rowid FROM {table.name} LIMIT 2)")
            script.execute(
                f"UPDATE {table.name} SET tenant = tenant || '-changed' "
                f"WHERE rowid = (SELECT max(rowid) FROM {table.name})"
            )
    script.close()
    # Through the simulator, foreign keys on: a course enrollment, its chapters and lessons cascading.
    with runtime.db.transaction() as session:
        enrollment = session.scalars(select(AbsorbCourseEnrollment).limit(1)).one()
        session.delete(enrollment)
        session.execute(
            text("INSERT INTO msportal_companies (id, tenant, name) VALUES ('added-company', 'acme', 'Added')")
        )
    assert _state(path) != saved
    assert _noted(path) > 0
    with runtime.db.transaction() as session:
        runtime.reset(session)
    assert _state(path) == saved
    assert _noted(path) == 0


def test_a_tenant_reset_then_a_full_reset_end_where_the_fixtures_began(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    saved = _state(path)
    changed = "UPDATE {table} SET tenant = tenant || '-changed' WHERE rowid IN (SELECT rowid FROM {table} LIMIT 3)"
    with runtime.db.transaction() as session:
        session.execute(text(changed.format(table="msportal_enrollments")))
    with runtime.db.transaction() as session:
        runtime.reset(session, "acme")  # whole tables of one tenant: new rowids
    with runtime.db.transaction() as session:
        session.execute(text(changed.format(table="skillable_class_enrollments")))
    with runtime.db.transaction() as session:
        runtime.reset(session)
    now = _state(path)
    # Rows a tenant's reset put back may have other rowids: compare the rows themselves.
    assert {t: sorted(map(repr, (r[1:] for r in rows))) for t, rows in now.items()} == {
        t: sorted(map(repr, (r[1:] for r in rows))) for t, rows in saved.items()
    }
