"""Every MSPortal GET answers from statements on the request's connection: none makes an ORM
session (which costs more than the statements themselves), and each still answers in full."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulator.core.context import Principal, Reply, RequestContext
from simulator.core.errors import ApiError
from simulator.core.store import Store
from simulator.testing.harness import InProcessSimulator
from simulator.vendors.msportal import routes

E1 = "ac040000-0000-4000-8000-000000000001"
COURSE1 = "ac030000-0000-4000-8000-000000000001"

GETS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("getEnrollment", {"id": E1}, {}),
    ("listEnrollments", {}, {"limit": 100, "status": "in_progress"}),
    ("listEnrollments", {}, {"page": 2, "limit": 5, "courseId": COURSE1}),
    ("listCourses", {}, {"limit": 100}),
    ("getCourse", {"id": COURSE1}, {}),
    ("listCertificates", {}, {"limit": 100, "includeRevoked": True}),
]


def _answer(sim: InProcessSimulator, operation_id: str, path: dict[str, Any], query: dict[str, Any]) -> Reply:
    handler: Callable[[RequestContext], Reply] = routes.operations.handlers[operation_id]
    with sim.runtime.db.engine.connect() as connection, connection.begin():
        ctx = RequestContext(
            store=Store(connection),  # no session factory: asking for a session fails
            settings=sim.settings,
            vendor="msportal",
            operation_id=operation_id,
            method="GET",
            path="/",
            request_id="r",
            path_params=path,
            query=query,
            principal=Principal(tenant="acme", subject="test"),
        )
        reply = handler(ctx)
        assert not ctx.store.has_session
        return reply


@pytest.mark.parametrize(("operation_id", "path", "query"), GETS)
def test_a_get_answers_without_an_orm_session(
    lms_sim: InProcessSimulator, operation_id: str, path: dict[str, Any], query: dict[str, Any]
) -> None:
    reply = _answer(lms_sim, operation_id, path, query)
    assert reply.status == 200 and reply.body["data"]


def test_a_get_of_something_missing_is_a_404_without_an_orm_session(lms_sim: InProcessSimulator) -> None:
    for operation_id in ("getEnrollment", "getCourse"):
        with pytest.raises(ApiError) as raised:
            _answer(lms_sim, operation_id, {"id": "00000000-0000-4000-8000-000000000000"}, {})
        assert raised.value.status == 404
