"""Docebo enrollment rules: enroll, update, unenroll, list and view, for one tenant.

Bulk calls work on the cross product of the course ids and the user ids, with
set-based SQL (one SELECT of the existing pairs, one UPDATE / INSERT / DELETE), so a
1,000-user x 5-course update is a handful of statements, not 5,000 ORM loads. Each
call is one transaction: a call that ends in an error changes nothing.

What happens to pairs that cannot be processed is reported, not raised (HTTP 200):
unknown users or courses, pairs not enrolled (update, unenroll), pairs already
enrolled (enroll).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from simulator.core.db import UtcDateTime
from simulator.core.errors import ApiError
from simulator.vendors.docebo import states
from simulator.vendors.docebo.errors import (
    MAX_USERS_PER_CALL,
    not_found,
    too_many_users,
)
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser

Pair = tuple[int, int]  # (course_id, user_id)

# Fields a caller may change on an existing enrollment (PUT, single and multiple).
UPDATABLE = (
    "status",
    "level",
    "date_complete",
    "date_begin_validity",
    "date_expire_validity",
    "date_inscr",
    "date_first_access",
    "date_last_access",
    "score_given",
    "initial_score_given",
    "absent",
    "subscribed_by",
    "requesting_unsubscribe",
    "requesting_unsubscribe_date",
    "enrollment_fields",
    "waiting",  # overridden by what a status in the same request implies
)


@dataclass
class Outcome:
    """What a bulk call did: the pairs it processed and, per reason, the pairs it could not."""

    done: list[Pair] = field(default_factory=list)
    failed: dict[str, list[Pair]] = field(default_factory=dict)

    def fail(self, reason: str, pair: Pair) -> None:
        self.failed.setdefault(reason, []).append(pair)


NOT_ENROLLED = "User is not enrolled in the course"
ALREADY_ENROLLED = "User is already enrolled in the course"
UNKNOWN_USER = "User not found"
UNKNOWN_COURSE = "Course not found"


def unique(ids: Iterable[int]) -> list[int]:
    """Ids in first-seen order without repeats (a client may list an id twice)."""
    return list(dict.fromkeys(ids))


def check_user_cap(user_ids: Sequence[int]) -> None:
    if len(user_ids) > MAX_USERS_PER_CALL:
        raise too_many_users(len(user_ids))


def _known(session: Session, tenant: str, column: Any, ids: Sequence[int]) -> set[int]:
    table = column.class_
    return set(session.scalars(select(column).where(table.tenant == tenant, column.in_(ids))))


def _existing_pairs(session: Session, tenant: str, course_ids: Sequence[int], user_ids: Sequence[int]) -> set[Pair]:
    rows = session.execute(
        select(DoceboEnrollment.course_id, DoceboEnrollment.user_id).where(_pairs_clause(tenant, course_ids, user_ids))
    )
    return {(c, u) for c, u in rows}


def _pairs_clause(tenant: str, course_ids: Sequence[int], user_ids: Sequence[int]) -> ColumnElement[bool]:
    return and_(
        DoceboEnrollment.tenant == tenant,
        DoceboEnrollment.course_id.in_(course_ids),
        DoceboEnrollment.user_id.in_(user_ids),
    )


def _classify(
    session: Session, tenant: str, course_ids: Sequence[int], user_ids: Sequence[int], *, want_enrolled: bool
) -> Outcome:
    """Sort the cross product into pairs to process and pairs to report."""
    courses = _known(session, tenant, DoceboCourse.id, course_ids)
    users = _known(session, tenant, DoceboUser.id, user_ids)
    existing = _existing_pairs(session, tenant, course_ids, user_ids)
    outcome = Outcome()
    for course_id in course_ids:
        for user_id in user_ids:
            pair = (course_id, user_id)
            if course_id not in courses:
                outcome.fail(UNKNOWN_COURSE, pair)
            elif user_id not in users:
                outcome.fail(UNKNOWN_USER, pair)
            elif (pair in existing) == want_enrolled:
                outcome.done.append(pair)
            else:
                outcome.fail(ALREADY_ENROLLED if pair in existing else NOT_ENROLLED, pair)
    return outcome


# -- enroll --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEnrollment:
    level: int = states.STUDENT
    date_begin_validity: dt.datetime | None = None
    date_expire_validity: dt.datetime | None = None
    enrollment_fields: dict[str, Any] = field(default_factory=dict)
    subscribed_by: int | None = None


def enroll_many(
    session: Session,
    tenant: str,
    now: dt.datetime,
    course_ids: Sequence[int],
    user_ids: Sequence[int],
    spec: NewEnrollment,
) -> Outcome:
    course_ids, user_ids = unique(course_ids), unique(user_ids)
    check_user_cap(user_ids)
    outcome = _classify(session, tenant, course_ids, user_ids, want_enrolled=False)
    if outcome.done:
        session.execute(
            insert(DoceboEnrollment),
            [
                {
                    "tenant": tenant,
                    "course_id": course_id,
                    "user_id": user_id,
                    "status": states.SUBSCRIBED,
                    "level": spec.level,
                    "waiting": False,
                    "date_inscr": now,
                    "date_begin_validity": spec.date_begin_validity,
                    "date_expire_validity": spec.date_expire_validity,
                    "enrollment_fields": spec.enrollment_fields,
                    "subscribed_by": spec.subscribed_by,
                }
                for course_id, user_id in outcome.done
            ],
        )
    return outcome


def enroll_one(
    session: Session, tenant: str, now: dt.datetime, course_id: int, user_id: int, spec: NewEnrollment
) -> DoceboEnrollment:
    """Enroll one user: unknown ids are 404, an existing enrollment is a 409 (inferred)."""
    require_course(session, tenant, course_id)
    require_user(session, tenant, user_id)
    outcome = enroll_many(session, tenant, now, [course_id], [user_id], spec)
    if not outcome.done:
        raise ApiError(409, f"User {user_id} is already enrolled in course {course_id}")
    return require_enrollment(session, tenant, course_id, user_id)


# -- update --------------------------------------------------------------------------


def update_values(changes: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The SET clause for `changes`, with what a new status implies (see states)."""
    values: dict[str, Any] = {key: changes[key] for key in UPDATABLE if key in changes}
    status = changes.get("status")
    now_param = bindparam("sim_now", now, type_=UtcDateTime())
    if "date_complete" in changes:
        # A completion date belongs to completed enrollments only: with a status below
        # completed (given now, or stored) the date sent along is not stored.
        completed = states.sets_completion(status) if status is not None else None
        if completed is False:
            values["date_complete"] = None
        elif completed is None:
            values["date_complete"] = case(
                (
                    DoceboEnrollment.status == states.COMPLETED,
                    bindparam("sim_done", changes["date_complete"], type_=UtcDateTime()),
                ),
                else_=DoceboEnrollment.date_complete,
            )
    if status is not None:
        values["waiting"] = states.is_waiting(status)
        if "date_complete" not in changes:
            if states.sets_completion(status):
                # Keep the date of an enrollment that was already completed; stamp the others.
                values["date_complete"] = case(
                    (
                        and_(DoceboEnrollment.status == states.COMPLETED, DoceboEnrollment.date_complete.is_not(None)),
                        DoceboEnrollment.date_complete,
                    ),
                    else_=now_param,
                )
            else:
                values["date_complete"] = None
        if states.sets_first_access(status) and "date_first_access" not in changes:
            values["date_first_access"] = func.coalesce(DoceboEnrollment.date_first_access, now_param)
    return values


