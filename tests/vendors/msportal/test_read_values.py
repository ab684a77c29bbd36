"""MSPortal's GET of one enrollment reads its values on the cursor: the same wire form as the ORM's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from simulator.core.errors import ApiError
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.msportal import backend, wire
from simulator.vendors.msportal.models import MspEnrollment

pytestmark = pytest.mark.both_databases


def test_every_demo_enrollment_reads_the_same_on_the_cursor_as_through_the_orm(lms_sim: InProcessSimulator) -> None:
    with lms_sim.session() as session:
        pairs = session.execute(select(MspEnrollment.tenant, MspEnrollment.id)).all()
        assert len(pairs) >= 50
        for tenant, enrollment_id in pairs:
            through_orm = wire.enrollment(*backend.get_enrollment(session, tenant, enrollment_id))
            on_cursor = wire.enrollment_from_values(backend.get_enrollment_values(session, tenant, enrollment_id))
            assert on_cursor == through_orm


def test_an_unknown_or_other_tenants_enrollment_is_not_found(lms_sim: InProcessSimulator) -> None:
    with lms_sim.session() as session:
        acme_id = session.scalars(select(MspEnrollment.id).where(MspEnrollment.tenant == "acme")).first()
        assert acme_id is not None
        for tenant, enrollment_id in (("acme", "ac040000-0000-4000-8000-00000000ffff"), ("globex", acme_id)):
            with pytest.raises(ApiError) as raised:
                backend.get_enrollment_values(session, tenant, enrollment_id)
            assert raised.value.status == 404
