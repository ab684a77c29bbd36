"""The enrolment status machine, driven across every transition on a simulated clock."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Store
from simulator.vendors.learnlink import states, wire
from simulator.vendors.learnlink.backend import assignments, completions, directory, enrolments
from simulator.vendors.learnlink.models import (
    LearnlinkAudience,
    LearnlinkContent,
    LearnlinkCredential,
    LearnlinkEnrolment,
    LearnlinkUser,
)

DAY = dt.timedelta(days=1)


@dataclass
class World:
    """One tenant: an audience of `users`, contents c0..c2, and the clock `now`."""

    session: Session
    tenant: str
    now: dt.datetime
    audience: str
    users: list[str]
    contents: list[str]

    def oid(self, kind: str, n: int) -> str:
        return ids.derived_object_id(self.tenant, kind, str(n))

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta
        enrolments.catch_up(self.session, self.tenant, self.now)

    def enrolment(self, assignment_id: str, user: int = 0) -> LearnlinkEnrolment:
        row = self.session.scalar(
            select(LearnlinkEnrolment).where(
                LearnlinkEnrolment.assignment_id == assignment_id, LearnlinkEnrolment.user_id == self.users[user]
            )
        )
        assert row is not None
        return row

    def steps(self, row: LearnlinkEnrolment) -> list[tuple[str, str, str, dt.datetime]]:
        self.session.flush()
        log = enrolments.history(self.session, [row.id])[row.id]
        return [(e.type, e.previous_status, e.next_status, e.created_at) for e in log]

    def assign(self, content: int = 0, **kwargs: object) -> str:
        row = assignments.create(
            self.session,
            self.tenant,
            self.now,
            audience_id=self.audience,
            content_id=self.contents[content],
            **kwargs,  # type: ignore[arg-type]
        )
        return row.id

    def complete(self, user: int = 0, content: int = 0, at: dt.datetime | None = None) -> str:
        row, _ = completions.record(
            self.session,
            self.tenant,
            self.now,
            user_id=self.users[user],
            content_id=self.contents[content],
            completed_at=at or self.now,
        )
        return row.id


def make_world(session: Session, tenant: str, start: dt.datetime, members: int = 3) -> World:
    w = World(session, tenant, start, "", [], [])
    session.add(LearnlinkCredential(tenant=tenant, tenant_id=f"eu-west-2_{tenant}", secret="s", scopes=["api/all"]))
    w.audience = w.oid("audience", 1)
    session.add(LearnlinkAudience(tenant=tenant, id=w.audience, name="A", created_at=start, updated_at=start))
    for i in range(members):
        uid = w.oid("user", i)
        w.users.append(uid)
        session.add(LearnlinkUser(tenant=tenant, id=uid, created_at=start, updated_at=start))
    for i in range(3):
        cid = w.oid("content", i)
        w.contents.append(cid)
        session.add(LearnlinkContent(tenant=tenant, id=cid, title=f"C{i}", created_at=start, updated_at=start))
    session.flush()
    for uid in w.users:
        directory.add_member(session, tenant, start, w.audience, uid)
    return w


@pytest.fixture
def world(session: Session, t0: dt.datetime) -> World:
    return make_world(session, "acme", t0)


def test_assignment_opens_an_enrolment_per_member(world: World) -> None:
    aid = world.assign(completion_period=30)
    rows = [world.enrolment(aid, i) for i in range(3)]
    assert {r.status for r in rows} == {states.OPEN}
    row = rows[0]
    assert row.available_date == world.now and row.due_date == world.now + 30 * DAY
    assert world.steps(row) == [("assigned", "unassigned", "open", world.now)]


def test_open_becomes_overdue_only_after_the_due_date_stamped_with_the_due_date(world: World) -> None:
    aid = world.assign(completion_period=10)
    due = world.enrolment(aid).due_date
    world.advance(10 * DAY)  # exactly the due instant: still open
    assert world.enrolment(aid).status == states.OPEN
    world.advance(dt.timedelta(hours=5))
    row = world.enrolment(aid)
    assert row.status == states.OVERDUE
    assert world.steps(row)[-1] == ("due", "open", "overdue", due)
    assert row.updated_at == due
    assert row.next_transition_at is None


def test_scheduled_opens_on_its_available_date(world: World) -> None:
    start = world.now + 7 * DAY
    aid = world.assign(completion_period=5, available_from=start)
    row = world.enrolment(aid)
    assert row.status == states.SCHEDULED and row.available_date == start and row.due_date == start + 5 * DAY
    world.advance(6 * DAY)
    assert world.enrolment(aid).status == states.SCHEDULED
    world.advance(DAY)
    assert world.enrolment(aid).status == states.OPEN
    world.advance(6 * DAY)
    assert [s[1:] for s in world.steps(row)] == [
        ("unassigned", "scheduled", row.created_at),
        ("scheduled", "open", start),
        ("open", "overdue", start + 5 * DAY),
    ]


def test_completion_of_primary_or_alternative_content_completes(world: World) -> None:
    aid = world.assign(content=0, alternative_content_ids=[world.contents[1]], completion_period=30)
    world.advance(3 * DAY)
    first = world.complete(user=0, content=0)
    second = world.complete(user=1, content=1)
    world.complete(user=2, content=2)  # unrelated content: no effect
    rows = [world.enrolment(aid, i) for i in range(3)]
    assert [r.status for r in rows] == [states.COMPLETE, states.COMPLETE, states.OPEN]
    assert rows[0].last_completed_at == world.now
    assert world.steps(rows[0])[-1] == ("completed", "open", "complete", world.now)
    log = enrolments.history(world.session, [rows[0].id, rows[1].id])
    assert log[rows[0].id][-1].completion_id == first and log[rows[1].id][-1].completion_id == second
    world.advance(60 * DAY)  # complete does not move with time
    assert world.enrolment(aid).status == states.COMPLETE


def test_late_completion_from_overdue_completes(world: World) -> None:
    aid = world.assign(completion_period=1)
    world.advance(5 * DAY)
    assert world.enrolment(aid).status == states.OVERDUE
    world.complete()
    row = world.enrolment(aid)
    assert row.status == states.COMPLETE
    assert world.steps(row)[-1][1:3] == ("overdue", "complete")


def test_recurring_assignment_cycles_scheduled_open_overdue(world: World) -> None:
    aid = world.assign(completion_period=10, recurrence=90)
    world.advance(2 * DAY)
    done_at = world.now
    world.complete()
    row = world.enrolment(aid)
    # Complete until the period it completed ends (day 10), then scheduled for the next one.
    assert row.status == states.COMPLETE
    assert row.last_completed_at == done_at
    assert row.available_date == done_at + 90 * DAY and row.due_date == done_at + 100 * DAY
    world.advance(7 * DAY)
    assert world.enrolment(aid).status == states.COMPLETE
    world.advance(2 * DAY)
    assert world.enrolment(aid).status == states.SCHEDULED
    world.advance(86 * DAY)
    assert world.enrolment(aid).status == states.OPEN
    world.advance(10 * DAY)
    assert world.enrolment(aid).status == states.OVERDUE
    assert [s[:3] for s in world.steps(row)] == [
        ("assigned", "unassigned", "open"),
        ("completed", "open", "complete"),
        ("recurred", "complete", "scheduled"),
        ("available", "scheduled", "open"),
        ("due", "open", "overdue"),
    ]
    # Overdue in the second period: a late completion completes, and stays complete until
    # the third period's availableDate (its own period has already ended).
    world.complete()
    late = world.enrolment(aid)
    assert late.status == states.COMPLETE
    world.advance(89 * DAY)
    assert world.enrolment(aid).status == states.COMPLETE
    world.advance(2 * DAY)
    assert world.enrolment(aid).status == states.OPEN


def test_backdated_completion_keeps_history_in_order(world: World) -> None:
    aid = world.assign(completion_period=10, recurrence=5)
    world.advance(20 * DAY)
    world.complete(at=world.now - 15 * DAY)  # next period began 10 days ago, due 5 days from now
    row = world.enrolment(aid)
    assert row.status == states.OPEN
    stamps = [s[3] for s in world.steps(row)]
    assert stamps == sorted(stamps)
    assert stamps[-1] == world.now


def test_leaving_the_audience_archives_and_rejoining_reopens(world: World) -> None:
    aid = world.assign(completion_period=30)
    world.advance(DAY)
    directory.remove_member(world.session, world.tenant, world.now, world.audience, world.users[0])
    row = world.enrolment(aid)
    assert row.status == states.ARCHIVED and row.next_transition_at is None
    world.advance(40 * DAY)
    assert world.enrolment(aid).status == states.ARCHIVED  # archived ignores the clock
    directory.add_member(world.session, world.tenant, world.now, world.audience, world.users[0])
    row = world.enrolment(aid)
    assert row.status == states.OPEN and row.due_date == world.now + 30 * DAY
    assert [s[1:3] for s in world.steps(row)] == [("unassigned", "open"), ("open", "archived"), ("archived", "open")]


def test_member_joining_later_is_enrolled(session: Session, t0: dt.datetime) -> None:
    w = make_world(session, "acme", t0, members=2)
    aid = w.assign(completion_period=30)
    extra = w.oid("user", 99)
    session.add(LearnlinkUser(tenant="acme", id=extra, created_at=t0, updated_at=t0))
    session.flush()
    w.advance(4 * DAY)
    directory.add_member(session, "acme", w.now, w.audience, extra)
    row = session.scalar(
        select(LearnlinkEnrolment).where(LearnlinkEnrolment.assignment_id == aid, LearnlinkEnrolment.user_id == extra)
    )
    assert row is not None and row.status == states.OPEN and row.due_date == w.now + 30 * DAY


def test_deleting_the_assignment_archives_every_enrolment(world: World) -> None:
    aid = world.assign(completion_period=3)
    world.advance(5 * DAY)
    world.complete(user=1)
    assignments.remove(world.session, world.tenant, world.now, aid, world.audience)
    assert {world.enrolment(aid, i).status for i in range(3)} == {states.ARCHIVED}
    with pytest.raises(ApiError) as info:
        assignments.get(world.session, world.tenant, aid)
    assert info.value.status == 404


def test_changing_the_completion_period_moves_due_dates(world: World) -> None:
    aid = world.assign(completion_period=5)
    world.advance(7 * DAY)
    assert world.enrolment(aid).status == states.OVERDUE
    changes = assignments.AssignmentChanges(completion_period=30)
    assignments.update(world.session, world.tenant, world.now, aid, world.audience, changes)
    row = world.enrolment(aid)
    assert row.status == states.OPEN and row.due_date == row.available_date + 30 * DAY
    assert world.steps(row)[-1][:3] == ("updated", "overdue", "open")
    assignments.update(
        world.session, world.tenant, world.now, aid, world.audience, assignments.AssignmentChanges(completion_period=2)
    )
    assert world.enrolment(aid).status == states.OVERDUE


def test_an_update_of_the_assignments_own_fields_is_seen_by_the_model_the_session_holds(world: World) -> None:
    aid = world.assign(completion_period=5)
    held = assignments.get(world.session, world.tenant, aid)
    assert held.recurrence is None and held.hide_alternative_content is False
    world.advance(DAY)
    changes = assignments.AssignmentChanges(recurrence=90, recurrence_given=True, hide_alternative_content=True)
    updated = assignments.update(world.session, world.tenant, world.now, aid, world.audience, changes)
    assert (updated.recurrence, updated.hide_alternative_content, updated.updated_at) == (90, True, world.now)
    assert (held.recurrence, held.hide_alternative_content, held.updated_at) == (90, True, world.now)
    # A recurrence set later applies from the next completion: the enrolment itself is unchanged.
    assert world.enrolment(aid).status == states.OPEN


def test_reading_twice_adds_nothing(world: World) -> None:
    aid = world.assign(completion_period=3)
    world.advance(10 * DAY)
    before = world.steps(world.enrolment(aid))
    for _ in range(3):
        enrolments.catch_up(world.session, world.tenant, world.now)
    assert world.steps(world.enrolment(aid)) == before


def _scenario(w: World) -> list[str]:
    """Assignments that exercise every time-driven transition over 400 days."""
    return [
        w.assign(content=0, completion_period=30),
        w.assign(content=1, completion_period=10, recurrence=60, available_from=w.now + 3 * DAY),
        w.assign(content=2, completion_period=200, available_from=w.now + 100 * DAY),
    ]


def _histories(w: World, ids: list[str]) -> list[object]:
    out: list[object] = []
    for aid in ids:
        for i in range(len(w.users)):
            row = w.enrolment(aid, i)
            out.append((row.status, row.available_date, row.due_date, row.updated_at, w.steps(row)))
    return out


def test_one_400_day_step_equals_400_one_day_steps(session: Session, t0: dt.datetime) -> None:
    big, small = make_world(session, "big", t0), make_world(session, "small", t0)
    big_ids, small_ids = _scenario(big), _scenario(small)
    # The recurring assignment completes once early on, in both worlds, at the same instant.
    for w in (big, small):
        w.advance(5 * DAY)
        w.complete(user=0, content=1)
    big.advance(400 * DAY)
    for _ in range(400):
        small.advance(DAY)
    assert big.now == small.now
    big_history, small_history = _histories(big, big_ids), _histories(small, small_ids)
    assert big_history == small_history
    statuses = {h[0] for h in big_history}  # type: ignore[index]
    assert statuses == {states.OVERDUE}
    moves = {step[:3] for h in big_history for step in h[4]}  # type: ignore[index]
    assert {
        ("available", "scheduled", "open"),
        ("due", "open", "overdue"),
        ("recurred", "complete", "scheduled"),
    } <= moves


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement the database runs, as it runs it (values filled in): ORM queries
    and statements run on the driver's cursor alike."""
    seen: list[str] = []
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    driver.set_trace_callback(seen.append)
    yield seen
    driver.set_trace_callback(None)


