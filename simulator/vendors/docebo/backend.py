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
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from simulator.core.db import UtcDateTime
from simulator.core.errors import ApiError
from simulator.core.store import Source, Statement
from simulator.vendors.docebo import states
from simulator.vendors.docebo.errors import (
    MAX_USERS_PER_CALL,
    not_found,
    too_many_users,
)
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser
from simulator.vendors.docebo.reads import enrolled

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
) -> None:
    """Enroll one user: unknown ids are 404, an existing enrollment is a 409 (inferred)."""
    if enrolled(session, tenant, course_id, user_id):
        raise ApiError(409, f"User {user_id} is already enrolled in course {course_id}")
    enroll_many(session, tenant, now, [course_id], [user_id], spec)


# -- update --------------------------------------------------------------------------


# A SET clause depends only on which fields a request changes and on what its status implies,
# never on the values (they are parameters): the single update runs one statement per shape,
# compiled once. Parameters are prefixed: an UPDATE reserves its columns' own names.
UpdateShape = tuple[tuple[str, ...], int | None]  # (fields given, status rule: see _status_rule)
_COMPLETES, _FIRST_ACCESS, _OTHER = 2, 1, 0


def _status_rule(status: int | None) -> int | None:
    if status is None:
        return None
    return (
        _COMPLETES if states.sets_completion(status) else _FIRST_ACCESS if states.sets_first_access(status) else _OTHER
    )


def update_shape(changes: dict[str, Any]) -> UpdateShape:
    return tuple(key for key in UPDATABLE if key in changes), _status_rule(changes.get("status"))


def update_params(changes: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The values of the SET clause of `update_shape(changes)`."""
    params = {"new_" + key: changes[key] for key in UPDATABLE if key in changes}
    status = changes.get("status")
    if status is not None:
        params["new_waiting"] = states.is_waiting(status)
    params["sim_now"] = now
    return params


@functools.lru_cache(maxsize=512)
def set_clause(shape: UpdateShape) -> dict[str, Any]:
    """The SET clause for a shape, with what a new status implies (see states)."""
    given, rule = shape
    values: dict[str, Any] = {key: bindparam("new_" + key) for key in given}
    now_param = bindparam("sim_now", type_=UtcDateTime())
    if "date_complete" in given:
        # A completion date belongs to completed enrollments only: with a status below
        # completed (given now, or stored) the date sent along is not stored.
        if rule is None:
            values["date_complete"] = case(
                (DoceboEnrollment.status == states.COMPLETED, bindparam("new_date_complete", type_=UtcDateTime())),
                else_=DoceboEnrollment.date_complete,
            )
        elif rule != _COMPLETES:
            values["date_complete"] = null()
    if rule is not None:
        values["waiting"] = bindparam("new_waiting")
        if "date_complete" not in given:
            if rule == _COMPLETES:
                # Keep the date of an enrollment that was already completed; stamp the others.
                values["date_complete"] = case(
                    (
                        and_(DoceboEnrollment.status == states.COMPLETED, DoceboEnrollment.date_complete.is_not(None)),
                        DoceboEnrollment.date_complete,
                    ),
                    else_=now_param,
                )
            else:
                values["date_complete"] = null()
        if rule == _FIRST_ACCESS and "date_first_access" not in given:
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
    values = set_clause(update_shape(changes))
    if outcome.done and values:
        session.execute(
            update(DoceboEnrollment).where(_pairs_clause(tenant, course_ids, user_ids)).values(values),
            update_params(changes, now),
            execution_options={"synchronize_session": False},
        )
    return outcome


# One enrollment's key, as statement parameters (named apart from the columns they compare).
_ONE_KEY = and_(
    DoceboEnrollment.tenant == bindparam("key_tenant"),
    DoceboEnrollment.course_id == bindparam("key_course"),
    DoceboEnrollment.user_id == bindparam("key_user"),
)


@functools.lru_cache(maxsize=512)
def _update_one_statement(shape: UpdateShape) -> Statement:
    return Statement(update(DoceboEnrollment).where(_ONE_KEY).values(set_clause(shape)))


def update_one(
    store: Source, tenant: str, now: dt.datetime, course_id: int, user_id: int, changes: dict[str, Any]
) -> Outcome:
    """PUT /learn/v1/enrollments/{course_id}/{user_id}: an unknown course or user is a 404; a
    pair not enrolled is reported as the multiple update reports it."""
    pair = (course_id, user_id)
    outcome = Outcome()
    if not enrolled(store, tenant, course_id, user_id):
        outcome.fail(NOT_ENROLLED, pair)
        return outcome
    shape = update_shape(changes)
    if set_clause(shape):
        params = {"key_tenant": tenant, "key_course": course_id, "key_user": user_id, **update_params(changes, now)}
        _update_one_statement(shape).execute(store, params)
    outcome.done.append(pair)
    return outcome


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
    if not enrolled(session, tenant, course_id, user_id):
        raise not_found(f"User {user_id} is not enrolled in course {course_id}")
    unenroll_many(session, tenant, [course_id], [user_id])