def update_many(
    session: Session,
    tenant: str,
    now: dt.datetime,
    course_ids: Sequence[int],
    user_ids: Sequence[int],
    changes: dict[str, Any],
) -> Outcome:
    """PUT /learn/v1/enrollments: apply `changes` to every enrolled course x user pair."""
    course_ids, user_ids = unique(course_ids), unique(user_ids)
    check_user_cap(user_ids)
    outcome = _classify(session, tenant, course_ids, user_ids, want_enrolled=True)
    values = update_values(changes, now)
    if outcome.done and values:
        session.execute(
            update(DoceboEnrollment).where(_pairs_clause(tenant, course_ids, user_ids)).values(values),
            execution_options={"synchronize_session": False},
        )
    return outcome


def update_one(
    session: Session, tenant: str, now: dt.datetime, course_id: int, user_id: int, changes: dict[str, Any]
) -> None:
    require_enrollment(session, tenant, course_id, user_id)
    update_many(session, tenant, now, [course_id], [user_id], changes)


# -- unenroll ------------------------------------------------------------------------


def unenroll_many(session: Session, tenant: str, course_ids: Sequence[int], user_ids: Sequence[int]) -> Outcome:
    course_ids, user_ids = unique(course_ids), unique(user_ids)
    check_user_cap(user_ids)
    outcome = _classify(session, tenant, course_ids, user_ids, want_enrolled=True)
    if outcome.done:
        session.execute(
            delete(DoceboEnrollment).where(_pairs_clause(tenant, course_ids, user_ids)),
            execution_options={"synchronize_session": False},
        )
    return outcome


