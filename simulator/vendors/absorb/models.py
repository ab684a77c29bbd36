"""Absorb tables. Ids are GUID strings, as on the wire; every table is tenant scoped.

Names shown on enrollments (`courseName`, `fullName`, `jobTitle`, activity `name`) are
copied onto the enrollment rows when they are created, so lists can be filtered and
sorted on them with an index and no join.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from simulator.core.db import Base, TenantScoped

GUID = 36
NAME = 200


class AbsorbPortal(TenantScoped, Base):
    """A portal: its private key (the `x-api-key`) and whether it is enabled."""

    __tablename__ = "absorb_portals"
    api_key: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class AbsorbDepartment(TenantScoped, Base):
    """A department: every user belongs to one (`departmentId`); departments nest by `parentId`."""

    __tablename__ = "absorb_departments"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    parent_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    external_id: Mapped[str | None] = mapped_column(String(NAME), default=None)
    company_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    phone_number: Mapped[str | None] = mapped_column(String(NAME), default=None)
    email_address: Mapped[str | None] = mapped_column(String(320), default=None)
    use_department_contact_details: Mapped[bool] = mapped_column(Boolean, default=False)
    currency_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    date_added: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_absorb_departments_list", "tenant", "name", "id"),)


class AbsorbUser(TenantScoped, Base):
    """A user with the field set of Absorb's user resource (see docs/vendors/absorb.md)."""

    __tablename__ = "absorb_users"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME))
    password: Mapped[str | None] = mapped_column(String(NAME), default=None)  # None: cannot log in
    department_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    first_name: Mapped[str] = mapped_column(String(NAME))
    middle_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    last_name: Mapped[str] = mapped_column(String(NAME))
    email_address: Mapped[str | None] = mapped_column(String(320), default=None)
    external_id: Mapped[str | None] = mapped_column(String(NAME), default=None)
    cc_email_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    language_id: Mapped[int | None] = mapped_column(Integer, default=None)
    gender: Mapped[int | None] = mapped_column(Integer, default=None)
    address: Mapped[str | None] = mapped_column(String(NAME), default=None)
    address2: Mapped[str | None] = mapped_column(String(NAME), default=None)
    city: Mapped[str | None] = mapped_column(String(NAME), default=None)
    province_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    country_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(40), default=None)
    phone: Mapped[str | None] = mapped_column(String(60), default=None)
    employee_number: Mapped[str | None] = mapped_column(String(NAME), default=None)
    location: Mapped[str | None] = mapped_column(String(NAME), default=None)
    job_title: Mapped[str | None] = mapped_column(String(NAME), default=None)
    reference_number: Mapped[str | None] = mapped_column(String(NAME), default=None)
    date_hired: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_terminated: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_login_date: Mapped[dt.datetime | None] = mapped_column(default=None)
    notes: Mapped[str | None] = mapped_column(String(2000), default=None)
    role_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    supervisor_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    avatar: Mapped[str | None] = mapped_column(String(NAME), default=None)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_learner: Mapped[bool] = mapped_column(Boolean, default=True)
    is_instructor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    active_status: Mapped[int] = mapped_column(Integer, default=0)  # 0 Active, 1 Inactive
    date_added: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("tenant", "username", name="uq_absorb_user_username"),
        Index("ix_absorb_users_list", "tenant", "last_name", "first_name", "id"),
        Index("ix_absorb_users_department", "tenant", "department_id"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AbsorbCourse(TenantScoped, Base):
    __tablename__ = "absorb_courses"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    description: Mapped[str] = mapped_column(String(2000), default="")
    course_type: Mapped[str] = mapped_column(String(40), default="OnlineCourse")  # or InstructorLedCourse
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    passing_score: Mapped[float | None] = mapped_column(Float, default=None)
    credits: Mapped[float | None] = mapped_column(Float, default=None)
    active_status: Mapped[int] = mapped_column(Integer, default=0)
    date_added: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()

    __table_args__ = (Index("ix_absorb_courses_list", "tenant", "name", "id"),)


class AbsorbChapter(TenantScoped, Base):
    __tablename__ = "absorb_chapters"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("absorb_courses.id"))
    name: Mapped[str] = mapped_column(String(NAME))
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_absorb_chapters_course", "tenant", "course_id", "position"),)


class AbsorbLesson(TenantScoped, Base):
    __tablename__ = "absorb_lessons"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("absorb_courses.id"))
    chapter_id: Mapped[str] = mapped_column(ForeignKey("absorb_chapters.id"))
    name: Mapped[str] = mapped_column(String(NAME))
    lesson_type: Mapped[str] = mapped_column(String(40), default="ObjectLesson")
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_absorb_lessons_chapter", "tenant", "chapter_id", "position"),)


class AbsorbSession(TenantScoped, Base):
    """A session of an instructor-led course, with a seat capacity (None: unlimited)."""

    __tablename__ = "absorb_sessions"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("absorb_courses.id"))
    name: Mapped[str] = mapped_column(String(NAME))
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    date_start: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_absorb_sessions_course", "tenant", "course_id"),)


