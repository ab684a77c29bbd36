"""Backend rules without HTTP: a session, a fixed `now`, and the fixture loader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from simulator.core.clock import iso
from simulator.core.fixtures import FixtureContext, FixtureError
from simulator.core.spec import load_spec, operations
from simulator.vendors.absorb import enrollments, progress, sessions
from simulator.vendors.absorb.errors import BODY_ERRORS_ARE_422
from simulator.vendors.absorb.fixtures import load_tenant
from simulator.vendors.absorb.models import AbsorbCourse, AbsorbSession, AbsorbUser
from simulator.vendors.absorb.routes import operations as handlers
from simulator.vendors.absorb.wire import COURSE_ENROLLMENT_COLUMNS, course_enrollment_values, ticks_between, timespan

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
KEY = "c0000000-0000-4000-8000-000000000003"


def _section(**extra: Any) -> dict[str, Any]:
    return {
        "portal": {"apiKey": KEY},
        "users": [
            {"id": "00000000-0000-4000-8000-0000000000a1", "username": "u1", "firstName": "Una", "lastName": "One"},
            {"id": "00000000-0000-4000-8000-0000000000a2", "username": "u2", "firstName": "Dos", "lastName": "Two"},
        ],
        "courses": [
            {
                "id": "00000000-0000-4000-8000-0000000000c1",
                "name": "Course",
                "passingScore": 50,
                "chapters": [
                    {
                        "id": "00000000-0000-4000-8000-0000000000d1",
                        "name": "Ch",
                        "lessons": [
                            {"id": "00000000-0000-4000-8000-0000000000e1", "name": "L1"},
                            {"id": "00000000-0000-4000-8000-0000000000e2", "name": "L2"},
                        ],
                    },
                ],
            },
            {
                "id": "00000000-0000-4000-8000-0000000000c2",
                "name": "ILC",
                "courseType": "InstructorLedCourse",
                "sessions": [{"id": "00000000-0000-4000-8000-0000000000f1", "name": "S", "capacity": 1}],
            },
        ],
        **extra,
    }


def test_timespan_is_dotnet_c_format() -> None:
    assert timespan(0) == "00:00:00"
    assert timespan(51719878697) == "01:26:11.9878697"
    assert timespan(1 * 864_000_000_000 + 13 * 36_000_000_000 + 2 * 600_000_000 + 39 * 10_000_000 + 9878697) == (
        "1.13:02:39.9878697"
    )
    assert timespan(-10_000_000) == "-00:00:01"
    assert ticks_between(NOW, NOW + dt.timedelta(minutes=90, microseconds=5)) == 90 * 600_000_000 + 50
    assert ticks_between(NOW, NOW - dt.timedelta(seconds=1)) == 0


@pytest.mark.parametrize(
    "instant",
    [
        NOW,
        dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 9, 0, 0, 999_999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
)
def test_enrollment_dates_render_as_the_clock_renders_them(instant: dt.datetime) -> None:
    names = [column.key for column in COURSE_ENROLLMENT_COLUMNS]
    values: list[Any] = [None] * len(names)
    values[names.index("time_spent_ticks")] = 0
    values[names.index("date_added")] = instant
    rendered = course_enrollment_values(values)
    assert rendered["dateAdded"] == iso(instant)
    assert rendered["dateEdited"] is None and rendered["timeSpent"] == "00:00:00"


def test_roll_up_in_the_backend(db_session: Session) -> None:
    load_tenant(FixtureContext(db_session, NOW), "t", _section())
    user = db_session.get(AbsorbUser, "00000000-0000-4000-8000-0000000000a1")
    course = db_session.get(AbsorbCourse, "00000000-0000-4000-8000-0000000000c1")
    assert user is not None and course is not None
    enrollment, created = enrollments.enroll(db_session, user, course, NOW, re_enroll=False)
    assert created and enrollment.status == 0
    for minutes, (lesson, score) in enumerate(
        (("00000000-0000-4000-8000-0000000000e1", 40), ("00000000-0000-4000-8000-0000000000e2", 50)), 1
    ):
        attempt = progress.start_attempt(db_session, enrollment, lesson, NOW)
        assert enrollment.status == 1
        progress.finish_attempt(
            db_session,
            attempt,
            status=3,
            score=score,
            start_date=None,
            completion_date=None,
            now=NOW + dt.timedelta(minutes=minutes),
        )
    # 45 is under the passing score of 50.
    assert enrollment.status == 5 and enrollment.score == 45 and enrollment.progress == 100
    assert enrollment.time_spent_ticks == 3 * 600_000_000


def test_waitlist_in_the_backend(db_session: Session) -> None:
    load_tenant(FixtureContext(db_session, NOW), "t", _section())
    ilc = db_session.get(AbsorbSession, "00000000-0000-4000-8000-0000000000f1")
    one = db_session.get(AbsorbUser, "00000000-0000-4000-8000-0000000000a1")
    two = db_session.get(AbsorbUser, "00000000-0000-4000-8000-0000000000a2")
    assert ilc is not None and one is not None and two is not None
    first, seat = sessions.enroll(db_session, one, ilc, NOW, re_enroll=False, cancel_session=False)
    second, queued = sessions.enroll(db_session, two, ilc, NOW, re_enroll=False, cancel_session=False)
    assert (seat.status, queued.status, second.status) == (0, 8, 8)
    sessions.promote(db_session, enrollments.unenroll(db_session, "t", [first.id], NOW), NOW)
    db_session.refresh(queued)
    db_session.refresh(second)
    assert (queued.status, second.status) == (0, 0)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"portal": {}}, "portal.apiKey"),
        ({"portal": {"apiKey": "not-a-guid"}}, "portal.apiKey"),
        (
            {"users": [{"id": "00000000-0000-4000-8000-0000000000a9", "username": "x", "firstName": "X"}]},
            "users[0].lastName",
        ),
        (
            {"courses": [{"id": "00000000-0000-4000-8000-0000000000c9", "name": "C", "courseType": "Webinar"}]},
            "courses[0].courseType",
        ),
        (
            {
                "enrollments": [
                    {
                        "id": "00000000-0000-4000-8000-0000000000b1",
                        "userId": "00000000-0000-4000-8000-0000000000a1",
                        "courseId": "00000000-0000-4000-8000-0000000000c1",
                        "status": 13,
                        "dateAdded": "@now",
                    }
                ]
            },
            "enrollments[0].status",
        ),
        (
            {
                "enrollments": [
                    {
                        "id": "00000000-0000-4000-8000-0000000000b1",
                        "userId": "00000000-0000-4000-8000-0000000000a7",
                        "courseId": "00000000-0000-4000-8000-0000000000c1",
                        "status": 0,
                        "dateAdded": "@now",
                    }
                ]
            },
            "enrollments[0].userId",
        ),
    ],
)
def test_bad_fixtures_name_the_offending_field(db_session: Session, change: dict[str, Any], where: str) -> None:
    with pytest.raises(FixtureError) as info:
        load_tenant(FixtureContext(db_session, NOW), "t", _section(**change))
    assert info.value.where.endswith(where)


def test_every_spec_operation_has_a_handler_provenance_and_documented_errors() -> None:
    spec = load_spec("absorb.yaml")
    ops = operations(spec)
    assert {op.operation_id for op in ops} == set(handlers.handlers)
    for op in ops:
        assert op.raw.get("x-provenance") in ("documented", "inferred"), op.operation_id
        statuses = set(op.raw["responses"])
        assert {"401", "403", "429"} <= statuses, op.operation_id
        if "{" in op.path:
            assert "404" in statuses, op.operation_id
        if "requestBody" in op.raw:
            # A body that does not bind is 400, or 422 where the docs list 422 and no 400.
            invalid_body = "422" if op.operation_id in BODY_ERRORS_ARE_422 else "400"
            assert {invalid_body, "413"} <= statuses, op.operation_id
        success = [s for s in statuses if s.startswith("2")]
        assert len(success) == 1, op.operation_id