def unenroll_one(session: Session, tenant: str, course_id: int, user_id: int) -> None:
    require_enrollment(session, tenant, course_id, user_id)
    unenroll_many(session, tenant, [course_id], [user_id])


# -- reads ---------------------------------------------------------------------------


def require_course(session: Session, tenant: str, course_id: int) -> DoceboCourse:
    course = session.get(DoceboCourse, (tenant, course_id))
    if course is None:
        raise not_found(f"Course {course_id} not found")
    return course


def require_user(session: Session, tenant: str, user_id: int) -> DoceboUser:
    user = session.get(DoceboUser, (tenant, user_id))
    if user is None:
        raise not_found(f"User {user_id} not found")
    return user


# The single-enrollment path (get, update, unenroll) reads the course, the user and the
# enrollment in one statement built once; which of the three is missing picks the 404.
_ENROLLMENT_WITH_COURSE = (
    select(DoceboCourse, DoceboUser.id, DoceboEnrollment)
    .select_from(DoceboCourse)
    .outerjoin(DoceboUser, and_(DoceboUser.tenant == DoceboCourse.tenant, DoceboUser.id == bindparam("user_id")))
    .outerjoin(
        DoceboEnrollment,
        and_(
            DoceboEnrollment.tenant == DoceboCourse.tenant,
            DoceboEnrollment.course_id == DoceboCourse.id,
            DoceboEnrollment.user_id == DoceboUser.id,
        ),
    )
    .where(DoceboCourse.tenant == bindparam("tenant"), DoceboCourse.id == bindparam("course_id"))
    # Status catch-up and bulk updates write with Core statements: always read the stored row.
    .execution_options(populate_existing=True)
)


def require_enrollment_and_course(
    session: Session, tenant: str, course_id: int, user_id: int
) -> tuple[DoceboEnrollment, DoceboCourse]:
    found = session.execute(
        _ENROLLMENT_WITH_COURSE, {"tenant": tenant, "course_id": course_id, "user_id": user_id}
    ).first()
    if found is None:
        raise not_found(f"Course {course_id} not found")
    course, known_user, enrollment = found
    if known_user is None:
        raise not_found(f"User {user_id} not found")
    if enrollment is None:
        raise not_found(f"User {user_id} is not enrolled in course {course_id}")
    return enrollment, course


def require_enrollment(session: Session, tenant: str, course_id: int, user_id: int) -> DoceboEnrollment:
    return require_enrollment_and_course(session, tenant, course_id, user_id)[0]


@dataclass(frozen=True)
class EnrollmentFilter:
    user_ids: Sequence[int] = ()
    course_ids: Sequence[int] = ()
    statuses: Sequence[int] = ()
    types: Sequence[str] = ()
    search: str | None = None


def text_match(columns: Sequence[Any], text: str) -> ColumnElement[bool]:
    """Columns containing `text` literally: LIKE wildcards in it are escaped, and a NUL
    (which SQLite's LIKE would read as the end of the pattern, matching everything)
    matches nothing, as no stored name contains one."""
    if "\x00" in text:
        return false()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    # ILIKE: case-insensitive (ASCII) on both databases, as SQLite's LIKE is; PostgreSQL's LIKE is not.
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def list_enrollments(
    session: Session, tenant: str, flt: EnrollmentFilter, *, page: int, page_size: int
) -> tuple[list[tuple[DoceboEnrollment, DoceboCourse, str]], int]:
    """One page of enrollments (ordered by course id, then user id) and the total count."""
    conditions: list[ColumnElement[bool]] = [DoceboEnrollment.tenant == tenant]
    if flt.user_ids:
        conditions.append(DoceboEnrollment.user_id.in_(flt.user_ids))
    if flt.course_ids:
        conditions.append(DoceboEnrollment.course_id.in_(flt.course_ids))
    if flt.statuses:
        conditions.append(DoceboEnrollment.status.in_(flt.statuses))
    if flt.types:
        conditions.append(DoceboCourse.type.in_(flt.types))
    if flt.search:
        conditions.append(text_match((DoceboCourse.name, DoceboCourse.code), flt.search))
    joined = (
        select(DoceboEnrollment, DoceboCourse, DoceboUser.username)
        .join(
            DoceboCourse,
            and_(DoceboCourse.tenant == DoceboEnrollment.tenant, DoceboCourse.id == DoceboEnrollment.course_id),
        )
        .join(DoceboUser, and_(DoceboUser.tenant == DoceboEnrollment.tenant, DoceboUser.id == DoceboEnrollment.user_id))
        .where(*conditions)
    )
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    rows = session.execute(
        joined.order_by(DoceboEnrollment.course_id, DoceboEnrollment.user_id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows], total