def test_catch_up_with_nothing_due_is_one_indexed_query(world: World, statements: list[str]) -> None:
    world.assign(completion_period=30)
    world.session.flush()
    statements.clear()
    enrolments.catch_up(world.session, world.tenant, world.now + DAY)
    assert len(statements) == 1
    plan = world.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statements[0]).all()
    assert any("ix_learnlink_enrolments_due" in str(row) for row in plan), plan


def test_catch_up_with_nothing_due_makes_no_orm_session(world: World) -> None:
    world.assign(completion_period=30)
    world.session.flush()
    store = Store(world.session.connection(), sessions=sessionmaker())
    enrolments.catch_up(store, world.tenant, world.now + DAY)
    assert not store.has_session
    # With work due it does the work (through the ORM).
    enrolments.catch_up(store, world.tenant, world.now + 31 * DAY)
    assert store.has_session
    assert world.session.scalars(select(LearnlinkEnrolment.status)).all() == ["overdue"] * len(world.users)
    store.close()


def test_tenants_do_not_see_each_other(session: Session, t0: dt.datetime) -> None:
    a, b = make_world(session, "acme", t0), make_world(session, "globex", t0)
    aid = a.assign()
    row = a.enrolment(aid)
    with pytest.raises(ApiError) as info:
        enrolments.get(session, "globex", aid, row.id)
    assert info.value.status == 404
    with pytest.raises(ApiError):
        assignments.get(session, "globex", aid)
    with pytest.raises(ApiError):  # globex cannot assign acme's content to its audience
        assignments.create(session, "globex", t0, audience_id=b.audience, content_id=a.contents[0])


def test_completions_are_idempotent(world: World) -> None:
    aid = world.assign()
    at = world.now
    first, created = completions.record(
        world.session, world.tenant, world.now, user_id=world.users[0], content_id=world.contents[0], completed_at=at
    )
    again, created_again = completions.record(
        world.session, world.tenant, world.now, user_id=world.users[0], content_id=world.contents[0], completed_at=at
    )
    assert created and not created_again and first.id == again.id
    assert len(world.steps(world.enrolment(aid))) == 2


def test_duplicate_assignment_is_a_conflict(world: World) -> None:
    world.assign(content=0)
    with pytest.raises(ApiError) as info:
        world.assign(content=0)
    assert info.value.status == 409


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, 5, 123456, tzinfo=dt.UTC),
        dt.datetime(999, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 10, 0, 5, 999999, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ],
)
def test_wire_instants_are_utc_with_milliseconds_however_they_arrive(value: dt.datetime) -> None:
    expected = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    assert wire.iso(value) == expected
    assert wire.iso(None) is None
