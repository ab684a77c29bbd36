"""Learn.link tables. Every table is tenant-scoped and indexed for each lookup and list filter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simulator.core.db import Base, TenantScoped

OBJECT_ID = String(24)


class LearnlinkCredential(TenantScoped, Base):
    """An API secret of a Learn.link tenant (HTTP Basic password, OAuth2 client secret)."""

    __tablename__ = "learnlink_credentials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)  # the vendor's Tenant ID
    secret: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list[str]] = mapped_column(JSON)  # scopes this secret may use


class LearnlinkToken(TenantScoped, Base):
    """An OAuth2 access token issued by the token endpoint."""

    __tablename__ = "learnlink_tokens"
    issued_secrets = True  # tokens the API handed out: never in a state export
    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(255))  # space-delimited, as issued
    issued_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()


class LearnlinkUser(TenantScoped, Base):
    __tablename__ = "learnlink_users"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(255), default=None)
    first_name: Mapped[str | None] = mapped_column(String(255), default=None)
    last_name: Mapped[str | None] = mapped_column(String(255), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[str] = mapped_column(String(32), default="learner")
    status: Mapped[str] = mapped_column(String(32), default="active")
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_learnlink_users_tenant_id", "tenant", "id"),)


class LearnlinkContent(TenantScoped, Base):
    __tablename__ = "learnlink_contents"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32), default="article")
    description: Mapped[str | None] = mapped_column(String(1000), default=None)
    author: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class LearnlinkAudience(TenantScoped, Base):
    __tablename__ = "learnlink_audiences"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    type: Mapped[str] = mapped_column(String(16), default="manual")
    # False for audiences kept in sync by another system (an HRIS feed), not through the API.
    api_controlled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class LearnlinkMembership(TenantScoped, Base):
    """A user's membership of an audience (what drives enrolments)."""

    __tablename__ = "learnlink_memberships"
    audience_id: Mapped[str] = mapped_column(ForeignKey("learnlink_audiences.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("learnlink_users.id"), primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_learnlink_memberships_user", "tenant", "user_id"),)


class LearnlinkAssignment(TenantScoped, Base):
    __tablename__ = "learnlink_assignments"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    audience_id: Mapped[str] = mapped_column(ForeignKey("learnlink_audiences.id"))
    primary_content_id: Mapped[str] = mapped_column(OBJECT_ID)
    hide_alternative_content: Mapped[bool] = mapped_column(Boolean, default=False)
    completion_period: Mapped[int] = mapped_column(Integer)  # days
    recurrence: Mapped[int | None] = mapped_column(Integer, default=None)  # days
    # Not in the public API: fixtures may start an assignment in the future (enrolments are then scheduled).
    available_from: Mapped[dt.datetime | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    deleted_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_learnlink_assignments_list", "tenant", "is_deleted", "updated_at", "id"),
        Index("ix_learnlink_assignments_audience", "tenant", "audience_id", "is_deleted"),
    )


class LearnlinkAssignmentContent(TenantScoped, Base):
    """Every content that completes an assignment: the primary one and the alternatives."""

    __tablename__ = "learnlink_assignment_contents"
    assignment_id: Mapped[str] = mapped_column(ForeignKey("learnlink_assignments.id"), primary_key=True)
    content_id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of alternativeContentIds

    __table_args__ = (Index("ix_learnlink_assignment_contents_content", "tenant", "content_id"),)


class LearnlinkEnrolment(TenantScoped, Base):
    __tablename__ = "learnlink_enrolments"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(OBJECT_ID)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("learnlink_assignments.id"))
    audience_id: Mapped[str] = mapped_column(OBJECT_ID)
    primary_content_id: Mapped[str] = mapped_column(OBJECT_ID)
    status: Mapped[str] = mapped_column(String(16))
    available_date: Mapped[dt.datetime] = mapped_column()
    due_date: Mapped[dt.datetime] = mapped_column()
    last_completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # The instant of the next time-driven transition (None: nothing happens with time alone).
    next_transition_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", name="uq_learnlink_enrolments_assignment_user"),
        Index("ix_learnlink_enrolments_due", "tenant", "next_transition_at"),
        Index("ix_learnlink_enrolments_list", "assignment_id", "status", "updated_at", "id"),
        Index("ix_learnlink_enrolments_updated", "assignment_id", "updated_at", "id"),
        Index("ix_learnlink_enrolments_user", "tenant", "user_id", "status"),
    )


class LearnlinkEnrolmentEvent(TenantScoped, Base):
    """One entry of an enrolment's event log (`history` on the wire)."""

    __tablename__ = "learnlink_enrolment_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(ForeignKey("learnlink_enrolments.id"))
    type: Mapped[str] = mapped_column(String(32))
    completion_id: Mapped[str | None] = mapped_column(OBJECT_ID, default=None)
    previous_status: Mapped[str] = mapped_column(String(16))
    next_status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_learnlink_enrolment_events_enrolment", "enrolment_id", "id"),)


class LearnlinkCompletion(TenantScoped, Base):
    __tablename__ = "learnlink_completions"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(OBJECT_ID)
    content_id: Mapped[str] = mapped_column(OBJECT_ID)
    content_version: Mapped[int] = mapped_column(Integer, default=1)
    completion_type: Mapped[str] = mapped_column(String(32), default="api")
    had_due_date: Mapped[bool] = mapped_column(Boolean, default=False)
    is_rpl: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[dt.datetime] = mapped_column()
    active_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("tenant", "user_id", "content_id", "completed_at", name="uq_learnlink_completions_natural"),
        Index("ix_learnlink_completions_list", "tenant", "completed_at", "id"),
        Index("ix_learnlink_completions_content", "tenant", "content_id", "completed_at"),
        Index("ix_learnlink_completions_user", "tenant", "user_id", "completed_at"),
    )


class LearnlinkWebhookSubscription(TenantScoped, Base):
    __tablename__ = "learnlink_webhook_subscriptions"
    id: Mapped[str] = mapped_column(OBJECT_ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # assignment_subscription | completion_subscription
    target_url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(255))
    events: Mapped[list[str]] = mapped_column(JSON)  # event names or "assignment.*"-style prefixes
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_learnlink_webhook_subscriptions_active", "tenant", "is_active"),)


class LearnlinkWebhookDelivery(TenantScoped, Base):
    """One event to deliver to one subscription; its attempts are in learnlink_webhook_attempts."""

    __tablename__ = "learnlink_webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("learnlink_webhook_subscriptions.id"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # the exact body that is signed and sent
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|in_flight|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column()  # simulated time of the event
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_learnlink_webhook_deliveries_status", "status", "id"),
        Index("ix_learnlink_webhook_deliveries_by_tenant", "tenant", "id"),
    )


class LearnlinkWebhookAttempt(TenantScoped, Base):
    __tablename__ = "learnlink_webhook_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("learnlink_webhook_deliveries.id"))
    number: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[dt.datetime] = mapped_column()  # simulated time of the attempt

    __table_args__ = (Index("ix_learnlink_webhook_attempts_delivery", "delivery_id", "number"),)


def row_dict(row: Any) -> dict[str, Any]:
    """Column values of a row (for admin listings and tests)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
