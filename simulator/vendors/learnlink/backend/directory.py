"""Users, contents, audiences and audience membership (which drives enrolments)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.vendors.learnlink import states
from simulator.vendors.learnlink.backend import assignments, enrolments
from simulator.vendors.learnlink.backend.outbox import Outbox
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkAudience,
    LearnlinkCompletion,
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkMembership,
    LearnlinkUser,
)


def get_user(session: Session, tenant: str, user_id: str) -> LearnlinkUser:
    row = session.get(LearnlinkUser, user_id)
    if row is None or row.tenant != tenant:
        raise ApiError(404, "User not found")
    return row


def get_audience(session: Session, tenant: str, audience_id: str) -> LearnlinkAudience:
    row = session.get(LearnlinkAudience, audience_id)
    if row is None or row.tenant != tenant:
        raise ApiError(404, "Audience not found")
    return row


Row = TypeVar("Row", LearnlinkUser, LearnlinkAudience, LearnlinkContent, LearnlinkCompletion)


def _page(
    session: Session, query: Select[Row], order: tuple[Any, ...], page: int, per_page: int
) -> tuple[list[Row], int]:
    """One page of a `{results, pagination}` list and the total its filters match."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total)


def list_users(
    session: Session, tenant: str, *, status: str | None = None, page: int, per_page: int
) -> tuple[list[LearnlinkUser], int]:
    conditions: list[ColumnElement[bool]] = [LearnlinkUser.tenant == tenant]
    if status is not None:
        conditions.append(LearnlinkUser.status == status)
    return _page(session, select(LearnlinkUser).where(*conditions), (LearnlinkUser.id,), page, per_page)


def list_audiences(
    session: Session, tenant: str, *, api_controlled: bool | None = None, page: int, per_page: int
) -> tuple[list[LearnlinkAudience], int]:
    conditions: list[ColumnElement[bool]] = [LearnlinkAudience.tenant == tenant]
    if api_controlled is not None:
        conditions.append(LearnlinkAudience.api_controlled.is_(api_controlled))
    return _page(session, select(LearnlinkAudience).where(*conditions), (LearnlinkAudience.id,), page, per_page)


def list_contents(session: Session, tenant: str, *, page: int, per_page: int) -> tuple[list[LearnlinkContent], int]:
    query = select(LearnlinkContent).where(LearnlinkContent.tenant == tenant)
    return _page(session, query, (LearnlinkContent.id,), page, per_page)


def content_types(session: Session, content_ids: Sequence[str]) -> dict[str, str]:
    if not content_ids:
        return {}
    rows = session.execute(
        select(LearnlinkContent.id, LearnlinkContent.type).where(LearnlinkContent.id.in_(set(content_ids)))
    )
    return {content_id: kind for content_id, kind in rows}


def list_activities(
    session: Session,
    tenant: str,
    *,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    page: int,
    per_page: int,
) -> tuple[list[LearnlinkCompletion], int]:
    """Activities are the tenant's completions (the one learning record the simulator keeps),
    so an activity count always agrees with the completions behind it."""
    conditions: list[ColumnElement[bool]] = [LearnlinkCompletion.tenant == tenant]
    if date_from is not None:
        conditions.append(LearnlinkCompletion.completed_at >= date_from)
    if date_to is not None:
        conditions.append(LearnlinkCompletion.completed_at <= date_to)
    order = (LearnlinkCompletion.completed_at, LearnlinkCompletion.id)
    return _page(session, select(LearnlinkCompletion).where(*conditions), order, page, per_page)


def audiences_of_users(session: Session, user_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    rows = session.execute(
        select(LearnlinkMembership.user_id, LearnlinkMembership.audience_id)
        .where(LearnlinkMembership.user_id.in_(user_ids))
        .order_by(LearnlinkMembership.user_id, LearnlinkMembership.audience_id)
    )
    for user_id, audience_id in rows:
        out[user_id].append(audience_id)
    return out


def member_ids(session: Session, audience_id: str) -> list[str]:
    return list(
        session.scalars(
            select(LearnlinkMembership.user_id)
            .where(LearnlinkMembership.audience_id == audience_id)
            .order_by(LearnlinkMembership.user_id)
        )
    )


def add_member(session: Session, tenant: str, now: dt.datetime, audience_id: str, user_id: str) -> bool:
    """Add a user to an audience and enrol them in its assignments. False if already a member."""
    audience = get_audience(session, tenant, audience_id)
    get_user(session, tenant, user_id)
    if session.get(LearnlinkMembership, (audience_id, user_id)) is not None:
        return False
    session.add(LearnlinkMembership(tenant=tenant, audience_id=audience_id, user_id=user_id, joined_at=now))
    audience.updated_at = now
    outbox = Outbox(session, tenant)
    for assignment in assignments.active_for_audience(session, tenant, audience_id):
        enrolments.enrol(session, outbox, assignment, user_id, now)
    session.flush()
    return True


def remove_member(session: Session, tenant: str, now: dt.datetime, audience_id: str, user_id: str) -> bool:
    """Remove a user from an audience and archive their enrolments in its assignments."""
    audience = get_audience(session, tenant, audience_id)
    membership = session.get(LearnlinkMembership, (audience_id, user_id))
    if membership is None or membership.tenant != tenant:
        return False
    session.delete(membership)
    audience.updated_at = now
    live = session.scalars(
        select(LearnlinkEnrolment)
        .join(LearnlinkAssignment, LearnlinkAssignment.id == LearnlinkEnrolment.assignment_id)
        .where(
            LearnlinkAssignment.audience_id == audience_id,
            LearnlinkEnrolment.user_id == user_id,
            LearnlinkEnrolment.status != states.ARCHIVED,
        )
        .order_by(LearnlinkEnrolment.id)
    ).all()
    enrolments.archive(session, Outbox(session, tenant), live, now)
    session.flush()
    return True
