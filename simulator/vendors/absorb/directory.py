"""Users, departments and courses: the reads a client needs to find ids (and the course outline)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.vendors.absorb import fields, lookups, wire
from simulator.vendors.absorb.listing import ListQuery, fetch_page
from simulator.vendors.absorb.models import (
    AbsorbChapter,
    AbsorbCourse,
    AbsorbDepartment,
    AbsorbLesson,
    AbsorbSession,
    AbsorbUser,
)


def list_users(session: Session, tenant: str, q: ListQuery) -> tuple[list[AbsorbUser], int]:
    return fetch_page(
        session,
        select(AbsorbUser).where(AbsorbUser.tenant == tenant),
        q,
        fields.USER,
        default_sort="lastName,firstName",
        id_col=AbsorbUser.id,
        status_col=AbsorbUser.active_status,
        edited_col=AbsorbUser.date_edited,
    )


def list_departments(session: Session, tenant: str, q: ListQuery) -> tuple[list[AbsorbDepartment], int]:
    return fetch_page(
        session,
        select(AbsorbDepartment).where(AbsorbDepartment.tenant == tenant),
        q,
        fields.DEPARTMENT,
        default_sort="name",
        id_col=AbsorbDepartment.id,
        status_col=None,
        edited_col=AbsorbDepartment.date_edited,
    )


def list_courses(session: Session, tenant: str, q: ListQuery) -> tuple[list[AbsorbCourse], int]:
    return fetch_page(
        session,
        select(AbsorbCourse).where(AbsorbCourse.tenant == tenant),
        q,
        fields.COURSE,
        default_sort="name",
        id_col=AbsorbCourse.id,
        status_col=AbsorbCourse.active_status,
        edited_col=AbsorbCourse.date_edited,
    )


def course_detail(session: Session, tenant: str, course_id: str) -> dict[str, Any]:
    course = lookups.course(session, tenant, course_id)
    chapters = session.scalars(
        select(AbsorbChapter)
        .where(AbsorbChapter.tenant == tenant, AbsorbChapter.course_id == course.id)
        .order_by(AbsorbChapter.position, AbsorbChapter.id)
    ).all()
    lessons = session.scalars(
        select(AbsorbLesson)
        .where(AbsorbLesson.tenant == tenant, AbsorbLesson.course_id == course.id)
        .order_by(AbsorbLesson.position, AbsorbLesson.id)
    ).all()
    ilc_sessions = session.scalars(
        select(AbsorbSession)
        .where(AbsorbSession.tenant == tenant, AbsorbSession.course_id == course.id)
        .order_by(AbsorbSession.date_start, AbsorbSession.id)
    ).all()
    return wire.course_detail(course, chapters, lessons, ilc_sessions)
