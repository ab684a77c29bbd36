"""Completion records, and what a completion does to the enrolments it satisfies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.vendors.learnlink import states, wire
from simulator.vendors.learnlink.backend import enrolments
from simulator.vendors.learnlink.backend.outbox import Outbox
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkAssignmentContent,
    LearnlinkCompletion,
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkUser,
)

COMPLETION_IDS = "learnlink.completion"


def get(session: Session, tenant: str, completion_id: str) -> LearnlinkCompletion:
    row = session.get(LearnlinkCompletion, completion_id)
    if row is None or row.tenant != tenant:
        raise ApiError(404, "Completion not found")
    return row


def list_completions(
    session: Session,
    tenant: str,
    *,
    content_id: str | None,
    user_id: str | None,
    is_rpl: bool | None,
    completed_from: dt.datetime | None,
    completed_to: dt.datetime | None,
    page: int,
    per_page: int,
) -> list[LearnlinkCompletion]:
    query = select(LearnlinkCompletion).where(LearnlinkCompletion.tenant == tenant)
    if content_id is not None:
        query = query.where(LearnlinkCompletion.content_id == content_id)
    if user_id is not None:
        query = query.where(LearnlinkCompletion.user_id == user_id)
    if is_rpl is not None:
        query = query.where(LearnlinkCompletion.is_rpl.is_(is_rpl))
    if completed_from is not None:
        query = query.where(LearnlinkCompletion.completed_at >= completed_from)
    if completed_to is not None:
        query = query.where(LearnlinkCompletion.completed_at <= completed_to)
    query = query.order_by(LearnlinkCompletion.completed_at, LearnlinkCompletion.id)
    return list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))


def record(
    session: Session,
    tenant: str,
    now: dt.datetime,
    *,
    user_id: str,
    content_id: str,
    completed_at: dt.datetime,
    is_rpl: bool = False,
    completion_type: str = "api",
) -> tuple[LearnlinkCompletion, bool]:
    """Record a completion (idempotent on user, content and instant). Returns (row, created)."""
    user = session.get(LearnlinkUser, user_id)
    if user is None or user.tenant != tenant:
        raise ApiError(404, "User not found")
    content = session.get(LearnlinkContent, content_id)
    if content is None or content.tenant != tenant:
        raise ApiError(404, "Content not found")
    existing = session.scalar(
        select(LearnlinkCompletion).where(
            LearnlinkCompletion.tenant == tenant,
            LearnlinkCompletion.user_id == user_id,
            LearnlinkCompletion.content_id == content_id,
            LearnlinkCompletion.completed_at == completed_at,
        )
    )
    if existing is not None:
        return existing, False
    satisfied = session.execute(
        select(LearnlinkEnrolment, LearnlinkAssignment)
        .join(LearnlinkAssignmentContent, LearnlinkAssignmentContent.assignment_id == LearnlinkEnrolment.assignment_id)
        .join(LearnlinkAssignment, LearnlinkAssignment.id == LearnlinkEnrolment.assignment_id)
        .where(
            LearnlinkEnrolment.tenant == tenant,
            LearnlinkEnrolment.user_id == user_id,
            LearnlinkEnrolment.status.in_(states.COMPLETABLE),
            LearnlinkAssignmentContent.content_id == content_id,
        )
        .order_by(LearnlinkEnrolment.id)
    ).all()
    row = LearnlinkCompletion(
        tenant=tenant,
        id=ids.new_object_id(session, COMPLETION_IDS),
        user_id=user_id,
        content_id=content_id,
        completed_at=completed_at,
        is_rpl=is_rpl,
        completion_type=completion_type,
        had_due_date=bool(satisfied),
        created_at=now,
    )
    session.add(row)
    outbox = Outbox(session, tenant)
    for enrolment, assignment in satisfied:
        enrolments.complete(session, outbox, enrolment, assignment, row.id, completed_at, now)
    outbox.emit("content.completed", lambda: wire.completion(row), now)
    session.flush()
    return row, True
