"""Webhook deliveries against a real local HTTP receiver: signatures, retries, attempt records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from simulator.core.db import Base, Database
from simulator.core.fixtures import FixtureContext
from simulator.settings import Settings
from simulator.vendors.learnlink import delivery, wire
from simulator.vendors.learnlink.backend import assignments, completions, directory, webhooks
from simulator.vendors.learnlink.fixtures import load_tenant

SECRET = "whsec-test"
ADA, C_FIRE, JOINERS = "64b000000000000000b00001", "64b000000000000000c00006", "64b000000000000000a00005"


@dataclass
class Receiver:
    """A local HTTP server that records every POST and fails the first `failures` of them."""

    failures: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    failing = len(receiver.received) <= receiver.failures
                self.send_response(503 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), r.handler())
    r.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield r
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["file", "memory", "postgresql"])
def webhook_db(
    request: pytest.FixtureRequest, tmp_path: Path, demo_section: Any, t0: dt.datetime
) -> Iterator[Database]:
    """The acme demo tenant on a file database, on a shared in-memory one and on PostgreSQL."""
    pg_url = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        pg_url = server.create(server.template(None))
        request.addfinalizer(lambda: server.drop(pg_url))
    url = pg_url or (str(tmp_path / "ll.db") if request.param == "file" else "sqlite://")
    db = _acme_database(url, demo_section("acme"), t0, webhook_backoff_seconds=0.05, webhook_max_attempts=4)
    try:
        yield db
    finally:
        delivery.stop_all()
        db.engine.dispose()


def _acme_database(url: str, section: Any, t0: dt.datetime, **options: Any) -> Database:
    """The acme demo tenant's Learn.link tables, with these webhook options."""
    db = Database(url)
    Base.metadata.create_all(
        db.engine, tables=[t for t in Base.metadata.sorted_tables if t.name.startswith(("sim_", "learnlink_"))]
    )
    with db.transaction() as s:
        load_tenant(FixtureContext(session=s, now=t0), "acme", section)
        delivery.remember_settings(s, Settings(vendor_options={"learnlink": options}))
    return db


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for webhook deliveries")
        time.sleep(0.02)


def finished(db: Database) -> bool:
    with db.transaction() as s:
        listed = webhooks.list_deliveries(s, "acme")  # writes attempts kept in memory first
        return bool(listed) and all(d["status"] in ("delivered", "failed") for d in listed)


def subscribe(db: Database, receiver: Receiver, t0: dt.datetime, kind: str, events: list[str]) -> None:
    with db.transaction() as s:
        webhooks.add_subscription(s, "acme", t0, kind=kind, target_url=receiver.url, secret=SECRET, events=events)


def test_completion_event_is_signed_and_delivered(webhook_db: Database, receiver: Receiver, t0: dt.datetime) -> None:
    subscribe(webhook_db, receiver, t0, "completion_subscription", ["content.completed"])
    with webhook_db.transaction() as s:
        row, _ = completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
        completion_id = row.id
    wait_for(lambda: len(receiver.received) == 1 and finished(webhook_db))
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-hmac-signature"] == expected
    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "content.completed" and payload["tenantId"] == "eu-west-2_AcmeDemo01"
    assert payload["data"]["id"] == completion_id
    with webhook_db.transaction() as s:
        [listed] = webhooks.list_deliveries(s, "acme")
    assert listed["status"] == "delivered" and [a["statusCode"] for a in listed["attempts"]] == [204]
    assert listed["attempts"][0]["latencyMs"] >= 0


def test_failures_are_retried_a_bounded_number_of_times(
    webhook_db: Database, receiver: Receiver, t0: dt.datetime
) -> None:
    receiver.failures = 2
    subscribe(webhook_db, receiver, t0, "assignment_subscription", ["assignment.*"])
    with webhook_db.transaction() as s:
        assignments.create(s, "acme", t0, audience_id=JOINERS, content_id=C_FIRE)
    wait_for(lambda: finished(webhook_db) and len(receiver.received) == 3)
    with webhook_db.transaction() as s:
        [listed] = webhooks.list_deliveries(s, "acme")
    assert listed["event"] == "assignment.assigned" and listed["status"] == "delivered"
    assert [a["statusCode"] for a in listed["attempts"]] == [503, 503, 204]
    assert [a["error"] for a in listed["attempts"]] == ["HTTP 503", "HTTP 503", None]
    assert len({body for _, body in receiver.received}) == 1  # the same signed body every time


def test_an_unreachable_target_gives_up_after_max_attempts(webhook_db: Database, t0: dt.datetime) -> None:
    with webhook_db.transaction() as s:
        webhooks.add_subscription(
            s, "acme", t0, kind="completion_subscription", target_url="http://127.0.0.1:9/nothing", secret=SECRET
        )
        completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
    wait_for(lambda: finished(webhook_db))
    with webhook_db.transaction() as s:
        [listed] = webhooks.list_deliveries(s, "acme")
    assert listed["status"] == "failed" and len(listed["attempts"]) == 4
    assert all(a["statusCode"] is None and a["error"] for a in listed["attempts"])


