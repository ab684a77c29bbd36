"""SearchClassEnrollments / SearchClasses: filters, sort with " DESC", paging, hostile strings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.vendors.skillable import search
from simulator.vendors.skillable.models import SkillableClassEnrollment
from simulator.vendors.skillable.records import ClassRecord, EnrollmentRecord
from simulator.vendors.skillable.search import ClassFilter, EnrollmentFilter, Page

from .conftest import NOW


def ids(rows: list[EnrollmentRecord] | list[ClassRecord]) -> list[int]:
    return [r.id for r in rows]


def stored(session: Session, column: str) -> dict[int, object]:
    """A column of every enrollment the wire does not show (creation time, tenant), by id."""
    e = SkillableClassEnrollment
    return {row[0]: row[1] for row in session.execute(select(e.id, getattr(e, column)))}


def test_default_sort_is_class_name_then_id(demo: Session) -> None:
    rows, total = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page())
    names = [(r.class_id, r.id) for r in rows]
    assert total == 65 and len(rows) == 65
    by_name = {3001: "AZ-104", 3002: "AWS", 3003: "Kubernetes", 3004: "Cisco", 3005: "Security+", 3006: "ITIL"}
    expected = sorted(names, key=lambda p: (by_name[p[0]], p[1]))
    assert names == expected


def test_pages_cover_everything_once(demo: Session) -> None:
    seen: list[int] = []
    for index in range(7):
        rows, total = search.search_enrollments(
            demo, "acme", EnrollmentFilter(), Page(index=index, size=10, sort="Created DESC")
        )
        assert total == 65
        seen += ids(rows)
    assert len(seen) == 65 == len(set(seen))
    last, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(index=6, size=10))
    assert len(last) == 5
    beyond, total = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(index=2_147_483_647, size=1000))
    assert beyond == [] and total == 65


@pytest.mark.parametrize("field", search.SORT_FIELDS)
def test_desc_reverses_the_order_of_the_sort_key(demo: Session, field: str) -> None:
    asc, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(size=1000, sort=field))
    desc, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(size=1000, sort=f"{field} DESC"))
    assert sorted(ids(asc)) == sorted(ids(desc))
    assert ids(asc) != ids(desc)


def test_created_desc_puts_the_newest_first(demo: Session) -> None:
    rows, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(size=1000, sort="Created DESC"))
    created_at = stored(demo, "created")
    created = [created_at[r.id] for r in rows]
    assert created == sorted(created, reverse=True)


def test_filters_combine(demo: Session) -> None:
    rows, total = search.search_enrollments(
        demo, "acme", EnrollmentFilter(class_id=3001, enrollment_status_id=20), Page()
    )
    assert total == 3 and {r.user_id for r in rows} == {513, 514, 515}
    rows, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(student_id=501), Page())
    assert {r.class_id for r in rows} == {3001, 3002, 3003, 3004} and all(r.user_id == 501 for r in rows)


def test_class_name_is_a_case_insensitive_substring(demo: Session) -> None:
    rows, total = search.search_enrollments(demo, "acme", EnrollmentFilter(class_name="azure"), Page())
    assert total == 16 and {r.class_id for r in rows} == {3001}


@pytest.mark.parametrize("hostile", ["%", "_", "' OR 1=1 --", "\\", "%%_%", "\x00", "A" * 200])
def test_hostile_class_names_match_literally(demo: Session, hostile: str) -> None:
    _, total = search.search_enrollments(demo, "acme", EnrollmentFilter(class_name=hostile), Page())
    assert total == 0


def test_created_window_is_exclusive(demo: Session) -> None:
    three_days_ago = NOW - dt.timedelta(days=3)
    after, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(created_after=three_days_ago), Page(size=1000))
    before, _ = search.search_enrollments(
        demo, "acme", EnrollmentFilter(created_before=three_days_ago), Page(size=1000)
    )
    exact, _ = search.search_enrollments(demo, "acme", EnrollmentFilter(), Page(size=1000))
    created = stored(demo, "created")
    at = [r for r in exact if created[r.id] == three_days_ago]
    assert at, "the demo data has enrollments created exactly three days ago"
    assert all(created[r.id] > three_days_ago for r in after)
    assert all(created[r.id] < three_days_ago for r in before)
    assert len(after) + len(before) + len(at) == 65


def test_search_never_crosses_organizations(demo: Session) -> None:
    rows, total = search.search_enrollments(demo, "globex", EnrollmentFilter(class_id=3001), Page())
    assert (rows, total) == ([], 0)
    rows, _ = search.search_enrollments(demo, "globex", EnrollmentFilter(), Page(size=1000))
    tenant = stored(demo, "tenant")
    assert all(tenant[r.id] == "globex" for r in rows) and len(rows) == 65


def test_search_classes(demo: Session) -> None:
    rows, total = search.search_classes(demo, "acme", ClassFilter(), Page(sort="Used DESC"))
    assert total == 6 and [r.used for r in rows] == sorted((r.used for r in rows), reverse=True)
    rows, _ = search.search_classes(demo, "acme", ClassFilter(starts_after=NOW), Page(sort="Starts"))
    assert ids(rows) == [3002, 3005, 3001, 3006, 3004]
    rows, _ = search.search_classes(demo, "acme", ClassFilter(confirmation_status_id=7), Page())
    assert ids(rows) == [3003]
    rows, _ = search.search_classes(demo, "globex", ClassFilter(name="TERRA"), Page())
    assert [r.name for r in rows] == ["Terraform Associate"]


def test_sort_values_are_field_and_field_desc() -> None:
    assert "Name" in search.sort_values() and "LastModified DESC" in search.sort_values()
    assert len(search.sort_values()) == 2 * len(search.SORT_FIELDS)
