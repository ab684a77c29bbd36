"""The `_filter` parser and `_sort`: what they accept, what SQL they mean, and that hostile
input only ever yields a valid expression or a QueryError (checked against SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.vendors.absorb import fields
from simulator.vendors.absorb.models import AbsorbCourse, AbsorbCourseEnrollment, AbsorbUser
from simulator.vendors.absorb.odata import MAX_DEPTH, MAX_LENGTH, QueryError, compile_filter, compile_sort

CE = AbsorbCourseEnrollment
NOW = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)


def _seed(session: Session) -> None:
    session.add(
        AbsorbUser(id="u1", tenant="t", username="u", first_name="A", last_name="B", date_added=NOW, date_edited=NOW)
    )
    session.add(AbsorbCourse(id="c1", tenant="t", name="C", date_added=NOW, date_edited=NOW))
    session.flush()
    rows = [
        (
            "e1",
            "Fire Safety",
            "Ann Lee",
            3,
            100.0,
            True,
            NOW - dt.timedelta(days=10),
            "aa000000-0000-4000-8000-000000000001",
        ),
        ("e2", "First Aid", "Bob O'Neil", 1, 50.0, True, NOW - dt.timedelta(days=5), None),
        ("e3", "fire drills", "Cy Young", 0, 0.0, False, NOW - dt.timedelta(days=1), None),
        ("e4", "Privacy 100%_done", "Dee Dee", 5, 20.0, True, NOW, None),
    ]
    for rid, course, name, status, progress, active, added, version in rows:
        session.add(
            CE(
                id=rid,
                tenant="t",
                course_id="c1",
                user_id="u1",
                course_name=course,
                full_name=name,
                status=status,
                progress=progress,
                score=progress,
                is_active=active,
                date_added=added,
                date_edited=added,
                date_completed=added if status == 3 else None,
                course_version_id=version,
            )
        )
    session.flush()


def ids(session: Session, text: str) -> list[str]:
    where = compile_filter(text, fields.COURSE_ENROLLMENT)
    return sorted(session.scalars(select(CE.id).where(where)))


@pytest.mark.both_databases
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status eq 3", ["e1"]),
        ("status ne 3", ["e2", "e3", "e4"]),
        ("progress ge 50 and progress lt 100", ["e2"]),
        ("status eq 0 or status eq 5", ["e3", "e4"]),
        ("not (status eq 3)", ["e2", "e3", "e4"]),
        ("isActive", ["e1", "e2", "e4"]),
        ("not isActive", ["e3"]),
        ("isActive eq false", ["e3"]),
        ("substringof('fire', courseName)", ["e1", "e3"]),
        ("substringof('FIRE', courseName) eq true", ["e1", "e3"]),
        ("startswith(courseName, 'Fir')", ["e1", "e2", "e3"]),
        ("endswith(fullName, 'young')", ["e3"]),
        ("tolower(courseName) eq 'fire safety'", ["e1"]),
        ("toupper(fullName) eq 'DEE DEE'", ["e4"]),
        ("fullName eq 'Bob O''Neil'", ["e2"]),
        ("substringof('100%_', courseName)", ["e4"]),
        ("substringof('0%', courseName) and not substringof('%x', courseName)", ["e4"]),
        ("dateCompleted eq null", ["e2", "e3", "e4"]),
        ("dateCompleted ne null", ["e1"]),
        ("dateAdded gt datetime'2026-01-12T00:00:00Z'", ["e3", "e4"]),
        ("dateAdded lt datetime'2026-01-06'", ["e1"]),
        ("courseVersionId eq guid'AA000000-0000-4000-8000-000000000001'", ["e1"]),
        ("courseVersionId eq 'aa000000-0000-4000-8000-000000000001'", ["e1"]),
        ("COURSENAME Eq 'First Aid'", ["e2"]),
        ("((status eq 1))", ["e2"]),
        ("progress gt 10.5", ["e1", "e2", "e4"]),
    ],
)
def test_filter_selects_the_matching_rows(db_session: Session, text: str, expected: list[str]) -> None:
    _seed(db_session)
    assert ids(db_session, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "status",
        "status eq",
        "status eq 3 and",
        "(status eq 3",
        "status eq 3)",
        "password eq 'x'",
        "status eq 'three'",
        "courseName eq 3",
        "isActive gt true",
        "id gt guid'aa000000-0000-4000-8000-000000000001'",
        "courseVersionId eq guid'not-a-guid'",
        "dateAdded gt datetime'yesterday'",
        "dateAdded gt datetime'0001-01-01T00:00:00'",
        "null eq null",
        "3 eq 3",
        "substringof(courseName, 'x')",
        "substringof('x')",
        "startswith(status, 'x')",
        "frobnicate(courseName)",
        "courseName eq 'unterminated",
        "status eq 3; DROP TABLE absorb_course_enrollments",
        "status eq 99999999999999999999999",
        "courseName eq 'a' or",
        "not",
        "customFields/decimal1 eq 1",
        "'x'",
    ],
)
def test_malformed_filters_are_refused(db_session: Session, text: str) -> None:
    with pytest.raises(QueryError):
        compile_filter(text, fields.COURSE_ENROLLMENT)


def test_filter_length_and_depth_are_bounded() -> None:
    with pytest.raises(QueryError, match="longer"):
        compile_filter("status eq 1 or " * 200 + "status eq 1", fields.COURSE_ENROLLMENT)
    nested = "(" * (MAX_DEPTH + 1) + "status eq 1" + ")" * (MAX_DEPTH + 1)
    assert len(nested) < MAX_LENGTH
    with pytest.raises(QueryError, match="nested"):
        compile_filter(nested, fields.COURSE_ENROLLMENT)
    with pytest.raises(QueryError, match="nested"):
        compile_filter("not " * (MAX_DEPTH + 1) + "isActive", fields.COURSE_ENROLLMENT)
    compile_filter("(" * MAX_DEPTH + "status eq 1" + ")" * MAX_DEPTH, fields.COURSE_ENROLLMENT)


@pytest.mark.both_databases
def test_sort_orders_by_fields_with_descending_prefix(db_session: Session) -> None:
    _seed(db_session)
    order = compile_sort("-status,courseName", fields.COURSE_ENROLLMENT)
    assert list(db_session.scalars(select(CE.id).order_by(*order))) == ["e4", "e1", "e2", "e3"]
    for bad in ("", "nope", "status,", "-", "status,-status", ",".join(["status"] * 11)):
        with pytest.raises(QueryError):
            compile_sort(bad, fields.COURSE_ENROLLMENT)


_TOKENS = st.sampled_from(
    [
        "status",
        "courseName",
        "isActive",
        "dateAdded",
        "courseVersionId",
        "progress",
        "nope",
        "customFields/x",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "and",
        "or",
        "not",
        "(",
        ")",
        ",",
        "null",
        "true",
        "false",
        "'a'",
        "'it''s'",
        "''",
        "3",
        "-1",
        "2.5",
        "99999999999999999999",
        "guid'aa000000-0000-4000-8000-000000000001'",
        "guid'x'",
        "datetime'2026-01-01T00:00:00Z'",
        "datetime'9999-12-31T23:59:59-05:00'",
        "datetime'x'",
        "substringof",
        "startswith",
        "endswith",
        "tolower",
        "toupper",
        "'",
        "%",
        "_",
        ";",
        "--",
        "\\",
    ]
)
_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)


@pytest.mark.both_databases
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.lists(_TOKENS, max_size=14).map(" ".join), _TEXT))
def test_hostile_filters_yield_sql_or_a_query_error(db_session: Session, text: str) -> None:
    try:
        where = compile_filter(text, fields.COURSE_ENROLLMENT)
    except QueryError:
        return
    # Whatever compiled must also run: no type, overflow or syntax error reaches the database.
    db_session.execute(select(CE.id).where(where)).all()


@pytest.mark.both_databases
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.lists(st.sampled_from(["status", "-status", "fullName", "x", "-", "", " "]), max_size=5).map(",".join), _TEXT
    )
)
def test_hostile_sorts_yield_order_or_a_query_error(db_session: Session, text: str) -> None:
    try:
        order = compile_sort(text, fields.COURSE_ENROLLMENT)
    except QueryError:
        return
    db_session.execute(select(CE.id).order_by(*order)).all()
