"""The enrolment status machine on the simulated clock.

Every enrolment stores the instant of its next time-driven transition
(`next_transition_at`, indexed with the tenant), so `catch_up` reads only the rows
that are due: one indexed range query when nothing is due. A transition is stamped
with the moment it happened (availableDate, dueDate), never with the moment someone
looked, so one 400-day step and 400 one-day steps write the same history.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select
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
from simulator.vendors.learnlink.values import ENROLMENT_COLUMNS, EVENT_COLUMNS, EnrolmentValues, EventValues

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


# The reads of the API (every GET of an enrolment): compiled once, rows as plain values.
A, E, EV = LearnlinkAssignment, LearnlinkEnrolment, LearnlinkEnrolmentEvent

# The assignment, and the enrolment when it is that assignment's and the tenant's: one
# statement tells "no such assignment" from "no such enrolment".
_ONE = Statement(
    select(A.tenant, A.is_deleted, *ENROLMENT_COLUMNS)
    .select_from(A)
    .outerjoin(E, and_(E.id == bindparam("enrolment_id"), E.assignment_id == A.id, E.tenant == bindparam("tenant")))
    .where(A.id == bindparam("assignment_id"))
)
_HISTORY = Statement(select(*EVENT_COLUMNS).where(EV.enrolment_id == bindparam("enrolment_id")).order_by(EV.id))


def history(source: Store | Session, enrolment_ids: Sequence[str]) -> dict[str, list[EventValues]]:
    """The event logs of enrolments, oldest entry first."""
    return {i: [EventValues._make(r) for r in _HISTORY.rows(source, {"enrolment_id": i})] for i in enrolment_ids}


def get(source: Store | Session, tenant: str, assignment_id: str, enrolment_id: str) -> EnrolmentValues:
    """An enrolment of a live assignment of `tenant` (404 naming whichever is missing)."""
    found = _ONE.first(source, {"assignment_id": assignment_id, "enrolment_id": enrolment_id, "tenant": tenant})
    if found is None or found[0] != tenant or found[1]:
        raise ApiError(404, "Assignment not found")
    if found[2] is None:
        raise ApiError(404, "Enrolment not found")
    return EnrolmentValues._make(found[2:])


@dataclass(frozen=True)
class _ListStatements:
    page: Statement
    history: Statement  # the event logs of the page's enrolments, by enrolment then entry


def _list_statements(status: bool, updated_from: bool, updated_to: bool) -> _ListStatements:
    """One page of an assignment's enrolments under the filters given, and their logs: two
    statements per page however long it is (the logs select the same page as a subquery)."""
    conditions = [E.assignment_id == bindparam("assignment_id")]
    if status:
        conditions.append(E.status == bindparam("status"))
    if updated_from:
        conditions.append(E.updated_at >= bindparam("updated_from"))
    if updated_to:
        conditions.append(E.updated_at <= bindparam("updated_to"))

    def page(*columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .where(*conditions)
            .order_by(E.updated_at, E.id)
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )

    logs = (
        select(EV.enrolment_id, *EVENT_COLUMNS).where(EV.enrolment_id.in_(page(E.id))).order_by(EV.enrolment_id, EV.id)
    )
    return _ListStatements(Statement(page(*ENROLMENT_COLUMNS)), Statement(logs))


# Built once for every combination of filters.
_LISTS = {key: _list_statements(*key) for key in itertools.product((False, True), repeat=3)}


def list_for_assignment(
    source: Store | Session,
    assignment_id: str,
    *,
    status: str | None,
    updated_from: dt.datetime | None,
    updated_to: dt.datetime | None,
    page: int,
    per_page: int,
) -> list[tuple[EnrolmentValues, list[EventValues]]]:
    """A page of an assignment's enrolments (oldest update first), each with its event log."""
    statements = _LISTS[(status is not None, updated_from is not None, updated_to is not None)]
    params = {
        "assignment_id": assignment_id,
        "status": status,
        "updated_from": updated_from,
        "updated_to": updated_to,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    rows = [EnrolmentValues._make(r) for r in statements.page.rows(source, params)]
    logs: dict[str, list[EventValues]] = {row.id: [] for row in rows}
    for entry in statements.history.rows(source, params):
        logs[entry[0]].append(EventValues._make(entry[1:]))
    return [(row, logs[row.id]) for row in rows]


def count_by_status(session: Session, tenant: str) -> dict[str, int]:
    rows = session.execute(
        select(LearnlinkEnrolment.status, func.count())
        .where(LearnlinkEnrolment.tenant == tenant)
        .group_by(LearnlinkEnrolment.status)
    )
    return {status: int(n) for status, n in rows}