def test_enrolment_events_follow_the_clock_and_roll_back_with_errors(
    webhook_db: Database, receiver: Receiver, t0: dt.datetime
) -> None:
    subscribe(webhook_db, receiver, t0, "assignment_subscription", ["enrolment.*"])
    with webhook_db.transaction() as s:
        directory.add_member(s, "acme", t0, JOINERS, ADA)
        assignments.create(s, "acme", t0, audience_id=JOINERS, content_id=C_FIRE, completion_period=1)
    # A failed request writes nothing, its events included: a whole transaction rolled back,
    # or (as the request pipeline does) only the handler's savepoint.
    with pytest.raises(RuntimeError), webhook_db.transaction() as s:
        completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
        raise RuntimeError("the request failed after the completion")
    with webhook_db.transaction() as s:
        savepoint = s.begin_nested()
        completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
        savepoint.rollback()
    with webhook_db.transaction() as s:
        from simulator.vendors.learnlink.backend.enrolments import catch_up

        catch_up(s, "acme", t0 + dt.timedelta(days=2))
    wait_for(lambda: finished(webhook_db) and len(receiver.received) == 2)
    events = sorted(json.loads(body)["event"] for _, body in receiver.received)
    assert events == ["enrolment.open", "enrolment.overdue"]
    overdue = next(json.loads(b) for _, b in receiver.received if json.loads(b)["event"] == "enrolment.overdue")
    assert overdue["timestamp"] == overdue["data"]["dueDate"]  # stamped when it happened, not when noticed


def test_an_update_of_the_assignments_own_fields_is_announced_with_its_new_values(
    webhook_db: Database, receiver: Receiver, t0: dt.datetime
) -> None:
    subscribe(webhook_db, receiver, t0, "assignment_subscription", ["assignment.updated"])
    with webhook_db.transaction() as s:
        aid = assignments.create(s, "acme", t0, audience_id=JOINERS, content_id=C_FIRE).id
    later = t0 + dt.timedelta(hours=1)
    changes = assignments.AssignmentChanges(hide_alternative_content=True, recurrence=90, recurrence_given=True)
    with webhook_db.transaction() as s:
        assignments.update(s, "acme", later, aid, JOINERS, changes)
    wait_for(lambda: finished(webhook_db) and len(receiver.received) == 1)
    payload = json.loads(receiver.received[0][1])
    assert payload["event"] == "assignment.updated" and payload["tenantId"] == "eu-west-2_AcmeDemo01"
    data = payload["data"]
    assert (data["id"], data["hideAlternativeContent"], data["recurrence"]) == (aid, True, 90)
    assert data["updatedAt"] == payload["timestamp"] == wire.iso(later)
    with webhook_db.transaction() as s:
        assert wire.assignment(assignments.find(s, "acme", aid), []) == data


def test_deliveries_do_not_block_the_caller(webhook_db: Database, t0: dt.datetime) -> None:
    # A receiver that never answers: the write returns while the worker still waits in the
    # background. Checked without a clock: a delivery made inside the write would have its
    # (failed, 30 s timeout) attempt recorded by the time the write returns; here none is.
    import socket

    from sqlalchemy import func, select

    from simulator.vendors.learnlink.models import LearnlinkWebhookAttempt, LearnlinkWebhookDelivery

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        with webhook_db.transaction() as s:
            webhooks.add_subscription(s, "acme", t0, kind="completion_subscription", target_url=url, secret=SECRET)
        with webhook_db.transaction() as s:
            completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
        with webhook_db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(LearnlinkWebhookDelivery)) == 1
            assert s.scalar(select(func.count()).select_from(LearnlinkWebhookAttempt)) == 0
    finally:
        silent.close()


def test_closing_a_database_stops_a_delivery_waiting_to_retry(
    tmp_path: Path, t0: dt.datetime, demo_section: Any
) -> None:
    # Closing a simulator (the app's shutdown, the pytest fixture's teardown) must not leave a
    # delivery thread in its backoff: Python waits for such threads before it exits.
    db = _acme_database(
        str(tmp_path / "ll.db"), demo_section("acme"), t0, webhook_backoff_seconds=600, webhook_max_attempts=3
    )
    with db.transaction() as s:
        webhooks.add_subscription(
            s, "acme", t0, kind="completion_subscription", target_url="http://127.0.0.1:9/nothing", secret=SECRET
        )
        completions.record(s, "acme", t0, user_id=ADA, content_id=C_FIRE, completed_at=t0)
    try:
        wait_for(lambda: _attempts(db) == 1)  # the first attempt failed: now it waits 600 s
        threads = list(delivery.worker_for(db.engine)._pool._threads)  # this database's, not others'
        assert any(t.is_alive() for t in threads)
        delivery.stop_for(db.engine)
        for thread in threads:
            thread.join(timeout=10)
        assert not any(t.is_alive() for t in threads)
    finally:
        delivery.stop_all()
        db.engine.dispose()


def _attempts(db: Database) -> int:
    with db.transaction() as s:
        return sum(len(d["attempts"]) for d in webhooks.list_deliveries(s, "acme"))
