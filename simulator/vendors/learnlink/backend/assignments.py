"""Assignments: content assigned to an audience, which enrols every member."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.store import Statement, Store, as_store
from simulator.vendors.learnlink import states, wire
from simulator.vendors.learnlink.backend import enrolments
from simulator.vendors.learnlink.backend.outbox import Outbox
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkAssignmentContent,
    LearnlinkAudience,
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkMembership,
)
from simulator.vendors.learnlink.values import ASSIGNMENT_COLUMNS, AssignmentValues

ASSIGNMENT_IDS = "learnlink.assignment"
DEFAULT_COMPLETION_PERIOD = 30  # days (docs: create assignment)


@dataclass(frozen=True)
class AssignmentChanges:
    content_id: str | None = None
    completion_period: int | None = None
    recurrence: int | None = None
    recurrence_given: bool = False  # `recurrence: null` switches recurrence off
    alternative_content_ids: Sequence[str] | None = None
    hide_alternative_content: bool | None = None


_ONE = Statement(select(*ASSIGNMENT_COLUMNS).where(LearnlinkAssignment.id == bindparam("assignment_id")))


def find(source: Store | Session, tenant: str, assignment_id: str) -> AssignmentValues:
    """A live assignment of `tenant`, as plain values (no ORM object, no session)."""
    found = _ONE.first(source, {"assignment_id": assignment_id})
    row = AssignmentValues._make(found) if found is not None else None
    if row is None or row.tenant != tenant or row.is_deleted:
        raise ApiError(404, "Assignment not found")
    return row


def get(session: Session, tenant: str, assignment_id: str) -> LearnlinkAssignment:
    row = session.get(LearnlinkAssignment, assignment_id)
    if row is None or row.tenant != tenant or row.is_deleted:
        raise ApiError(404, "Assignment not found")
    return row


def alternatives(session: Session, assignment_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in assignment_ids}
    if not assignment_ids:
        return out
    rows = session.execute(
        select(LearnlinkAssignmentContent.assignment_id, LearnlinkAssignmentContent.content_id)
        .where(
            LearnlinkAssignmentContent.assignment_id.in_(assignment_ids),
            LearnlinkAssignmentContent.is_primary.is_(False),
        )
        .order_by(LearnlinkAssignmentContent.assignment_id, LearnlinkAssignmentContent.position)
    )
    for assignment_id, content_id in rows:
        out[assignment_id].append(content_id)
    return out


def list_assignments(
    session: Session, tenant: str, *, audience: str | None, updated_since: dt.datetime | None, page: int, per_page: int
) -> list[LearnlinkAssignment]:
    query = select(LearnlinkAssignment).where(
        LearnlinkAssignment.tenant == tenant, LearnlinkAssignment.is_deleted.is_(False)
    )
    if audience is not None:
        # The filter takes an audience id or the audience's reference.
        audience_ids = select(LearnlinkAudience.id).where(
            LearnlinkAudience.tenant == tenant,
            (LearnlinkAudience.id == audience) | (LearnlinkAudience.reference == audience),
        )
        query = query.where(LearnlinkAssignment.audience_id.in_(audience_ids))
    if updated_since is not None:
        query = query.where(LearnlinkAssignment.updated_at >= updated_since)
    query = query.order_by(LearnlinkAssignment.updated_at, LearnlinkAssignment.id)
    return list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))


def _require_contents(session: Session, tenant: str, content_ids: Sequence[str]) -> None:
    wanted = set(content_ids)
    found = set(
        session.scalars(
            select(LearnlinkContent.id).where(LearnlinkContent.tenant == tenant, LearnlinkContent.id.in_(wanted))
        )
    )
    missing = sorted(wanted - found)
    if missing:
        # 422, not 404: the request names the assignment (or none) in its path, and that one
        # exists; content it refers to in the body is what cannot be processed. A 404 here would
        # tell a client that the assignment itself is gone.
        raise ApiError(422, f"Content not found: {', '.join(missing)}")


def _write_contents(session: Session, row: LearnlinkAssignment, alternative_ids: Sequence[str]) -> None:
    session.execute(delete(LearnlinkAssignmentContent).where(LearnlinkAssignmentContent.assignment_id == row.id))
    session.add(
        LearnlinkAssignmentContent(
            tenant=row.tenant, assignment_id=row.id, content_id=row.primary_content_id, is_primary=True
        )
    )
    seen = {row.primary_content_id}
    for position, content_id in enumerate(alternative_ids):
        if content_id not in seen:
            seen.add(content_id)
            session.add(
                LearnlinkAssignmentContent(
                    tenant=row.tenant, assignment_id=row.id, content_id=content_id, position=position
                )
            )
    session.flush()


def create(
    session: Session,
    tenant: str,
    now: dt.datetime,
    *,
    audience_id: str,
    content_id: str,
    alternative_content_ids: Sequence[str] = (),
    hide_alternative_content: bool = False,
    completion_period: int = DEFAULT_COMPLETION_PERIOD,
    recurrence: int | None = None,
    assignment_id: str | None = None,
    available_from: dt.datetime | None = None,
) -> LearnlinkAssignment:
    audience = session.get(LearnlinkAudience, audience_id)
    if audience is None or audience.tenant != tenant:
        raise ApiError(404, "Audience not found")
    _require_contents(session, tenant, [content_id, *alternative_content_ids])
    duplicate = session.scalar(
        select(LearnlinkAssignment.id).where(
            LearnlinkAssignment.tenant == tenant,
            LearnlinkAssignment.audience_id == audience_id,
            LearnlinkAssignment.is_deleted.is_(False),
            LearnlinkAssignment.primary_content_id == content_id,
        )
    )
    if duplicate is not None:
        raise ApiError(409, f"The content is already assigned to this audience (assignment {duplicate})")
    row = LearnlinkAssignment(
        tenant=tenant,
        id=assignment_id or ids.new_object_id(session, ASSIGNMENT_IDS),
        audience_id=audience_id,
        primary_content_id=content_id,
        hide_alternative_content=hide_alternative_content,
        completion_period=completion_period,
        recurrence=recurrence,
        available_from=available_from,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _write_contents(session, row, alternative_content_ids)
    outbox = Outbox(session, tenant)
    members = session.scalars(
        select(LearnlinkMembership.user_id)
        .where(LearnlinkMembership.audience_id == audience_id)
        .order_by(LearnlinkMembership.user_id)
    )
    for user_id in members:
        enrolments.enrol(session, outbox, row, user_id, now)
    outbox.emit("assignment.assigned", lambda: wire.assignment(row, alternative_ids(session, row.id)), now)
    session.flush()
    return row


def _check_audience(row: LearnlinkAssignment | AssignmentValues, audience_id: str | None) -> None:
    # PATCH and DELETE name the audience the assignment belongs to. Naming another one
    # conflicts with the assignment (409); it is not a missing assignment: the assignment
    # exists, and a 404 would tell a client (and Schemathesis) that what it just created is gone.
    if audience_id is not None and audience_id != row.audience_id:
        raise ApiError(409, "audienceId: the assignment belongs to another audience")


def _pending(session: Session, assignment_id: str) -> list[LearnlinkEnrolment]:
    return list(
        session.scalars(
            select(LearnlinkEnrolment)
            .where(LearnlinkEnrolment.assignment_id == assignment_id, LearnlinkEnrolment.status.in_(states.PENDING))
            .order_by(LearnlinkEnrolment.id)
        )
    )


# PATCH of the assignment's own fields (what most updates are): one UPDATE, no ORM.
_UPDATE_OWN = Statement(
    sql_update(LearnlinkAssignment)
    .where(LearnlinkAssignment.id == bindparam("assignment_id"))
    .values(
        hide_alternative_content=bindparam("hide_alternative_content"),
        recurrence=bindparam("recurrence"),
        updated_at=bindparam("updated_at"),
    )
)
_ALTERNATIVES = Statement(
    select(LearnlinkAssignmentContent.content_id)
    .where(
        LearnlinkAssignmentContent.assignment_id == bindparam("assignment_id"),
        LearnlinkAssignmentContent.is_primary.is_(False),
    )
    .order_by(LearnlinkAssignmentContent.position)
)


def alternative_ids(source: Store | Session, assignment_id: str) -> list[str]:
    """The alternative contents of one assignment, in their given order."""
    return [content_id for (content_id,) in _ALTERNATIVES.rows(source, {"assignment_id": assignment_id})]


def update(
    source: Store | Session,
    tenant: str,
    now: dt.datetime,
    assignment_id: str,
    audience_id: str,
    changes: AssignmentChanges,
) -> AssignmentValues:
    current = find(source, tenant, assignment_id)
    _check_audience(current, audience_id)
    store = as_store(source)
    moves_enrolments = changes.completion_period not in (None, current.completion_period)
    if changes.content_id is not None or changes.alternative_content_ids is not None or moves_enrolments:
        return values_of(_update_with_enrolments(store.session, tenant, now, assignment_id, changes))
    # Every refusal (404, 409) came before this point: the UPDATE runs on the request's
    # connection, where nothing after it can be refused.
    hide = changes.hide_alternative_content
    row = current._replace(
        hide_alternative_content=current.hide_alternative_content if hide is None else hide,
        # A new recurrence takes effect at the next completion.
        recurrence=changes.recurrence if changes.recurrence_given else current.recurrence,
        updated_at=now,
    )
    _UPDATE_OWN.execute(
        store,
        {
            "assignment_id": row.id,
            "hide_alternative_content": row.hide_alternative_content,
            "recurrence": row.recurrence,
            "updated_at": now,
        },
    )
    if store.has_session:
        # A model of this assignment the session already holds would be stale now.
        held = store.session.identity_map.get(identity_key(LearnlinkAssignment, row.id))
        if held is not None:
            store.session.expire(held)
    Outbox(store, tenant).emit("assignment.updated", lambda: wire.assignment(row, alternative_ids(store, row.id)), now)
    return row


def values_of(row: LearnlinkAssignment) -> AssignmentValues:
    return AssignmentValues._make(getattr(row, name) for name in AssignmentValues._fields)


def _update_with_enrolments(
    session: Session, tenant: str, now: dt.datetime, assignment_id: str, changes: AssignmentChanges
) -> LearnlinkAssignment:
    """An update that changes the contents or the completion period: enrolments follow it."""
    row = get(session, tenant, assignment_id)
    new_alternatives = changes.alternative_content_ids
    if changes.content_id is not None or new_alternatives is not None:
        _require_contents(session, tenant, [changes.content_id or row.primary_content_id, *(new_alternatives or [])])
    outbox = Outbox(session, tenant)
    if changes.content_id is not None and changes.content_id != row.primary_content_id:
        row.primary_content_id = changes.content_id
        for enrolment in session.scalars(select(LearnlinkEnrolment).where(LearnlinkEnrolment.assignment_id == row.id)):
            enrolment.primary_content_id = changes.content_id
    if changes.content_id is not None or new_alternatives is not None:
        current = alternatives(session, [row.id])[row.id]
        _write_contents(session, row, current if new_alternatives is None else new_alternatives)
    if changes.hide_alternative_content is not None:
        row.hide_alternative_content = changes.hide_alternative_content
    if changes.recurrence_given:
        row.recurrence = changes.recurrence  # takes effect at the next completion
    if changes.completion_period is not None and changes.completion_period != row.completion_period:
        row.completion_period = changes.completion_period
        _move_due_dates(session, outbox, row, now)
    row.updated_at = now
    outbox.emit("assignment.updated", lambda: wire.assignment(row, alternative_ids(session, row.id)), now)
    session.flush()
    return row


def _move_due_dates(session: Session, outbox: Outbox, row: LearnlinkAssignment, now: dt.datetime) -> None:
    """A new completion period moves the due date of every enrolment still waiting for a completion."""
    for enrolment in _pending(session, row.id):
        enrolment.due_date = enrolments.due_date_for(enrolment.available_date, row.completion_period)
        if enrolment.status == states.OVERDUE and enrolment.due_date >= now:
            enrolments.transition(session, outbox, enrolment, states.OPEN, now)
        else:
            enrolment.next_transition_at = states.next_transition_at(
                enrolment.status, enrolment.available_date, enrolment.due_date
            )
            enrolments.advance(session, outbox, enrolment, now)
        enrolment.updated_at = max(enrolment.updated_at, now)


def remove(
    session: Session, tenant: str, now: dt.datetime, assignment_id: str, audience_id: str | None
) -> LearnlinkAssignment:
    """Delete an assignment: it disappears from the API and every enrolment is archived."""
    row = get(session, tenant, assignment_id)
    _check_audience(row, audience_id)
    outbox = Outbox(session, tenant)
    live = session.scalars(
        select(LearnlinkEnrolment)
        .where(LearnlinkEnrolment.assignment_id == row.id, LearnlinkEnrolment.status != states.ARCHIVED)
        .order_by(LearnlinkEnrolment.id)
    ).all()
    enrolments.archive(session, outbox, live, now)
    row.is_deleted, row.is_active, row.deleted_at, row.updated_at = True, False, now, now
    outbox.emit("assignment.removed", lambda: wire.assignment(row, alternative_ids(session, row.id)), now)
    session.flush()
    return row


def active_for_audience(session: Session, tenant: str, audience_id: str) -> list[LearnlinkAssignment]:
    return list(
        session.scalars(
            select(LearnlinkAssignment)
            .where(
                LearnlinkAssignment.tenant == tenant,
                LearnlinkAssignment.audience_id == audience_id,
                LearnlinkAssignment.is_deleted.is_(False),
            )
            .order_by(LearnlinkAssignment.id)
        )
    )
