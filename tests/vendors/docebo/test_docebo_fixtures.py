"""The demo fixture, the loader's error messages, and the package's house rules."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core.db import UTC
from simulator.core.fixtures import FixtureContext, FixtureError
from simulator.core.spec import load_spec, operations
from simulator.vendors.docebo import VENDOR, states
from simulator.vendors.docebo.fixtures import load_tenant
from simulator.vendors.docebo.models import DoceboCourse, DoceboEnrollment, DoceboUser

PACKAGE = Path(__file__).resolve().parents[3] / "simulator" / "vendors" / "docebo"
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo" / "docebo.yaml"
LOAD_TIME = dt.datetime(2026, 11, 20, tzinfo=UTC)


def demo_section(tenant: str = "acme") -> dict[str, Any]:
    section = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["tenants"][tenant]["docebo"]
    assert isinstance(section, dict)
    return section


@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_demo_data_is_big_enough_and_covers_every_status(session: Session, tenant: str) -> None:
    def count(model: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.tenant == tenant)) or 0

    assert count(DoceboUser) >= 20 and count(DoceboCourse) >= 5 and count(DoceboEnrollment) >= 50
    used = set(session.scalars(select(DoceboEnrollment.status).where(DoceboEnrollment.tenant == tenant)))
    assert used == set(states.STATUS_NAMES)


def test_completed_demo_enrollments_have_completion_dates(session: Session) -> None:
    missing = session.scalar(
        select(func.count()).where(
            DoceboEnrollment.status == states.COMPLETED, DoceboEnrollment.date_complete.is_(None)
        )
    )
    assert missing == 0


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda s: s["users"][1].pop("username"), "users[1].username"),
        (lambda s: s["users"][2].update(id=s["users"][1]["id"]), "users[2].id"),
        (lambda s: s["users"][1].update(id=0), "users[1].id"),
        (lambda s: s["courses"][0].update(type="scorm"), "courses[0].type"),
        (lambda s: s["enrollments"][0].update(status="done"), "enrollments[0].status"),
        (lambda s: s["enrollments"][0].update(level=9), "enrollments[0].level"),
        (lambda s: s["enrollments"][0].update(course_id=999), "enrollments[0].course_id"),
        (lambda s: s["enrollments"][0].update(date_inscr="yesterday"), "enrollments[0].date_inscr"),
        (lambda s: s["clients"][0].update(grants=["implicit"]), "clients[0].grants[0]"),
    ],
)
def test_fixture_errors_name_the_field(db: Any, mutate: Any, where: str) -> None:
    section = copy.deepcopy(demo_section())
    mutate(section)
    with db.transaction() as s, pytest.raises(FixtureError) as raised:
        load_tenant(FixtureContext(session=s, now=LOAD_TIME), "acme", section)
    assert raised.value.where.endswith(where), raised.value


def test_client_ids_are_unique_across_tenants(db: Any) -> None:
    with db.transaction() as s, pytest.raises(FixtureError, match="already used"):
        fx = FixtureContext(session=s, now=LOAD_TIME)
        load_tenant(fx, "acme", demo_section())
        load_tenant(fx, "other", {"clients": demo_section()["clients"]})


def test_every_spec_operation_has_a_handler_and_back() -> None:
    spec_ids = {op.operation_id for op in operations(load_spec(VENDOR.spec_file))}
    assert spec_ids == set(VENDOR.operations.handlers)


def test_every_operation_has_provenance_examples_and_the_statuses_it_can_return() -> None:
    spec = load_spec(VENDOR.spec_file)
    for op in operations(spec):
        responses = set(op.raw["responses"])
        assert op.provenance in ("documented", "inferred"), op.operation_id
        assert {"400", "429"} <= responses, op.operation_id
        if op.security:
            assert {"401", "403"} <= responses, op.operation_id
        if "{" in op.path:
            assert "404" in responses, op.operation_id
        if "requestBody" in op.raw:
            assert "413" in responses, op.operation_id


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_wall_clock_or_randomness_in_vendor_code(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"datetime\.now\(|time\.time\(|uuid4\(|\brandom\b|\.utcnow\(", source), path.name


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small_and_import_only_core(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= 400, path.name
    for module in re.findall(r"^\s*(?:from|import) (simulator\.[\w.]+)", source, re.MULTILINE):
        assert module.startswith(("simulator.core", "simulator.vendors.docebo")), module