class AbsorbCourseEnrollment(TenantScoped, Base):
    __tablename__ = "absorb_course_enrollments"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("absorb_courses.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("absorb_users.id"))
    course_name: Mapped[str] = mapped_column(String(NAME))
    full_name: Mapped[str] = mapped_column(String(NAME))
    job_title: Mapped[str | None] = mapped_column(String(NAME), default=None)
    avatar: Mapped[str | None] = mapped_column(String(NAME), default=None)
    status: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_added: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()
    date_started: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_completed: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_expires: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_due: Mapped[dt.datetime | None] = mapped_column(default=None)
    access_date: Mapped[dt.datetime | None] = mapped_column(default=None)
    course_version_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    accepted_terms_and_conditions: Mapped[bool] = mapped_column(Boolean, default=False)
    time_spent_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    enrollment_key_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    certificate_id: Mapped[str | None] = mapped_column(String(GUID), default=None)
    credits: Mapped[float | None] = mapped_column(Float, default=None)
    course_collection_id: Mapped[str | None] = mapped_column(String(GUID), default=None)

    __table_args__ = (
        Index("ix_absorb_ce_user", "tenant", "user_id", "course_name", "id"),
        Index("ix_absorb_ce_user_course", "tenant", "user_id", "course_id", "is_active"),
        Index("ix_absorb_ce_course", "tenant", "course_id", "full_name", "id"),
        Index("ix_absorb_ce_course_status", "tenant", "course_id", "status", "full_name"),
        Index("ix_absorb_ce_course_status_added", "tenant", "course_id", "status", "date_added"),
        Index("ix_absorb_ce_course_added", "tenant", "course_id", "date_added"),
        Index("ix_absorb_ce_course_edited", "tenant", "course_id", "date_edited"),
    )


class AbsorbChapterEnrollment(TenantScoped, Base):
    __tablename__ = "absorb_chapter_enrollments"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_enrollment_id: Mapped[str] = mapped_column(ForeignKey("absorb_course_enrollments.id", ondelete="CASCADE"))
    chapter_id: Mapped[str] = mapped_column(ForeignKey("absorb_chapters.id"))
    course_id: Mapped[str] = mapped_column(String(GUID))
    user_id: Mapped[str] = mapped_column(String(GUID))
    name: Mapped[str] = mapped_column(String(NAME))
    full_name: Mapped[str] = mapped_column(String(NAME))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    time_spent_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    date_enrolled: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()
    date_started: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_completed: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_absorb_chap_enr_parent", "course_enrollment_id", "position"),)


class AbsorbLessonEnrollment(TenantScoped, Base):
    __tablename__ = "absorb_lesson_enrollments"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    course_enrollment_id: Mapped[str] = mapped_column(ForeignKey("absorb_course_enrollments.id", ondelete="CASCADE"))
    chapter_enrollment_id: Mapped[str] = mapped_column(ForeignKey("absorb_chapter_enrollments.id", ondelete="CASCADE"))
    chapter_id: Mapped[str] = mapped_column(String(GUID))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("absorb_lessons.id"))
    course_id: Mapped[str] = mapped_column(String(GUID))
    user_id: Mapped[str] = mapped_column(String(GUID))
    name: Mapped[str] = mapped_column(String(NAME))
    full_name: Mapped[str] = mapped_column(String(NAME))
    lesson_type: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt: Mapped[dt.datetime | None] = mapped_column(default=None)
    status: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    time_spent_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    date_enrolled: Mapped[dt.datetime] = mapped_column()
    date_added: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()
    date_started: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_completed: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_absorb_les_enr_parent", "course_enrollment_id", "position"),
        Index("ix_absorb_les_enr_chapter", "chapter_enrollment_id", "position"),
        Index("ix_absorb_les_enr_lesson", "tenant", "course_id", "lesson_id", "full_name", "id"),
    )


class AbsorbAttempt(TenantScoped, Base):
    __tablename__ = "absorb_attempts"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    lesson_enrollment_id: Mapped[str] = mapped_column(ForeignKey("absorb_lesson_enrollments.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(GUID))
    course_id: Mapped[str] = mapped_column(String(GUID))
    lesson_id: Mapped[str] = mapped_column(String(GUID))
    status: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    start_date: Mapped[dt.datetime] = mapped_column()
    completion_date: Mapped[dt.datetime | None] = mapped_column(default=None)
    time_spent_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_absorb_attempts_lesson", "lesson_enrollment_id", "sequence"),)


class AbsorbSessionEnrollment(TenantScoped, Base):
    __tablename__ = "absorb_session_enrollments"
    id: Mapped[str] = mapped_column(String(GUID), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("absorb_sessions.id"))
    course_enrollment_id: Mapped[str] = mapped_column(ForeignKey("absorb_course_enrollments.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(GUID))
    user_id: Mapped[str] = mapped_column(String(GUID))
    name: Mapped[str] = mapped_column(String(NAME))
    full_name: Mapped[str] = mapped_column(String(NAME))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    time_spent_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    waitlist_position: Mapped[int] = mapped_column(Integer, default=0)  # order of arrival on the waitlist
    date_enrolled: Mapped[dt.datetime] = mapped_column()
    date_edited: Mapped[dt.datetime] = mapped_column()
    date_started: Mapped[dt.datetime | None] = mapped_column(default=None)
    date_completed: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_absorb_sess_enr_session", "tenant", "session_id", "is_active", "status", "waitlist_position"),
        Index("ix_absorb_sess_enr_user", "tenant", "user_id", "course_id", "is_active"),
        Index("ix_absorb_sess_enr_parent", "course_enrollment_id"),
    )


class AbsorbToken(TenantScoped, Base):
    """The one live `/authenticate` token of a user: a new one replaces the row."""

    __tablename__ = "absorb_tokens"
    issued_secrets = True  # tokens the API handed out: never in a state export
    user_id: Mapped[str] = mapped_column(ForeignKey("absorb_users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(200), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()
