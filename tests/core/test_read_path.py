"""Reads take no write lock, and the plumbing each process caches stays coherent across processes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import delete
from starlette.testclient import TestClient

from simulator.app import create_app
from simulator.settings import Settings
from simulator.vendors.msportal.auth import key_digest
from simulator.vendors.msportal.models import MspApiKey

ENROLLMENT = "/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000001"
FULL = {"Authorization": "Bearer msp_acme_full"}


def test_a_read_with_the_default_rate_limit_is_answered_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    app = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    with TestClient(app) as client:
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200
        locker = sqlite3.connect(path)
        locker.execute("BEGIN IMMEDIATE")  # holds the write lock until released below
        answered: list[int] = []
        reader = threading.Thread(target=lambda: answered.append(client.get(ENROLLMENT, headers=FULL).status_code))
        reader.start()
        reader.join(timeout=10)  # a read that wanted the lock would wait for the 30 s busy timeout
        held_while_answered = list(answered)
        locker.rollback()
        locker.close()
        reader.join()
    assert held_while_answered == [200]


def test_a_fault_rule_and_a_clock_change_made_by_another_process_apply_to_the_next_request(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    serving = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    other = create_app(
        Settings(db=str(path), allowed_hosts=["testserver"]), bootstrap=False
    )  # a second process on the same file
    with TestClient(serving) as client, TestClient(other) as control:
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200  # the first process caches its plumbing
        rule = {"vendor": "msportal", "operationId": "getEnrollment", "status": 503}
        assert control.post("/_sim/faults", json=rule).status_code in (200, 201)
        assert client.get(ENROLLMENT, headers=FULL).status_code == 503
        cleared = control.delete("/_sim/faults", headers={"Content-Type": "application/json"})
        assert cleared.status_code in (200, 204)
        before = client.get(ENROLLMENT, headers=FULL).headers["X-RateLimit-Reset"]
        assert control.post("/_sim/clock/advance", json={"duration": "PT2H"}).status_code == 200
        after = client.get(ENROLLMENT, headers=FULL).headers["X-RateLimit-Reset"]
    assert after > before  # the rate window is counted on the clock the other process moved


def test_reads_keep_being_answered_while_the_journal_waits_for_a_held_write_lock(tmp_path: Path) -> None:
    """The journal's delayed write meets the held lock too: it must not stop the server answering."""
    path = tmp_path / "sim.db"
    app = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    with TestClient(app) as client:
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200
        locker = sqlite3.connect(path)
        locker.execute("BEGIN IMMEDIATE")
        answered: list[int] = []
        for _ in range(3):  # spaced past the journal's flush delay, so its write meets the lock
            reader = threading.Thread(target=lambda: answered.append(client.get(ENROLLMENT, headers=FULL).status_code))
            reader.start()
            reader.join(timeout=5)
            threading.Event().wait(0.2)
        held_while_answered = list(answered)
        locker.rollback()
        locker.close()
    assert held_while_answered == [200, 200, 200]


def test_a_credential_removed_by_another_process_is_refused_at_its_next_request(tmp_path: Path) -> None:
    """Each process remembers the credentials it found; a change to their table forgets them."""
    path = tmp_path / "sim.db"
    serving = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    other = create_app(Settings(db=str(path), allowed_hosts=["testserver"]), bootstrap=False)
    with TestClient(serving) as client, TestClient(other):
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200  # found, and remembered
        assert client.get(ENROLLMENT, headers=FULL).status_code == 200
        with other.state.runtime.db.transaction() as session:
            session.execute(delete(MspApiKey).where(MspApiKey.key_digest == key_digest("msp_acme_full")))
        refused = client.get(ENROLLMENT, headers=FULL)
    assert refused.status_code == 401


def test_a_credential_not_found_is_looked_up_again_so_one_added_meanwhile_works(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    app = create_app(Settings(db=str(path), fresh=True, allowed_hosts=["testserver"]))
    new_key = {"Authorization": "Bearer msp_acme_added"}
    with TestClient(app) as client:
        assert client.get(ENROLLMENT, headers=new_key).status_code == 401
        # Added past every hook the simulator has, as a script on the file would.
        raw = sqlite3.connect(path)
        with raw:
            raw.execute(
                "INSERT INTO msportal_api_keys (tenant, name, key, key_digest, scopes) SELECT tenant, 'added', "
                "'msp_acme_added', ?, scopes FROM msportal_api_keys WHERE key = 'msp_acme_full'",
                (key_digest("msp_acme_added"),),
            )
        raw.close()
        assert client.get(ENROLLMENT, headers=new_key).status_code == 200
