"""Plain row values read by compiled statements (`core.store.Statement`), for the hot reads.

Each has the attribute names of its ORM model, so `wire` renders either one: the reads
make no ORM objects (and no session), the writes that need the unit of work use the models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy.orm import InstrumentedAttribute

from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkEnrolment,
    LearnlinkEnrolmentEvent,
    LearnlinkWebhookSubscription,
)


class EnrolmentValues(NamedTuple):
    id: str
    user_id: str
    assignment_id: str
    audience_id: str
    primary_content_id: str
    status: str
    available_date: dt.datetime
    due_date: dt.datetime
    last_completed_at: dt.datetime | None
    updated_at: dt.datetime


class EventValues(NamedTuple):
    """One entry of an enrolment's event log."""

    type: str
    completion_id: str | None
    previous_status: str
    next_status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class AssignmentValues(NamedTuple):
    id: str
    tenant: str
    audience_id: str
    primary_content_id: str
    hide_alternative_content: bool
    completion_period: int
    recurrence: int | None
    is_active: bool
    is_deleted: bool
    created_at: dt.datetime
    deleted_at: dt.datetime | None
    updated_at: dt.datetime


class SubscriptionValues(NamedTuple):
    """An active webhook subscription, as the outbox needs it."""

    id: str
    kind: str
    target_url: str
    secret: str
    events: list[str]


def _columns(model: type, names: tuple[str, ...]) -> tuple[InstrumentedAttribute[Any], ...]:
    return tuple(getattr(model, name) for name in names)


# The columns to select for each, in field order.
ENROLMENT_COLUMNS = _columns(LearnlinkEnrolment, EnrolmentValues._fields)
EVENT_COLUMNS = _columns(LearnlinkEnrolmentEvent, EventValues._fields)
ASSIGNMENT_COLUMNS = _columns(LearnlinkAssignment, AssignmentValues._fields)
SUBSCRIPTION_COLUMNS = _columns(LearnlinkWebhookSubscription, SubscriptionValues._fields)
