"""Property test: any sequence of creates and updates keeps the seat count honest,
and a refused call changes nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.db import Database
from simulator.core.errors import ApiError
from simulator.core.fixtures import FixtureContext
from simulator.vendors.skillable import backend
from simulator.vendors.skillable.backend import EnrollmentFields
from simulator.vendors.skillable.fixtures import load_tenant
from simulator.vendors.skillable.models import SkillableClass, SkillableClassEnrollment
from simulator.vendors.skillable.states import (
    SEAT_HOLDING,
    CompletionStatus,
    EnrollmentStatus,
)

from .conftest import NOW

SIZE = 2
USERS = range(1, 6)

operation = st.tuples(
    st.sampled_from(list(USERS)),
    st.sampled_from(list(EnrollmentStatus)),
    st.sampled_from([CompletionStatus.UNKNOWN, CompletionStatus.ATTENDING]),
    st.sampled_from([None, True, False]),
)


def state(session: Session) -> tuple[Any, ...]:
    rows = session.execute(
        select(
            SkillableClassEnrollment.id,
            SkillableClassEnrollment.enrollment_status_id,
            SkillableClassEnrollment.completion_status_id,
            SkillableClassEnrollment.late_cancel,
            SkillableClassEnrollment.waitlisted_at,
        ).order_by(SkillableClassEnrollment.id)
    ).all()
    return (tuple(map(tuple, rows)), session.scalar(select(SkillableClass.used)))


@settings(max_examples=60, deadline=None)
@given(st.lists(operation, max_size=30), st.booleans())
def test_seat_count_and_rollback_invariants(
    ops: list[tuple[int, EnrollmentStatus, CompletionStatus, bool | None]], strict: bool
) -> None:
    database = Database("sqlite://")
    database.create_schema()
    with database.sessions() as session, session.begin():
        load_tenant(
            FixtureContext(session=session, now=NOW),
            "t",
            {
                "users": [{"Id": u, "FirstName": "U", "LastName": str(u), "Email": f"{u}@t.test"} for u in USERS],
                "classes": [
                    {
                        "Id": 1,
                        "Name": "Small",
                        "Start": "@now+PT1H",
                        "End": "@now+PT2H",
                        "Size": SIZE,
                        "LateCancelWindowHours": 2,
                    }
                ],
            },
        )
        for user, status, completion, late in ops:
            fields = EnrollmentFields(
                class_id=1, user_id=user, enrollment_status=status, completion_status=completion, late_cancel=late
            )
            before = state(session)
            savepoint = session.begin_nested()
            try:
                existing = backend.find_enrollment(session, "t", 1, user)
                if existing is None:
                    backend.create_enrollment(session, "t", NOW, fields, strict=strict)
                else:
                    backend.update_enrollment(session, "t", NOW, existing.id, fields, strict=strict)
            except ApiError:
                savepoint.rollback()
                assert state(session) == before
                continue
            savepoint.commit()
            # Columns, not entities: the rules write through statements, past the session's identity map.
            e = SkillableClassEnrollment
            rows = session.execute(
                select(e.enrollment_status_id, e.completion_status_id, e.late_cancel, e.waitlisted_at)
            ).all()
            holders = sum(EnrollmentStatus(r.enrollment_status_id) in SEAT_HOLDING for r in rows)
            used = session.scalar(select(SkillableClass.used))
            assert used == holders <= SIZE
            for r in rows:
                assert (r.enrollment_status_id == EnrollmentStatus.WAITLIST) == (r.waitlisted_at is not None)
                # Only the strict option ties a completion status to a seat (the documents do not).
                assert not strict or r.completion_status_id == 0 or r.enrollment_status_id in SEAT_HOLDING
                assert not r.late_cancel or r.enrollment_status_id == EnrollmentStatus.CANCEL
    database.dispose()
