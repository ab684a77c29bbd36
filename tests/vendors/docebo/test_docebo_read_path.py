"""What Docebo's reads render, and that they render it without an ORM session."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from simulator.core.spec import load_spec, operations
from simulator.core.store import Store
from simulator.vendors.docebo import VENDOR

OPERATIONS = {op.operation_id: op for op in operations(load_spec("docebo.yaml"))}


def _no_session(**_: Any) -> Session:
    raise AssertionError("a read made an ORM session")


@pytest.mark.parametrize(
    ("operation_id", "kwargs"),
    [
        ("getEnrollment", {"path_params": {"course_id": 101, "user_id": 12301}}),
        ("listEnrollments", {"query": {"page_size": 100}}),
        ("listEnrollments", {"query": {"id_user": [12301, 12302], "status": ["completed"], "search": "safe"}}),
        ("listEnrollments", {"query": {"course_id": [101], "type": ["elearning"], "page": 2, "page_size": 1}}),
        ("getSession", {}),
        ("getUser", {"path_params": {"user_id": 12301}}),
        ("getCourse", {"path_params": {"course_id": 101}}),
        ("listUsers", {"query": {"search_text": "rossi", "page_size": 5}}),
        ("listCourses", {"query": {"type": ["elearning", "webinar"]}}),
        ("listLearnCourses", {"query": {"search_text": "safety"}}),
    ],
)
def test_reads_make_no_orm_session(session: Session, call: Any, operation_id: str, kwargs: dict[str, Any]) -> None:
    token = call.token()
    session.flush()
    store = Store(session.connection(), sessions=_no_session)  # the same transaction, no ORM
    ctx = call.context(operation_id, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    ctx.store = store
    principal = VENDOR.authenticate(ctx, OPERATIONS[operation_id])
    assert principal is not None
    ctx.authenticate_as(principal)
    reply = VENDOR.operations.handlers[operation_id](ctx)
    assert reply.status == 200, reply.body
    assert not store.has_session
    # The same answer as through the ORM-backed store the other tests use.
    assert call(operation_id, token=token, **kwargs).body == reply.body


def test_list_filters_of_every_length_answer_alike(call: Any) -> None:
    """Each number of filter values is a statement of its own: each must filter the same way."""
    token = call.token()
    everything = call("listEnrollments", token=token, query={}).body["data"]["items"]
    users = sorted({item["user_id"] for item in everything})
    for count in range(1, 4):
        chosen = users[:count]
        found = call("listEnrollments", token=token, query={"id_user": chosen}).body["data"]
        expected = [item for item in everything if item["user_id"] in chosen]
        assert found["items"] == expected and found["count"] == len(expected)


def test_dates_before_year_1000_keep_four_digit_years(call: Any) -> None:
    token = call.token()
    path = {"path_params": {"course_id": 101, "user_id": 12301}}
    body = {"date_begin_validity": "0999-01-02 03:04:05"}
    assert call("updateEnrollment", token=token, body=body, **path).status == 200
    record = call("getEnrollment", token=token, **path).body["data"]["records"]
    assert record["enroll_begin_date"] == "0999-01-02 03:04:05"
    listed = call("listEnrollments", token=token, query={"id_user": [12301], "course_id": [101]}).body["data"]
    assert listed["items"][0]["enroll_begin_date"] == "0999-01-02 03:04:05"
