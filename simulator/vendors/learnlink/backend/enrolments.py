"""The enrolment status machine on the simulated clock.

Every enrolment stores the instant of its next time-driven transition
(`next_transition_at`, indexed with the tenant), so `catch_up` reads only the rows
that are due: one indexed range query when nothing is due. A transition is stamped
with the moment it happened (availableDate, dueDate), never with the moment someone
looked, so one 400-day step and 400 one-day steps write the same history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Statement, Store, as_store
from simulator.vendors.learnlink import delivery, states, wire
from simulator.vendors.learnlink.backend.outbox import Outbox
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkEnrolment,
    LearnlinkEnrolmentEvent,
)

ENROLMENT_IDS = "learnlink.enrolment"


def transition(
    session: Session,
    outbox: Outbox,
    row: LearnlinkEnrolment,
    next_status: str,
    at: dt.datetime,
    *,
    completion_id: str | None = None,
    previous: str | None = None,
    history_sink: list[dict[str, object]] | None = None,
) -> None:
    """Move one enrolment to `next_status` at instant `at` and append its history entry
    (to `history_sink` for one bulk insert, when the caller moves many rows)."""
    before = row.status if previous is None else previous
    kind = states.history_type(before, next_status)
    # History stays in order even when a rule fires for an instant already behind us
    # (a back-dated completion whose next period has already begun).
    if row.updated_at is not None and at < row.updated_at:
        at = row.updated_at
    entry: dict[str, object] = {
        "tenant": row.tenant,
        "enrolment_id": row.id,
        "type": kind,
        "completion_id": completion_id,
        "previous_status": before,
        "next_status": next_status,
        "created_at": at,
        "updated_at": at,
    }
    if history_sink is not None:
        history_sink.append(entry)
    else:
        session.add(LearnlinkEnrolmentEvent(**entry))
    row.status = next_status
    row.updated_at = at
    row.next_transition_at = states.next_transition_at(next_status, row.available_date, row.due_date)
    outbox.emit(f"enrolment.{next_status}", lambda: wire.enrolment(row), at)


def advance(
    session: Session,
    outbox: Outbox,
    row: LearnlinkEnrolment,
    now: dt.datetime,
    history_sink: list[dict[str, object]] | None = None,
) -> None:
    """Apply every time-driven transition of one enrolment that is due by `now`."""
    while True:
        if row.status == states.COMPLETE and row.next_transition_at is not None and row.next_transition_at <= now:
            # A recurring enrolment's next period opens: it is scheduled for it (see `complete`).
            transition(session, outbox, row, states.SCHEDULED, row.next_transition_at, history_sink=history_sink)
            continue
        step = states.timed_successor(row.status, row.available_date, row.due_date, now)
        if step is None:
            return
        next_status, at = step
        transition(session, outbox, row, next_status, at, history_sink=history_sink)


# Is anything due? One indexed probe, run before every request: the ORM only when it finds work.
_ANY_DUE = Statement(
    select(LearnlinkEnrolment.id)
    .where(LearnlinkEnrolment.tenant == bindparam("tenant"), LearnlinkEnrolment.next_transition_at <= bindparam("now"))
    .limit(1)
)


def catch_up(source: Store | Session, tenant: str, now: dt.datetime) -> None:
    """Bring every due enrolment of `tenant` up to `now` (called before every request).

    With nothing due this is one indexed statement and no ORM session, so a read stays a
    read; with work due it writes (a read transaction then becomes a write, see the pipeline).
    """
    store = as_store(source)
    delivery.drain(store)
    if _ANY_DUE.first(store, {"tenant": tenant, "now": now}) is None:
        return
    catch_up_count(store.session, tenant, now)


def catch_up_count(session: Session, tenant: str, now: dt.datetime) -> int:
    """`catch_up`, returning how many enrolments changed status."""
    due = session.scalars(
        select(LearnlinkEnrolment)
        .where(LearnlinkEnrolment.tenant == tenant, LearnlinkEnrolment.next_transition_at <= now)
        .order_by(LearnlinkEnrolment.next_transition_at, LearnlinkEnrolment.id)
    ).all()
    if not due:
        return 0
    outbox = Outbox(session, tenant)
    moved = 0
    entries: list[dict[str, object]] = []
    for row in due:
        before = row.status
        advance(session, outbox, row, now, history_sink=entries)
        moved += row.status != before
    session.flush()
    if entries:
        # One multi-row insert: a clock jump can move thousands of enrolments at once.
        session.execute(insert(LearnlinkEnrolmentEvent), entries)
    return moved


def due_date_for(available: dt.datetime, completion_period_days: int) -> dt.datetime:
    return available + dt.timedelta(days=completion_period_days)


def enrol(
    session: Session, outbox: Outbox, assignment: LearnlinkAssignment, user_id: str, now: dt.datetime
) -> LearnlinkEnrolment:
    """Enrol one audience member: a new enrolment, or the archived one brought back."""
    available = max(now, assignment.available_from) if assignment.available_from else now
    first = states.SCHEDULED if available > now else states.OPEN
    row = session.scalar(
        select(LearnlinkEnrolment).where(
            LearnlinkEnrolment.assignment_id == assignment.id, LearnlinkEnrolment.user_id == user_id
        )
    )
    if row is not None and row.status != states.ARCHIVED:
        return row  # already enrolled: joining twice changes nothing
    if row is None:
        row = LearnlinkEnrolment(
            tenant=assignment.tenant,
            # One enrolment per (assignment, user): derive its id from them. Assignment ids
            # come from the seeded counter, so these are reproducible too, and enrolling a
            # whole audience does not take a counter round trip per member.
            id=ids.derived_object_id(ENROLMENT_IDS, assignment.id, user_id),
            user_id=user_id,
            assignment_id=assignment.id,
            audience_id=assignment.audience_id,
            primary_content_id=assignment.primary_content_id,
            status=states.UNASSIGNED,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    row.available_date = available
    row.due_date = due_date_for(available, assignment.completion_period)
    transition(session, outbox, row, first, now)
    return row


def archive(session: Session, outbox: Outbox, rows: Sequence[LearnlinkEnrolment], now: dt.datetime) -> None:
    for row in rows:
        if row.status != states.ARCHIVED:
            transition(session, outbox, row, states.ARCHIVED, now)


def complete(
    session: Session,
    outbox: Outbox,
    row: LearnlinkEnrolment,
    assignment: LearnlinkAssignment,
    completion_id: str,
    completed_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """A completion of the assignment's content: complete.

    For a recurring assignment the dates become the next period's (availableDate =
    completion + recurrence, dueDate = availableDate + completionPeriod), and the enrolment
    reads `complete` until that period opens: when the period it completed ends (its old
    dueDate), or at the new availableDate if that comes first. A late completion's period
    has already ended, so it stays `complete` until the new availableDate. Then it is
    `scheduled` until availableDate, then `open`.
    """
    row.last_completed_at = completed_at
    period_end = row.due_date
    transition(session, outbox, row, states.COMPLETE, now, completion_id=completion_id)
    if assignment.recurrence:
        row.available_date = completed_at + dt.timedelta(days=assignment.recurrence)
        row.due_date = due_date_for(row.available_date, assignment.completion_period)
        opens = row.available_date if period_end < now else min(period_end, row.available_date)
        row.next_transition_at = max(opens, now)
        advance(session, outbox, row, now)


def history(session: Session, enrolment_ids: Sequence[str]) -> dict[str, list[LearnlinkEnrolmentEvent]]:
    """The event logs of several enrolments, oldest entry first (one query)."""
    out: dict[str, list[LearnlinkEnrolmentEvent]] = {i: [] for i in enrolment_ids}
    if not enrolment_ids:
        return out
    events = session.scalars(
        select(LearnlinkEnrolmentEvent)
        .where(LearnlinkEnrolmentEvent.enrolment_id.in_(enrolment_ids))
        .order_by(LearnlinkEnrolmentEvent.enrolment_id, LearnlinkEnrolmentEvent.id)
    )
    for event in events:
        out[event.enrolment_id].append(event)
    return out


def get(session: Session, tenant: str, assignment_id: str, enrolment_id: str) -> LearnlinkEnrolment:
    row = session.get(LearnlinkEnrolment, enrolment_id)
    if row is None or row.tenant != tenant or row.assignment_id != assignment_id:
        raise ApiError(404, "Enrolment not found")
    return row


def list_for_assignment(
    session: Session,
    assignment_id: str,
    *,
    status: str | None,
    updated_from: dt.datetime | None,
    updated_to: dt.datetime | None,
    page: int,
    per_page: int,
) -> list[LearnlinkEnrolment]:
    query = select(LearnlinkEnrolment).where(LearnlinkEnrolment.assignment_id == assignment_id)
    if status is not None:
        query = query.where(LearnlinkEnrolment.status == status)
    if updated_from is not None:
        query = query.where(LearnlinkEnrolment.updated_at >= updated_from)
    if updated_to is not None:
        query = query.where(LearnlinkEnrolment.updated_at <= updated_to)
    query = query.order_by(LearnlinkEnrolment.updated_at, LearnlinkEnrolment.id)
    return list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))


def count_by_status(session: Session, tenant: str) -> dict[str, int]:
    rows = session.execute(
        select(LearnlinkEnrolment.status, func.count())
        .where(LearnlinkEnrolment.tenant == tenant)
        .group_by(LearnlinkEnrolment.status)
    )
    return {status: int(n) for status, n in rows}
