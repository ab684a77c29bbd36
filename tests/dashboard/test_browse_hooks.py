"""Every vendor's dashboard hook: normalised rows in the vendor's own statuses, searchable, openable."""

from __future__ import annotations

import pytest

from simulator.core.browse import EnrollmentQuery
from simulator.core.vendor import VendorPlugin
from simulator.testing.harness import InProcessSimulator
from simulator.vendors import all_vendors

VENDORS = [v for v in all_vendors() if v.dashboard is not None]


def test_every_vendor_offers_enrollment_browsing() -> None:
    assert sorted(v.name for v in VENDORS) == ["absorb", "docebo", "learnlink", "msportal", "skillable"]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_rows_carry_only_the_vendors_own_statuses_and_agree_with_the_counts(
    lms_sim: InProcessSimulator, vendor: VendorPlugin
) -> None:
    hooks = vendor.dashboard
    assert hooks is not None
    known = {s.value for s in hooks.statuses}
    with lms_sim.session() as session:
        rows, total = hooks.list_enrollments(session, EnrollmentQuery(tenant="acme", limit=200))
        counts = hooks.status_counts(session)
    assert total == len(rows) > 0
    assert {r.status for r in rows} <= known
    assert {r.tenant for r in rows} == {"acme"}
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    assert counts["acme"] == by_status


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_status_filter_search_and_paging(lms_sim: InProcessSimulator, vendor: VendorPlugin) -> None:
    hooks = vendor.dashboard
    assert hooks is not None
    with lms_sim.session() as session:
        everything, total = hooks.list_enrollments(session, EnrollmentQuery(limit=200))
        first = everything[0]
        same_status, n = hooks.list_enrollments(session, EnrollmentQuery(status=first.status, limit=200))
        assert n == len(same_status) == sum(r.status == first.status for r in everything)
        surname = first.learner.split()[-1]
        found, matched = hooks.list_enrollments(session, EnrollmentQuery(search=surname.upper(), limit=200))
        assert first.id in {r.id for r in found} and 0 < matched < total
        page_two, again = hooks.list_enrollments(session, EnrollmentQuery(limit=5, offset=5))
        assert again == total and [r.id for r in page_two] == [r.id for r in everything[5:10]]
        nothing, zero = hooks.list_enrollments(session, EnrollmentQuery(search="%_no such learner_%"))
        assert (nothing, zero) == ([], 0)
        assert hooks.list_enrollments(session, EnrollmentQuery(status="not-a-status")) == ([], 0)


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_every_listed_enrollment_opens_with_the_same_summary(lms_sim: InProcessSimulator, vendor: VendorPlugin) -> None:
    hooks = vendor.dashboard
    assert hooks is not None
    with lms_sim.session() as session:
        rows, _ = hooks.list_enrollments(session, EnrollmentQuery(limit=200))
        for row in rows:
            detail = hooks.get_enrollment(session, row.tenant, row.id)
            assert detail is not None and detail.summary == row
            assert detail.fields
        assert hooks.get_enrollment(session, "acme", "no-such-id") is None
