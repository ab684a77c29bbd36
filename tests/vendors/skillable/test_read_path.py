"""Keys remembered per process stay coherent with their table; reads never make an ORM session."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.core.store import Store
from simulator.settings import Settings
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.skillable.models import SkillableApiKey

ACME = {"api_key": "skl-acme-key"}
ACME_CLASS = "/skillable/GetClass/3001"
READS = (
    "/GetClassEnrollment/45001",
    "/GetClassEnrollmentByClassAndUser?classId=3001&userId=501",
    "/SearchClassEnrollments?classId=3001&pageSize=100",
    "/SearchClassEnrollments?className=az&sort=Used%20DESC&pageSize=5&pageIndex=1",
    "/GetClass/3001",
    "/SearchClasses?sort=Starts",
)


def settings(path: Path, **extra: Any) -> Settings:
    return Settings(db=str(path), allowed_hosts=["testserver"], **extra)


def body_status(client: TestClient, path: str, headers: dict[str, str] = ACME) -> int:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    status: int = response.json()["Status"]
    return status


def test_a_key_removed_by_another_process_is_refused_at_its_next_request(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    serving = create_app(settings(path, fresh=True))
    other = create_app(settings(path), bootstrap=False)  # a second process on the same file
    with TestClient(serving) as client, TestClient(other):
        assert body_status(client, ACME_CLASS) == 0  # found, and remembered
        assert body_status(client, ACME_CLASS) == 0
        with other.state.runtime.db.transaction() as session:
            session.execute(delete(SkillableApiKey).where(SkillableApiKey.key == ACME["api_key"]))
        assert body_status(client, ACME_CLASS) == 30  # Invalid integration key


def test_a_key_moved_to_another_organization_answers_for_that_organization(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    serving = create_app(settings(path, fresh=True))
    other = create_app(settings(path), bootstrap=False)
    with TestClient(serving) as client, TestClient(other):
        assert body_status(client, ACME_CLASS) == 0
        with other.state.runtime.db.transaction() as session:
            session.execute(
                update(SkillableApiKey).where(SkillableApiKey.key == ACME["api_key"]).values(tenant="globex")
            )
        assert body_status(client, ACME_CLASS) == 20  # acme's class is not globex's: not found


def test_a_key_not_found_is_looked_up_again_so_one_added_meanwhile_works(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    added = {"api_key": "skl-acme-added"}
    with TestClient(create_app(settings(path, fresh=True))) as client:
        assert body_status(client, ACME_CLASS, added) == 30
        # Added past every hook the simulator has, as a script on the file would.
        raw = sqlite3.connect(path)
        with raw:
            raw.execute(
                "INSERT INTO skillable_api_keys (tenant, name, key) "
                "SELECT tenant, 'added', 'skl-acme-added' FROM skillable_api_keys WHERE key = ?",
                (ACME["api_key"],),
            )
        raw.close()
        assert body_status(client, ACME_CLASS, added) == 0


@pytest.mark.both_databases
def test_reads_make_no_orm_session_and_a_write_does(
    lms_sim: InProcessSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ORM session costs more than a read's own statements: the reads go without one
    (and on PostgreSQL stay inside their read-only transaction)."""
    made: list[str] = []
    original = Store.session

    def counted(store: Store) -> Any:
        made.append("session")
        return original.fget(store)  # type: ignore[attr-defined]

    def status(path: str) -> Any:
        response = lms_sim.client.get(lms_sim.url("skillable", path), headers=ACME)
        assert response.status_code == 200, response.text
        return response.json()

    assert status(READS[0])["Status"] == 0  # the process's plumbing is loaded
    monkeypatch.setattr(Store, "session", property(counted))
    for path in READS:
        assert status(path)["Status"] == 0, path
    assert made == []
    write = "/UpdateClassEnrollment/45001?classId=3001&userId=501&enrollmentStatusId=60&completionStatusId=0"
    assert status(f"{write}&HoursSpent=4") == {"status": 0, "error": None}
    assert made == []  # the update runs statements only: its savepoint is the connection's
    # The probe does see a session where one is made (the control API's clock uses the ORM).
    assert lms_sim.client.post("/_sim/clock/advance", json={"duration": "PT1H"}).status_code == 200
    assert made
