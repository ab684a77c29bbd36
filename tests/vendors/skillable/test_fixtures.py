"""The fixture section is validated with the API's own rules, naming the offending field."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.fixtures import FixtureContext, FixtureError
from simulator.vendors.skillable.fixtures import load_tenant
from simulator.vendors.skillable.models import SkillableClassEnrollment

from .conftest import NOW


def section(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "api_keys": [{"Key": "k1"}],
        "users": [
            {"Id": 1, "FirstName": "A", "LastName": "B", "Email": "a@b.test"},
            {"Id": 2, "FirstName": "C", "LastName": "D", "Email": "c@d.test"},
        ],
        "classes": [{"Id": 10, "Name": "One seat", "Start": "@now+P1D", "End": "@now+P2D", "Size": 1}],
        "class_enrollments": [{"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 60}],
    }
    base.update(overrides)
    return base


def load(session: Session, data: dict[str, Any]) -> None:
    load_tenant(FixtureContext(session=session, now=NOW), "t", data)


def test_a_valid_section_loads_and_allocates_ids(session: Session) -> None:
    load(session, section())
    row = session.scalar(select(SkillableClassEnrollment))
    assert row is not None and row.id >= 100_001 and row.created == NOW


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            {
                "class_enrollments": [
                    {"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 60},
                    {"ClassId": 10, "UserId": 2, "EnrollmentStatusId": 50},
                ]
            },
            "only 1 seats",
        ),
        (
            {"class_enrollments": [{"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 0, "CompletionStatusId": 20}]},
            "CompletionStatusId",
        ),
        (
            {"class_enrollments": [{"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 60, "LateCancel": True}]},
            "LateCancel",
        ),
        ({"class_enrollments": [{"ClassId": 11, "UserId": 1, "EnrollmentStatusId": 0}]}, "ClassId"),
        ({"class_enrollments": [{"ClassId": 10, "UserId": 3, "EnrollmentStatusId": 0}]}, "UserId"),
        ({"class_enrollments": [{"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 5}]}, "EnrollmentStatusId"),
        (
            {
                "class_enrollments": [
                    {"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 0},
                    {"ClassId": 10, "UserId": 1, "EnrollmentStatusId": 0},
                ]
            },
            "already has",
        ),
        (
            {
                "class_enrollments": [
                    {"Id": 5, "ClassId": 10, "UserId": 1, "EnrollmentStatusId": 0},
                    {"Id": 5, "ClassId": 10, "UserId": 2, "EnrollmentStatusId": 0},
                ]
            },
            "duplicate class enrollment",
        ),
        ({"classes": [{"Id": 10, "Name": "x", "Start": "@now+P2D", "End": "@now+P1D", "Size": 1}]}, "End"),
        ({"classes": [{"Id": 10, "Name": "x", "Start": "yesterday", "End": "@now", "Size": 1}]}, "Start"),
        ({"classes": [{"Id": 10, "Name": "x", "Start": "@now", "End": "@now", "Size": True}]}, "Size"),
        ({"api_keys": [{"Key": "k1"}, {"Key": "k1"}]}, "Key"),
        ({"courses": []}, "unknown keys"),
    ],
)
def test_invalid_sections_name_the_problem(session: Session, change: dict[str, Any], where: str) -> None:
    with pytest.raises(FixtureError, match=where):
        load(session, section(**change))


def test_the_demo_fixture_has_enough_of_everything(demo: Session) -> None:
    rows = list(demo.scalars(select(SkillableClassEnrollment).where(SkillableClassEnrollment.tenant == "acme")))
    assert len(rows) >= 50
    assert {r.enrollment_status_id for r in rows} == {0, 10, 20, 30, 40, 50, 60}
    assert {r.completion_status_id for r in rows} == {0, 10, 20, 30, 40, 50}
