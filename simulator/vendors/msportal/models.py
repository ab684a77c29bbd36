"""MSPortal tables. Ids are UUID strings, as on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simulator.core.db import Base, TenantScoped

UUID_LEN = 36


class MspApiKey(TenantScoped, Base):
    """An API key. Looked up by digest; the key itself is kept so demo credentials can be listed."""

    __tablename__ = "msportal_api_keys"
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)


class MspCompany(TenantScoped, Base):
    __tablename__ = "msportal_companies"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class MspUser(TenantScoped, Base):
    __tablename__ = "msportal_users"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("msportal_companies.id"), default=None)


class MspCourse(TenantScoped, Base):
    __tablename__ = "msportal_courses"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    course_type: Mapped[str] = mapped_column(String(50), default="online")
    course_category: Mapped[str | None] = mapped_column(String(100), default=None)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("msportal_companies.id"), default=None)
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    passing_score: Mapped[float | None] = mapped_column(Float, default=None)
    duration: Mapped[int | None] = mapped_column(Integer, default=None)  # minutes
    max_attempts: Mapped[int | None] = mapped_column(Integer, default=None)
    expires_after_days: Mapped[int | None] = mapped_column(Integer, default=None)
    artwork_url: Mapped[str | None] = mapped_column(Text, default=None)
    youtube_url: Mapped[str | None] = mapped_column(Text, default=None)
    scorm_url: Mapped[str | None] = mapped_column(Text, default=None)
    is_global: Mapped[bool] = mapped_column(Boolean, default=False)
    course_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()


class MspEnrollment(TenantScoped, Base):
    __tablename__ = "msportal_enrollments"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("msportal_courses.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("msportal_users.id"))
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    enrolled_at: Mapped[dt.datetime] = mapped_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    due_date: Mapped[dt.datetime | None] = mapped_column(default=None)
    time_spent_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    certificate_id: Mapped[str | None] = mapped_column(String(UUID_LEN), default=None)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("msportal_companies.id"), default=None)

    __table_args__ = (
        UniqueConstraint("tenant", "course_id", "user_id", name="uq_msportal_enrollment_pair"),
        Index("ix_msportal_enrollments_list", "tenant", "enrolled_at", "id"),
        Index("ix_msportal_enrollments_user", "tenant", "user_id"),
        Index("ix_msportal_enrollments_status", "tenant", "status"),
    )


class MspCertificate(TenantScoped, Base):
    __tablename__ = "msportal_certificates"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("msportal_enrollments.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("msportal_courses.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("msportal_users.id"))
    certificate_number: Mapped[str] = mapped_column(String(64))
    verification_code: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    is_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_msportal_certificates_list", "tenant", "is_revoked", "issued_at"),
        Index("ix_msportal_certificates_user", "tenant", "user_id"),
        Index("ix_msportal_certificates_course", "tenant", "course_id"),
    )
