"""Class-enrollment rules: capacity, waitlist promotion, late cancel, invalid combinations."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from simulator.core.errors import ApiError
from simulator.vendors.skillable import backend
from simulator.vendors.skillable.backend import EnrollmentFields
from simulator.vendors.skillable.models import (
    SkillableClass,
    SkillableClassEnrollment,
    SkillableUser,
)
from simulator.vendors.skillable.states import CompletionStatus as C
from simulator.vendors.skillable.states import EnrollmentStatus as E

from .conftest import NOW

FULL_CLASS = 3001  # Size 12, 12 enrolled, waitlist 513 -> 514 -> 515, starts in 14 days, window 72 h
SOON_CLASS = 3002  # Size 10, 6 enrolled, starts in 48 h, window 72 h
VIRTUAL_CLASS = 3005  # Size 8, 5 enrolled + 2 audit
CANCELLED_CLASS = 3006
FREE_USER = 524  # enrolled nowhere in the demo data


def fields(class_id: int, user_id: int, status: E, completion: C = C.UNKNOWN, **extra: object) -> EnrollmentFields:
    return EnrollmentFields(
        class_id=class_id, user_id=user_id, enrollment_status=status, completion_status=completion, **extra
    )  # type: ignore[arg-type]


def status_of(session: Session, class_id: int, user_id: int) -> E:
    row = backend.get_enrollment_by_class_and_user(session, "acme", class_id, user_id)
    return E(row.enrollment_status_id)


def stored(session: Session, enrollment_id: int) -> backend.EnrollmentRecord:
    """The enrollment as the database now holds it."""
    return backend.get_enrollment(session, "acme", enrollment_id)


def last_modified(session: Session, enrollment_id: int) -> dt.datetime | None:
    return session.scalar(
        select(SkillableClassEnrollment.last_modified).where(SkillableClassEnrollment.id == enrollment_id)
    )


def used(session: Session, class_id: int) -> int:
    return backend.get_class(session, "acme", class_id).used


def seat_count(session: Session, class_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                SkillableClassEnrollment.class_id == class_id,
                SkillableClassEnrollment.enrollment_status_id.in_([int(E.ENROLL), int(E.AUDIT)]),
            )
        )
        or 0
    )


def test_demo_data_used_matches_seat_holders(demo: Session) -> None:
    for klass in demo.scalars(select(SkillableClass)):
        assert klass.used == seat_count(demo, klass.id) <= klass.size


def test_enroll_with_a_free_seat_takes_it(demo: Session) -> None:
    before = used(demo, SOON_CLASS)
    row = backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, FREE_USER, E.ENROLL, location_type_id=30))
    assert row.enrollment_status_id == E.ENROLL
    assert row.id >= backend.FIRST_ENROLLMENT_ID
    assert used(demo, SOON_CLASS) == before + 1


def test_enroll_into_a_full_class_goes_to_the_waitlist(demo: Session) -> None:
    row = backend.create_enrollment(demo, "acme", NOW, fields(FULL_CLASS, FREE_USER, E.ENROLL))
    assert row.enrollment_status_id == E.WAITLIST
    assert row.waitlisted_at == NOW
    assert used(demo, FULL_CLASS) == 12


def test_audit_into_a_full_class_also_waits(demo: Session) -> None:
    row = backend.create_enrollment(demo, "acme", NOW, fields(FULL_CLASS, FREE_USER, E.AUDIT))
    assert row.enrollment_status_id == E.WAITLIST


def test_cancel_promotes_the_longest_waiting_student(demo: Session) -> None:
    enrolled = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, enrolled.id, fields(FULL_CLASS, 501, E.CANCEL))
    assert status_of(demo, FULL_CLASS, 501) == E.CANCEL
    assert status_of(demo, FULL_CLASS, 513) == E.ENROLL  # waited longest
    assert status_of(demo, FULL_CLASS, 514) == E.WAITLIST
    assert status_of(demo, FULL_CLASS, 515) == E.WAITLIST
    assert used(demo, FULL_CLASS) == 12 == seat_count(demo, FULL_CLASS)
    promoted = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 513)
    assert promoted.waitlisted_at is None and last_modified(demo, promoted.id) == NOW


def test_each_freed_seat_promotes_the_next_in_line(demo: Session) -> None:
    for user in (501, 502, 503):
        row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, user)
        backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, user, E.CANCEL))
    assert [status_of(demo, FULL_CLASS, u) for u in (513, 514, 515)] == [E.ENROLL] * 3
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 504)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 504, E.CANCEL))
    assert used(demo, FULL_CLASS) == 11  # nobody left waiting


def test_a_late_joiner_waits_behind_earlier_ones(demo: Session) -> None:
    late = backend.create_enrollment(demo, "acme", NOW, fields(FULL_CLASS, FREE_USER, E.ENROLL))
    for user in (501, 502, 503):
        row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, user)
        backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, user, E.CANCEL))
    assert backend.get_enrollment(demo, "acme", late.id).enrollment_status_id == E.WAITLIST
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 504)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 504, E.CANCEL))
    assert backend.get_enrollment(demo, "acme", late.id).enrollment_status_id == E.ENROLL


def test_cancelling_a_waitlisted_student_frees_no_seat(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 513)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 513, E.CANCEL))
    assert status_of(demo, FULL_CLASS, 514) == E.WAITLIST
    assert backend.get_enrollment(demo, "acme", row.id).late_cancel is False


def test_cancel_outside_the_window_is_not_late(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 501, E.CANCEL))
    assert stored(demo, row.id).late_cancel is False


def test_cancel_inside_the_window_is_late(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", SOON_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(SOON_CLASS, 501, E.CANCEL))
    assert stored(demo, row.id).late_cancel is True


def test_the_window_opens_as_the_clock_moves(demo: Session) -> None:
    start = backend.get_class(demo, "acme", FULL_CLASS).start
    just_before = start - dt.timedelta(hours=72, seconds=1)
    just_inside = start - dt.timedelta(hours=72)
    early = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    backend.update_enrollment(demo, "acme", just_before, early.id, fields(FULL_CLASS, 501, E.CANCEL))
    late = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 502)
    backend.update_enrollment(demo, "acme", just_inside, late.id, fields(FULL_CLASS, 502, E.CANCEL))
    assert (stored(demo, early.id).late_cancel, stored(demo, late.id).late_cancel) == (False, True)


def test_a_client_may_flag_a_cancel_as_late(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 501, E.CANCEL, late_cancel=True))
    assert stored(demo, row.id).late_cancel is True


def test_re_enrolling_after_a_cancel_clears_late_cancel(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", SOON_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(SOON_CLASS, 501, E.CANCEL))
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(SOON_CLASS, 501, E.ENROLL))
    after = stored(demo, row.id)
    assert (after.enrollment_status_id, after.late_cancel) == (E.ENROLL, False)


@pytest.mark.parametrize("status", [E.ENROLL, E.AUDIT])
def test_completion_is_accepted_for_seat_holders(demo: Session, status: E) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", VIRTUAL_CLASS, 511)
    backend.update_enrollment(
        demo, "acme", NOW, row.id, fields(VIRTUAL_CLASS, 511, status, C.COMPLETE, grade=91, hours_spent=8)
    )
    row = stored(demo, row.id)
    assert (row.enrollment_status_id, row.completion_status_id, row.grade, row.hours_spent) == (
        status,
        C.COMPLETE,
        91,
        8,
    )


@pytest.mark.parametrize("status", [E.REQUEST, E.APPROVE, E.DENY, E.WAITLIST])
def test_strict_completion_is_refused_for_other_statuses(demo: Session, status: E) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, FREE_USER, status, C.ATTENDING), strict=True)
    assert err.value.status == 400 and "completionStatusId 10" in err.value.message


def test_strict_completion_on_a_full_class_enroll_is_refused_with_the_reason(demo: Session) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(FULL_CLASS, FREE_USER, E.ENROLL, C.ATTENDING), strict=True)
    assert "is full" in err.value.message


def test_strict_cancel_with_a_completion_status_is_refused(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", VIRTUAL_CLASS, 511)  # Attending
    with pytest.raises(ApiError):
        backend.update_enrollment(
            demo, "acme", NOW, row.id, fields(VIRTUAL_CLASS, 511, E.CANCEL, C.ATTENDING), strict=True
        )


def test_late_cancel_flag_needs_a_cancel(demo: Session) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, FREE_USER, E.REQUEST, late_cancel=True))
    assert "lateCancel" in err.value.message


def test_second_create_for_the_same_class_and_user_is_refused(demo: Session) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(FULL_CLASS, 501, E.ENROLL))
    existing = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    assert err.value.status == 400 and f"ClassEnrollmentId {existing.id}" in err.value.message


def test_strict_new_enrollment_cannot_start_cancelled(demo: Session) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, FREE_USER, E.CANCEL), strict=True)
    assert err.value.status == 400


def test_cancelled_class_takes_no_enrollments(demo: Session) -> None:
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(CANCELLED_CLASS, FREE_USER, E.REQUEST))
    assert err.value.status == 400 and "Cancelled" in err.value.message


@pytest.mark.parametrize(("old_user", "new"), [(501, E.DENY), (501, E.REQUEST), (501, E.WAITLIST), (501, E.APPROVE)])
def test_strict_seat_holders_can_only_cancel_or_switch_to_audit(demo: Session, old_user: int, new: E) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", SOON_CLASS, old_user)
    with pytest.raises(ApiError) as err:
        backend.update_enrollment(demo, "acme", NOW, row.id, fields(SOON_CLASS, old_user, new), strict=True)
    assert "cannot change from Enroll (60)" in err.value.message


def test_by_default_every_documented_code_is_accepted(demo: Session) -> None:
    row = backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, FREE_USER, E.CANCEL, C.NO_SHOW))
    assert (row.enrollment_status_id, row.completion_status_id) == (E.CANCEL, C.NO_SHOW)
    holder = backend.get_enrollment_by_class_and_user(demo, "acme", SOON_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, holder.id, fields(SOON_CLASS, 501, E.REQUEST))
    assert stored(demo, holder.id).enrollment_status_id == E.REQUEST


def test_enroll_to_audit_keeps_the_seat(demo: Session) -> None:
    before = used(demo, FULL_CLASS)
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 501, E.AUDIT))
    assert (stored(demo, row.id).enrollment_status_id, used(demo, FULL_CLASS)) == (E.AUDIT, before)
    assert status_of(demo, FULL_CLASS, 513) == E.WAITLIST


def test_update_must_name_the_enrollments_own_class_and_user(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    with pytest.raises(ApiError, match="classId 3002 does not match"):
        backend.update_enrollment(demo, "acme", NOW, row.id, fields(SOON_CLASS, 501, E.ENROLL))
    with pytest.raises(ApiError, match="userId 502 does not match"):
        backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 502, E.ENROLL))


def test_optional_fields_not_sent_are_kept(demo: Session) -> None:
    row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    external, location = row.external_id, row.location_type_id
    backend.update_enrollment(demo, "acme", NOW, row.id, fields(FULL_CLASS, 501, E.ENROLL, retake=True))
    after = stored(demo, row.id)
    assert (after.external_id, after.location_type_id, after.retake) == (external, location, True)


def test_unknown_class_user_and_enrollment_are_not_found(demo: Session) -> None:
    for call in (
        lambda: backend.create_enrollment(demo, "acme", NOW, fields(999_999, FREE_USER, E.ENROLL)),
        lambda: backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, 999_999, E.ENROLL)),
        lambda: backend.get_enrollment(demo, "acme", 999_999),
        lambda: backend.get_class(demo, "acme", -1),
    ):
        with pytest.raises(ApiError) as err:
            call()
        assert err.value.status == 404


def test_another_organizations_records_are_not_found(demo: Session) -> None:
    acme_row = backend.get_enrollment_by_class_and_user(demo, "acme", FULL_CLASS, 501)
    with pytest.raises(ApiError) as err:
        backend.get_enrollment(demo, "globex", acme_row.id)
    assert err.value.status == 404
    with pytest.raises(ApiError):
        backend.update_enrollment(demo, "globex", NOW, acme_row.id, fields(FULL_CLASS, 501, E.CANCEL))
    with pytest.raises(ApiError):
        backend.get_class(demo, "globex", FULL_CLASS)
    globex_user = demo.scalar(select(SkillableUser.id).where(SkillableUser.tenant == "globex"))
    assert globex_user is not None
    with pytest.raises(ApiError) as err:
        backend.create_enrollment(demo, "acme", NOW, fields(SOON_CLASS, globex_user, E.ENROLL))
    assert err.value.status == 404
