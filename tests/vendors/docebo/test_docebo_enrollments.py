"""Bulk enroll and unenroll, the single-enrollment operations, the list, tenant isolation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.vendors.docebo.models import DoceboEnrollment


def count(session: Session, tenant: str = "acme", **where: int) -> int:
    conditions = [DoceboEnrollment.tenant == tenant] + [getattr(DoceboEnrollment, k) == v for k, v in where.items()]
    return session.scalar(select(func.count()).select_from(DoceboEnrollment).where(*conditions)) or 0


def enrolled(session: Session, course_id: int, user_id: int, tenant: str = "acme") -> bool:
    return count(session, tenant, course_id=course_id, user_id=user_id) == 1


# -- bulk enroll -----------------------------------------------------------------------


def test_bulk_enroll_every_user_in_every_course(session: Session, call: Any) -> None:
    # 12321 and 12322 have no enrollments in the demo data.
    assert count(session, user_id=12321) == count(session, user_id=12322) == 0
    body = {
        "user_ids": [12321, 12322],
        "course_ids": [101, 106],
        "level": 6,
        "date_expire_validity": "2027-01-31 23:59:59",
    }
    reply = call("enrollUsers", token=call.token(), body=body)
    assert reply.status == 200
    report, *failures = reply.body["data"]["errors"]
    assert failures == [] and reply.body["data"]["enrolled"] == [12321, 12322]
    assert {(e["id_course"], e["id_user"]) for e in report["enrolled"]} == {
        (c, u) for c in (101, 106) for u in (12321, 12322)
    }
    assert all(e["waiting"] is False for e in report["enrolled"])
    view = call("getEnrollment", token=call.token(), path_params={"course_id": 106, "user_id": 12322}).body["data"][
        "records"
    ]
    assert (view["status"], view["level"], view["enroll_end_date"]) == (0, 6, "2027-01-31 23:59:59")


def test_bulk_enroll_reports_existing_and_unknown_pairs(session: Session, call: Any) -> None:
    # 12301 is enrolled in 101 in the demo data; 999999 is nobody; 7 is no course.
    body = {"user_id": [12301, 12321, 999999], "course_id": [101, 7]}
    reply = call("enrollUsers", token=call.token(), body=body)
    assert reply.status == 200
    data = reply.body["data"]
    report, *failures = data["errors"]
    assert data["enrolled"] == [12321]
    assert report == {"enrolled": [{"id_user": 12321, "id_course": 101, "waiting": False}]}
    assert len(failures) == 5
    assert {"id_user": 12301, "id_course": 101, "message": "User is already enrolled in the course"} in failures
    assert {"id_user": 999999, "id_course": 101, "message": "User not found"} in failures
    assert enrolled(session, 101, 12321)


def test_bulk_enroll_cap_and_invalid_date_change_nothing(session: Session, call: Any) -> None:
    before = count(session)
    too_many = call("enrollUsers", token=call.token(), body={"user_ids": list(range(1, 1002)), "course_ids": [101]})
    bad_date = call(
        "enrollUsers",
        token=call.token(),
        body={"user_ids": [12321], "course_ids": [101], "date_begin_validity": "2026-02-29"},
    )
    assert too_many.status == bad_date.status == 400
    assert count(session) == before


# -- bulk unenroll ---------------------------------------------------------------------


def test_bulk_unenroll(session: Session, call: Any) -> None:
    assert enrolled(session, 101, 12301) and not enrolled(session, 106, 12301)
    reply = call("unenrollUsers", token=call.token(), body={"user_ids": [12301], "course_ids": [101, 106]})
    assert reply.status == 200
    assert reply.body["data"]["un_enrolled"] == [{"course_id": 101, "user_id": 12301}]
    assert len(reply.body["data"]["errors"]) == 1 and "not enrolled" in reply.body["data"]["errors"][0]
    assert not enrolled(session, 101, 12301)


def test_bulk_unenroll_1001_users_is_a_400(session: Session, call: Any) -> None:
    before = count(session)
    reply = call("unenrollUsers", token=call.token(), body={"user_ids": list(range(12300, 13301)), "course_ids": [101]})
    assert reply.status == 400
    assert count(session) == before


# -- single ----------------------------------------------------------------------------


def path(course_id: int, user_id: int) -> dict[str, Any]:
    return {"path_params": {"course_id": course_id, "user_id": user_id}}


def test_single_lifecycle(session: Session, call: Any) -> None:
    token = call.token()
    assert call("getEnrollment", token=token, **path(106, 12321)).status == 404
    created = call("enrollUser", token=token, body={"level": 4}, **path(106, 12321))
    assert created.status == 200
    assert created.body["data"]["errors"][0]["enrolled"] == [{"id_user": 12321, "id_course": 106, "waiting": False}]
    assert call("enrollUser", token=token, **path(106, 12321)).status == 409
    updated = call(
        "updateEnrollment",
        token=token,
        body={"status": 2, "date_complete": "2026-11-02 12:00:00", "score_given": 88},
        **path(106, 12321),
    )
    assert updated.status == 200
    assert updated.body["data"] == {"updated": [{"course_id": 106, "user_id": 12321}], "not_updated": []}
    record = call("getEnrollment", token=token, **path(106, 12321)).body["data"]["records"]
    assert (record["status"], record["level"], record["course_complete_date"], record["score"]) == (
        2,
        4,
        "2026-11-02 12:00:00",
        88,
    )
    assert record["type"] == 1 and record["course_code"] == "COMP-410"
    deleted = call("unenrollUser", token=token, **path(106, 12321))
    assert deleted.status == 200 and deleted.body["data"] == {"deleted_enrollment": 106}
    for op in ("getEnrollment", "unenrollUser"):
        assert call(op, token=token, **path(106, 12321)).status == 404
    # As the multiple update answers a pair not enrolled: 200, the pair in `not_updated`.
    not_enrolled = call("updateEnrollment", token=token, body={"status": 1}, **path(106, 12321))
    assert not_enrolled.status == 200 and not_enrolled.body["data"]["updated"] == []


@pytest.mark.parametrize(("course_id", "user_id", "word"), [(999, 12301, "Course"), (101, 999999, "User")])
def test_single_unknown_ids_are_404(call: Any, course_id: int, user_id: int, word: str) -> None:
    for op in ("enrollUser", "getEnrollment", "updateEnrollment", "unenrollUser"):
        reply = call(op, token=call.token(), body={}, **path(course_id, user_id))
        assert reply.status == 404
        assert reply.body["message"].startswith(word) and reply.body["version"] == "1.0.0"


def test_single_update_in_progress_stamps_first_access_once(call: Any, session: Session) -> None:
    token = call.token()
    call("enrollUser", token=token, **path(106, 12321))
    call("updateEnrollment", token=token, body={"status": 1}, **path(106, 12321))
    first = call("getEnrollment", token=token, **path(106, 12321)).body["data"]["records"]["date_first_access"]
    assert first == "2026-11-20 09:30:00"


# -- list ------------------------------------------------------------------------------


def items(call: Any, **query: Any) -> list[dict[str, Any]]:
    reply = call("listEnrollments", token=call.token(), query=query)
    assert reply.status == 200, reply.body
    return list(reply.body["data"]["items"])


def test_list_envelope_and_string_forms(session: Session, call: Any) -> None:
    reply = call("listEnrollments", token=call.token(), query={"page_size": 7, "page": 2})
    data = reply.body["data"]
    total = count(session)
    assert (data["count"], data["current_page"], data["current_page_size"]) == (total, 2, 7)
    assert data["total_page_count"] == -(-total // 7) and data["has_more_data"] is True
    assert len(data["items"]) == 7
    assert reply.body["version"] == "1.0.0" and reply.body["_links"] == []
    assert {i["status"] for i in items(call)} <= {
        "waiting_list",
        "to_confirm",
        "subscribed",
        "in_progress",
        "completed",
        "suspended",
        "overbooking",
    }
    assert {i["level"] for i in items(call)} <= {"learner", "instructor"}


def test_list_last_page_and_beyond(session: Session, call: Any) -> None:
    total = count(session)
    last = call("listEnrollments", token=call.token(), query={"page_size": 50, "page": -(-total // 50)}).body["data"]
    assert last["has_more_data"] is False and len(last["items"]) == total - 50 * (last["current_page"] - 1)
    assert items(call, page=99) == []


def test_list_filters(call: Any) -> None:
    mine = items(call, id_user=[12301])
    assert mine and {i["user_id"] for i in mine} == {12301}
    assert items(call, user_id=[12301]) == mine
    both = items(call, id_user=[12301, 12302], course_id=[102])
    assert {(i["id"], i["user_id"]) for i in both} <= {(102, 12301), (102, 12302)} and both
    completed = items(call, status=["completed"])
    assert completed and {i["status"] for i in completed} == {"completed"}
    assert all(i["course_complete_date"] for i in completed)
    classroom = items(call, type=["classroom"])
    assert classroom and {i["type"] for i in classroom} == {"classroom"}
    assert items(call, type=["learning_plan"]) == []
    assert {i["code"] for i in items(call, search="forklift")} == {"FORK-110"}


@pytest.mark.parametrize("hostile", ["%", "_", "' OR 1=1 --", "\\", "%%_\\'\"", "\x00", "日本語"])
def test_hostile_search_strings_match_literally(call: Any, hostile: str) -> None:
    assert items(call, search=hostile) == []


def test_tenants_do_not_see_each_other(session: Session, call: Any) -> None:
    acme, globex = call.token("acme"), call.token("globex")
    # Course 101 and user 12301 are acme's: globex gets "not found" for them.
    assert call("getEnrollment", token=globex, **path(101, 12301)).status == 404
    assert call("getCourse", token=globex, path_params={"course_id": 101}).status == 404
    assert call("getUser", token=globex, path_params={"user_id": 12301}).status == 404
    bulk = call("updateEnrollments", token=globex, body={"user_ids": [12301], "course_ids": [101], "status": 3})
    assert bulk.status == 200 and bulk.body["data"]["updated"] == []
    assert call("getEnrollment", token=acme, **path(101, 12301)).body["data"]["records"]["status"] == 2
    assert {i["id"] for i in call("listEnrollments", token=globex).body["data"]["items"]} <= {201, 202, 203, 204, 205}


# -- directory -------------------------------------------------------------------------


def test_users_and_courses(call: Any) -> None:
    token = call.token()
    users = call("listUsers", token=token, query={"search_text": "rossi"}).body["data"]["items"]
    assert [u["username"] for u in users] == ["maria.rossi"] and users[0]["user_id"] == "12301"
    user = call("getUser", token=token, path_params={"user_id": 12300}).body["data"]["user_data"]
    assert (user["username"], user["level"]) == ("api.admin", "godadmin")
    courses = call("listCourses", token=token, query={"type": ["webinar"]}).body["data"]
    assert [c["id_course"] for c in courses["items"]] == [104] and courses["count"] == 1
    course = call("getCourse", token=token, path_params={"course_id": 103}).body["data"]
    assert (course["code"], course["course_type"]) == ("FORK-110", "classroom")
