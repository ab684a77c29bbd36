"""PUT /learn/v1/enrollments: the cap, the cross product, not-enrolled pairs, id spellings, dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from simulator.core.db import UTC
from simulator.vendors.docebo import backend
from simulator.vendors.docebo.models import DoceboEnrollment, DoceboUser

MANY_BASE = 500_000
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # the frozen clock of the `call` fixture


def add_users(session: Session, count: int, *, enroll_in: tuple[int, ...] = ()) -> list[int]:
    """`count` extra acme users (ids from MANY_BASE), optionally enrolled in some courses."""
    ids = list(range(MANY_BASE, MANY_BASE + count))
    session.execute(
        insert(DoceboUser), [{"tenant": "acme", "id": i, "username": f"bulk{i}", "created_at": NOW} for i in ids]
    )
    if enroll_in:
        rows = [
            {"tenant": "acme", "course_id": c, "user_id": i, "date_inscr": NOW, "enrollment_fields": {}}
            for c in enroll_in
            for i in ids
        ]
        session.execute(insert(DoceboEnrollment), rows)
    return ids


def statuses(session: Session, user_ids: list[int], course_ids: tuple[int, ...]) -> dict[tuple[int, int], int]:
    rows = session.execute(
        select(DoceboEnrollment.course_id, DoceboEnrollment.user_id, DoceboEnrollment.status).where(
            DoceboEnrollment.tenant == "acme",
            DoceboEnrollment.user_id.in_(user_ids),
            DoceboEnrollment.course_id.in_(course_ids),
        )
    )
    return {(c, u): s for c, u, s in rows}


@pytest.mark.parametrize("count", [999, 1000])
def test_up_to_1000_users_are_updated(session: Session, call: Any, count: int) -> None:
    users = add_users(session, count, enroll_in=(101, 102))
    reply = call(
        "updateEnrollments", token=call.token(), body={"user_ids": users, "course_ids": [101, 102], "status": 1}
    )
    assert reply.status == 200
    assert len(reply.body["data"]["updated"]) == 2 * count
    assert reply.body["data"]["not_updated"] == []
    assert set(statuses(session, users, (101, 102)).values()) == {1}


def test_1001_users_is_a_400_and_changes_nothing(session: Session, call: Any) -> None:
    users = add_users(session, 1001, enroll_in=(101,))
    reply = call("updateEnrollments", token=call.token(), body={"user_ids": users, "course_ids": [101], "status": 2})
    assert reply.status == 400
    assert "1000" in reply.body["message"]
    assert reply.body["version"] == "1.0.0" and reply.body["_links"] == []
    assert set(statuses(session, users, (101,)).values()) == {0}


def test_the_cap_counts_distinct_users_across_both_spellings(session: Session, call: Any) -> None:
    users = add_users(session, 1001, enroll_in=(101,))
    body = {"user_ids": users[:600], "user_id": users[400:], "course_ids": [101], "status": 3}
    reply = call("updateEnrollments", token=call.token(), body=body)
    assert reply.status == 400
    # The same 1,000 users listed twice are still 1,000 users.
    reply = call(
        "updateEnrollments",
        token=call.token(),
        body={"user_ids": users[:1000] + users[:1000], "course_ids": [101], "status": 3},
    )
    assert reply.status == 200
    assert len(reply.body["data"]["updated"]) == 1000


def test_every_course_applies_to_every_user(session: Session, call: Any) -> None:
    users = add_users(session, 3, enroll_in=(101, 102, 103))
    reply = call(
        "updateEnrollments", token=call.token(), body={"user_ids": users, "course_ids": [101, 103], "level": 4}
    )
    assert reply.status == 200
    updated = {(p["course_id"], p["user_id"]) for p in reply.body["data"]["updated"]}
    assert updated == {(c, u) for c in (101, 103) for u in users}
    levels = dict(
        session.execute(
            select(DoceboEnrollment.course_id * 10_000_000 + DoceboEnrollment.user_id, DoceboEnrollment.level).where(
                DoceboEnrollment.user_id.in_(users)
            )
        ).all()
    )
    assert {v for k, v in levels.items() if k // 10_000_000 in (101, 103)} == {4}
    assert {v for k, v in levels.items() if k // 10_000_000 == 102} == {3}  # untouched course


def test_pairs_not_enrolled_are_reported_with_200(session: Session, call: Any) -> None:
    enrolled = add_users(session, 2, enroll_in=(101,))
    # 12321 exists but is enrolled in neither course of the request? check first, then use it.
    outsider = 12321
    assert statuses(session, [outsider], (106,)) == {}
    reply = call(
        "updateEnrollments",
        token=call.token(),
        body={"user_ids": [*enrolled, outsider], "course_ids": [101, 106, 999], "status": 2},
    )
    assert reply.status == 200
    data = reply.body["data"]
    assert {(p["course_id"], p["user_id"]) for p in data["updated"]} == {(101, u) for u in enrolled} | (
        {(101, outsider)} if statuses(session, [outsider], (101,)) else set()
    )
    reasons = {
        entry["validation_errors"][0]["ids"][0]["messages"][0]: entry["invalid_enrollments"]
        for entry in data["not_updated"]
    }
    assert {"course_id": 106, "user_id": enrolled[0]} in reasons[backend.NOT_ENROLLED]
    assert {"course_id": 999, "user_id": outsider} in reasons[backend.UNKNOWN_COURSE]
    # Nothing was created for the not-enrolled pairs.
    assert statuses(session, enrolled, (106,)) == {}


def test_both_id_spellings_are_accepted(session: Session, call: Any) -> None:
    users = add_users(session, 4, enroll_in=(102,))
    one = call("updateEnrollments", token=call.token(), body={"user_id": users[:2], "course_id": [102], "status": 3})
    two = call("updateEnrollments", token=call.token(), body={"user_ids": users[2:], "course_ids": [102], "status": 3})
    assert one.status == two.status == 200
    assert set(statuses(session, users, (102,)).values()) == {3}


def test_missing_targets_is_a_400(call: Any) -> None:
    reply = call("updateEnrollments", token=call.token(), body={"course_ids": [101], "status": 2})
    assert reply.status == 400
    assert reply.body["errors"][0]["field"] == "user_ids"


def completion(session: Session, course_id: int, user_id: int) -> tuple[int, dt.datetime | None, bool]:
    row = session.execute(
        select(DoceboEnrollment.status, DoceboEnrollment.date_complete, DoceboEnrollment.waiting).where(
            DoceboEnrollment.tenant == "acme",
            DoceboEnrollment.course_id == course_id,
            DoceboEnrollment.user_id == user_id,
        )
    ).one()
    return row[0], row[1], row[2]


def test_status_2_stamps_the_simulated_now(session: Session, call: Any) -> None:
    users = add_users(session, 2, enroll_in=(104,))
    reply = call("updateEnrollments", token=call.token(), body={"user_ids": users, "course_ids": [104], "status": 2})
    assert reply.status == 200
    assert completion(session, 104, users[0]) == (2, NOW, False)


def test_one_date_complete_applies_to_every_pair(session: Session, call: Any) -> None:
    users = add_users(session, 3, enroll_in=(104, 105))
    body = {"user_ids": users, "course_ids": [104, 105], "status": 2, "date_complete": "2026-03-14 12:00:00"}
    assert call("updateEnrollments", token=call.token(), body=body).status == 200
    expected = dt.datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    dates = session.scalars(select(DoceboEnrollment.date_complete).where(DoceboEnrollment.user_id.in_(users))).all()
    assert len(dates) == 6 and set(dates) == {expected}


def test_an_already_completed_enrollment_keeps_its_date(session: Session, call: Any) -> None:
    # 12301 completed course 101 in the demo data, before NOW.
    status, before, _ = completion(session, 101, 12301)
    assert status == 2 and before is not None and before < NOW
    assert (
        call(
            "updateEnrollments", token=call.token(), body={"user_ids": [12301], "course_ids": [101], "status": 2}
        ).status
        == 200
    )
    assert completion(session, 101, 12301)[1] == before


def test_leaving_completed_clears_the_date_and_negative_status_waits(session: Session, call: Any) -> None:
    assert (
        call(
            "updateEnrollments", token=call.token(), body={"user_ids": [12301], "course_ids": [101], "status": -2}
        ).status
        == 200
    )
    assert completion(session, 101, 12301) == (-2, None, True)
    assert (
        call(
            "updateEnrollments", token=call.token(), body={"user_ids": [12301], "course_ids": [101], "status": 0}
        ).status
        == 200
    )
    assert completion(session, 101, 12301) == (0, None, False)


@pytest.mark.parametrize(
    "bad", ["2026-02-30 12:00:00", "2026-03-14T25:00:00", "14/03/2026", "2026-13-01", "", 20260314]
)
def test_an_invalid_date_is_a_400_and_changes_nothing(session: Session, call: Any, bad: object) -> None:
    before = completion(session, 102, 12301)
    body = {"user_ids": [12301], "course_ids": [102], "status": 2, "date_complete": bad}
    reply = call("updateEnrollments", token=call.token(), body=body)
    assert reply.status == 400
    assert reply.body["errors"][0]["field"] == "date_complete"
    assert completion(session, 102, 12301) == before


def test_a_date_without_time_is_midnight(session: Session, call: Any) -> None:
    body = {"user_ids": [12301], "course_ids": [102], "status": 2, "date_complete": "2024-02-29"}
    assert call("updateEnrollments", token=call.token(), body=body).status == 200
    assert completion(session, 102, 12301)[1] == dt.datetime(2024, 2, 29, tzinfo=UTC)


def test_the_update_runs_as_a_few_set_based_statements(session: Session, call: Any) -> None:
    from sqlalchemy import event

    users = add_users(session, 1000, enroll_in=(101, 102, 103, 104, 105))
    token = call.token()
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        reply = call(
            "updateEnrollments",
            token=token,
            body={"user_ids": users, "course_ids": [101, 102, 103, 104, 105], "status": 2},
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert reply.status == 200 and len(reply.body["data"]["updated"]) == 5000
    on_enrollments = [s for s in statements if "docebo_enrollments" in s]
    # One SELECT of the existing pairs and one UPDATE: no per-row statements.
    assert len(on_enrollments) == 2, on_enrollments
    assert on_enrollments[1].startswith("UPDATE docebo_enrollments")
    assert (
        session.scalar(select(func.count()).where(DoceboEnrollment.user_id.in_(users), DoceboEnrollment.status == 2))
        == 5000
    )
