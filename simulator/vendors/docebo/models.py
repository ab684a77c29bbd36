"""Docebo tables: platform users, courses, enrollments, OAuth2 clients and tokens.

Users and courses are keyed by (tenant, id) so that each tenant (one Docebo
platform, one `<subdomain>.docebosaas.com`) numbers its own records and the ids in
the README's curl examples are the same for every tenant. An enrollment is keyed
by (tenant, course_id, user_id): Docebo addresses it as `/{course_id}/{user_id}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from simulator.core.db import Base, TenantScoped


class DoceboUser(TenantScoped, Base):
    """A platform user: a learner, or the API account a password grant logs in as."""

    __tablename__ = "docebo_users"
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(255))
    firstname: Mapped[str] = mapped_column(String(255), default="")
    lastname: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    # Platform role: "godadmin" (superadmin), "poweruser" or "user".
    role: Mapped[str] = mapped_column(String(16), default="user")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_docebo_users_username", "tenant", "username", unique=True),)


class DoceboCourse(TenantScoped, Base):
    __tablename__ = "docebo_courses"
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), default="elearning")  # elearning | classroom | webinar
    lang_code: Mapped[str] = mapped_column(String(16), default="english")
    duration: Mapped[int] = mapped_column(Integer, default=0)  # minutes
    created_at: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (
        Index("ix_docebo_courses_code", "tenant", "code"),
        Index("ix_docebo_courses_type", "tenant", "type"),
        Index("ix_docebo_courses_name", "tenant", "name"),
    )


class DoceboEnrollment(TenantScoped, Base):
    """One user in one course. Status and level are Docebo's integer codes.

    No foreign keys: the core resets, clones and restores tenants table by table, in no
    particular order; the backend checks that users and courses exist instead.
    """

    __tablename__ = "docebo_enrollments"
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=3)
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    date_inscr: Mapped[dt.datetime] = mapped_column()
    date_first_access: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_last_access: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_complete: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_begin_validity: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_expire_validity: Mapped[dt.datetime | None] = mapped_column(default=None)
    score_given: Mapped[float | None] = mapped_column(Float, default=None)
    initial_score_given: Mapped[float | None] = mapped_column(Float, default=None)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_by: Mapped[int | None] = mapped_column(Integer, default=None)
    requesting_unsubscribe: Mapped[bool] = mapped_column(Boolean, default=False)
    requesting_unsubscribe_date: Mapped[dt.datetime | None] = mapped_column(default=None)
    enrollment_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        # The list filters: by user (id_user[]), by status (status[]); by course is the primary key prefix.
        Index("ix_docebo_enrollments_user", "tenant", "user_id", "course_id"),
        Index("ix_docebo_enrollments_status", "tenant", "status"),
    )


class DoceboClient(TenantScoped, Base):
    """An OAuth2 API client ("API credentials" app). Client ids are unique across tenants:
    the token endpoint has no tenant in its path, the client id says which platform it is."""

    __tablename__ = "docebo_clients"
    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_secret: Mapped[str] = mapped_column(String(255))
    # Grants this client may use (Docebo lets an admin tick them per app).
    grants: Mapped[list[str]] = mapped_column(JSON, default=list)


class DoceboToken(TenantScoped, Base):
    """An issued access or refresh token (40 hex characters, opaque)."""

    __tablename__ = "docebo_tokens"
    issued_secrets = True  # tokens the API handed out: never in a state export
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "access" | "refresh"
    client_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)  # None for client_credentials
    scope: Mapped[str] = mapped_column(String(64), default="api")
    issued_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
