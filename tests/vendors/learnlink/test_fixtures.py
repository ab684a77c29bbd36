"""The demo fixture and the fixture loader's validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core.fixtures import FixtureContext, FixtureError
from simulator.vendors.learnlink import states
from simulator.vendors.learnlink.backend import enrolments
from simulator.vendors.learnlink.fixtures import load_tenant
from simulator.vendors.learnlink.models import (
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkEnrolmentEvent,
    LearnlinkUser,
)


@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_demo_tenant_has_enough_data_in_every_status(demo: Session, tenant: str) -> None:
    def count(model: Any) -> int:
        return int(demo.scalar(select(func.count()).select_from(model).where(model.tenant == tenant)) or 0)

    assert count(LearnlinkUser) >= 20
    assert count(LearnlinkContent) >= 5
    assert count(LearnlinkEnrolment) >= 50
    by_status = enrolments.count_by_status(demo, tenant)
    assert set(by_status) == set(states.STATUSES), by_status


def test_demo_history_is_replayed_through_the_rules(demo: Session, t0: dt.datetime) -> None:
    # Ada (u01) completed the recurring leadership assignment 380 days ago: it was open,
    # complete, then scheduled for the next period, which opened 15 days ago.
    row = demo.scalar(
        select(LearnlinkEnrolment).where(
            LearnlinkEnrolment.assignment_id == "64b000000000000000f00002",
            LearnlinkEnrolment.user_id == "64b000000000000000b00001",
        )
    )
    assert row is not None
    log = enrolments.history(demo, [row.id])[row.id]
    steps = [(e.previous_status, e.next_status, e.created_at) for e in log]
    assigned, completed, period = t0 - dt.timedelta(days=400), t0 - dt.timedelta(days=380), dt.timedelta(days=365)
    assert steps == [
        ("unassigned", "open", assigned),
        ("open", "complete", completed),
        ("complete", "scheduled", completed),
        ("scheduled", "open", completed + period),
    ]
    assert row.status == states.OPEN
    assert row.due_date == completed + period + dt.timedelta(days=60)


def test_every_first_history_entry_starts_unassigned(demo: Session) -> None:
    first_ids = select(func.min(LearnlinkEnrolmentEvent.id)).group_by(LearnlinkEnrolmentEvent.enrolment_id)
    previous = set(
        demo.scalars(select(LearnlinkEnrolmentEvent.previous_status).where(LearnlinkEnrolmentEvent.id.in_(first_ids)))
    )
    assert previous == {"unassigned"}
    later = demo.scalar(
        select(func.count())
        .select_from(LearnlinkEnrolmentEvent)
        .where(LearnlinkEnrolmentEvent.id.not_in(first_ids), LearnlinkEnrolmentEvent.previous_status == "unassigned")
    )
    assert later == 0


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"tenantId": 5}, "tenants.acme.learnlink.tenantId"),
        ({"credentials": []}, "tenants.acme.learnlink.credentials"),
        (
            {"assignments": [{"key": "x", "audience": "nope", "content": "c1", "assignedAt": "@now"}]},
            "assignments[0].audience",
        ),
        (
            {
                "assignments": [
                    {"key": "x", "audience": "all", "content": "c1", "completionPeriod": 0, "assignedAt": "@now"}
                ]
            },
            "completionPeriod",
        ),
        ({"completions": [{"user": "u01", "content": "c1", "completedAt": "@now+P1D"}]}, "completions[0]"),
        ({"users": [{"key": "u99", "id": "XYZ"}]}, "users[0].id"),
    ],
)
def test_invalid_sections_name_the_offending_field(
    session: Session, t0: dt.datetime, demo_section: Callable[[str], dict[str, Any]], patch: dict[str, Any], where: str
) -> None:
    section = {**demo_section("acme"), **patch}
    with pytest.raises(FixtureError) as info:
        load_tenant(FixtureContext(session=session, now=t0), "acme", section)
    assert where in str(info.value)
