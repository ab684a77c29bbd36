"""Load one tenant's `skillable` fixture section.

    skillable:
      api_keys:          [{Key: skl-acme-key, Name: "Acme integration"}]
      users:             [{Id: 501, FirstName: Ada, LastName: Lovelace, Email: ada@acme.test}]
      classes:           [{Id: 3001, Name: "AZ-104 Azure Administrator", Start: "@now+P14D",
                           End: "@now+P16D", Size: 12, ConfirmationStatusId: 1,
                           LateCancelWindowHours: 72, Created: "@now-P30D"}]
      class_enrollments: [{Id: 45001, ClassId: 3001, UserId: 501, EnrollmentStatusId: 60,
                           CompletionStatusId: 0, LateCancel: false, Retake: false,
                           LocationTypeId: 10, ClassroomId: 7, HoursSpent: 4, Grade: 88,
                           ExternalId: "crm-1", Created: "@now-P3D", WaitlistedAt: "@now-P2D"}]

Entity fields are spelled as on the wire. Ids are explicit for users and classes;
an enrollment without `Id` gets the next free one. The same rules as the API hold:
seat holders (Enroll, Audit) fit in `Size`, completion statuses only on Enroll/Audit,
one enrollment per class and user. `Used` is computed, never given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from simulator.core import ids
from simulator.core.fixtures import (
    FixtureContext,
    FixtureError,
    check,
    items,
    one_of,
    optional,
    require,
)
from simulator.vendors.skillable.backend import ENROLLMENT_IDS, FIRST_ENROLLMENT_ID
from simulator.vendors.skillable.models import (
    SkillableApiKey,
    SkillableClass,
    SkillableClassEnrollment,
    SkillableUser,
)
from simulator.vendors.skillable.states import (
    COMPLETION_ALLOWED,
    SEAT_HOLDING,
    CompletionStatus,
    ConfirmationStatus,
    EnrollmentStatus,
    LocationType,
)

_ENROLLMENT_ID = SkillableClassEnrollment.__table__.c.id


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    where = f"tenants.{tenant}.skillable"
    if not isinstance(section, Mapping):
        raise FixtureError(where, "expected a mapping")
    unknown = set(section) - {"api_keys", "users", "classes", "class_enrollments"}
    if unknown:
        raise FixtureError(where, f"unknown keys {sorted(unknown)}")
    _load_keys(fx, tenant, section, where)
    users = _load_users(fx, tenant, section, where)
    classes = _load_classes(fx, tenant, section, where)
    _load_enrollments(fx, tenant, section, where, users, classes)


def _positive_id(entry: Mapping[str, Any], where: str, key: str = "Id") -> int:
    value = int(require(entry, key, where, int))
    if not 1 <= value <= 2_147_483_647:
        raise FixtureError(f"{where}.{key}", f"must be a positive int32, got {value}")
    return value


def _load_keys(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> None:
    seen: set[str] = set()
    for path, entry in items(section, "api_keys", where):
        key = require(entry, "Key", path, str)
        if not key.strip() or key in seen or fx.session.get(SkillableApiKey, key) is not None:
            raise FixtureError(f"{path}.Key", f"empty or already used: {key!r}")
        seen.add(key)
        fx.session.add(SkillableApiKey(tenant=tenant, key=key, name=optional(entry, "Name", path, str, "")))


def _load_users(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> set[int]:
    entries = items(section, "users", where)
    taken = fx.existing(SkillableUser.__table__.c.id, [e.get("Id") for _, e in entries if isinstance(e.get("Id"), int)])
    users: set[int] = set()
    rows = []
    for path, entry in entries:
        user_id = _positive_id(entry, path)
        if user_id in users or user_id in taken:
            raise FixtureError(f"{path}.Id", f"duplicate user id {user_id}")
        users.add(user_id)
        rows.append(
            {
                "tenant": tenant,
                "id": user_id,
                "first_name": require(entry, "FirstName", path, str),
                "last_name": require(entry, "LastName", path, str),
                "email": require(entry, "Email", path, str),
            }
        )
    fx.insert(SkillableUser, rows)
    return users


def _load_classes(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> dict[int, SkillableClass]:
    classes: dict[int, SkillableClass] = {}
    for path, entry in items(section, "classes", where):
        class_id = _positive_id(entry, path)
        if class_id in classes or fx.session.get(SkillableClass, class_id) is not None:
            raise FixtureError(f"{path}.Id", f"duplicate class id {class_id}")
        start = fx.time(require(entry, "Start", path), f"{path}.Start")
        end = fx.time(require(entry, "End", path), f"{path}.End")
        if end < start:
            raise FixtureError(f"{path}.End", "must not be before Start")
        size = int(require(entry, "Size", path, int))
        if size < 0:
            raise FixtureError(f"{path}.Size", "must not be negative")
        confirmation = optional(entry, "ConfirmationStatusId", path, int, 0)
        one_of(confirmation, [int(c) for c in ConfirmationStatus], f"{path}.ConfirmationStatusId")
        window = int(optional(entry, "LateCancelWindowHours", path, int, 0))
        if window < 0:
            raise FixtureError(f"{path}.LateCancelWindowHours", "must not be negative")
        created = fx.time(optional(entry, "Created", path, default="@now"), f"{path}.Created")
        row = SkillableClass(
            tenant=tenant,
            id=class_id,
            name=require(entry, "Name", path, str),
            start=start,
            end=end,
            size=size,
            confirmation_status_id=confirmation,
            late_cancel_window_hours=window,
            created=created,
            last_modified=created,
        )
        classes[class_id] = row
        fx.session.add(row)
    fx.session.flush()
    return classes


def _load_enrollments(
    fx: FixtureContext,
    tenant: str,
    section: Mapping[str, Any],
    where: str,
    users: set[int],
    classes: dict[int, SkillableClass],
) -> None:
    entries = items(section, "class_enrollments", where)
    explicit = [int(e["Id"]) for _, e in entries if isinstance(e.get("Id"), int) and not isinstance(e.get("Id"), bool)]
    ids.raise_floor(fx.session, ENROLLMENT_IDS, max([FIRST_ENROLLMENT_ID - 1, *explicit]))
    # raise_floor may only add the counter row; next_value must see it, autoflush or not.
    fx.session.flush()
    taken = fx.existing(SkillableClassEnrollment.__table__.c.id, explicit)
    pairs: set[tuple[int, int]] = set()
    seen: set[int] = set()
    seats: dict[int, int] = {}
    rows = []
    for path, entry in entries:
        row = _enrollment(fx, tenant, path, entry, users, classes)
        if (row["class_id"], row["user_id"]) in pairs:
            raise FixtureError(path, f"user {row['user_id']} already has an enrollment in class {row['class_id']}")
        pairs.add((row["class_id"], row["user_id"]))
        if row["id"] in seen or row["id"] in taken or ("Id" not in entry and fx.existing(_ENROLLMENT_ID, [row["id"]])):
            raise FixtureError(f"{path}.Id", f"duplicate class enrollment id {row['id']}")
        seen.add(row["id"])
        klass = classes[row["class_id"]]
        if EnrollmentStatus(row["enrollment_status_id"]) in SEAT_HOLDING:
            seats[klass.id] = seats.get(klass.id, 0) + 1
            if seats[klass.id] > klass.size:
                raise FixtureError(path, f"class {klass.id} has only {klass.size} seats (Enroll and Audit hold one)")
        rows.append(row)
    # Written per section, so the next tenant's duplicate checks see these rows.
    fx.insert(SkillableClassEnrollment, rows)


def _enrollment(
    fx: FixtureContext,
    tenant: str,
    path: str,
    entry: Mapping[str, Any],
    users: set[int],
    classes: dict[int, SkillableClass],
) -> dict[str, Any]:
    class_id = _positive_id(entry, path, "ClassId")
    if class_id not in classes:
        raise FixtureError(f"{path}.ClassId", f"no class {class_id} in this tenant")
    user_id = _positive_id(entry, path, "UserId")
    if user_id not in users:
        raise FixtureError(f"{path}.UserId", f"no user {user_id} in this tenant")
    status = EnrollmentStatus(
        one_of(
            require(entry, "EnrollmentStatusId", path, int),
            [int(s) for s in EnrollmentStatus],
            f"{path}.EnrollmentStatusId",
        )
    )
    completion = CompletionStatus(
        one_of(
            optional(entry, "CompletionStatusId", path, int, 0),
            [int(s) for s in CompletionStatus],
            f"{path}.CompletionStatusId",
        )
    )
    if completion != CompletionStatus.UNKNOWN and status not in COMPLETION_ALLOWED:
        raise FixtureError(
            f"{path}.CompletionStatusId", "only Enroll (60) or Audit (50) enrollments have a completion status"
        )
    late_cancel = bool(optional(entry, "LateCancel", path, bool, False))
    if late_cancel and status != EnrollmentStatus.CANCEL:
        raise FixtureError(f"{path}.LateCancel", "only Cancel (10) enrollments can be late cancels")
    location = optional(entry, "LocationTypeId", path, int)
    if location is not None:
        one_of(location, [int(t) for t in LocationType], f"{path}.LocationTypeId")
    created = fx.time(optional(entry, "Created", path, default="@now"), f"{path}.Created")
    waitlisted: dt.datetime | None = None
    if status == EnrollmentStatus.WAITLIST:
        waitlisted = fx.time(optional(entry, "WaitlistedAt", path, default=None) or created, f"{path}.WaitlistedAt")
    has_id = "Id" in entry
    return {
        "tenant": tenant,
        "id": _positive_id(entry, path)
        if has_id
        else ids.next_value(fx.session, ENROLLMENT_IDS, start=FIRST_ENROLLMENT_ID),
        "external_id": optional(entry, "ExternalId", path, str),
        "class_id": class_id,
        "user_id": user_id,
        "enrollment_status_id": int(status),
        "completion_status_id": int(completion),
        "late_cancel": late_cancel,
        "retake": bool(optional(entry, "Retake", path, bool, False)),
        "location_type_id": location,
        "classroom_id": _optional_count(entry, "ClassroomId", path),
        "hours_spent": _optional_count(entry, "HoursSpent", path),
        "grade": _optional_count(entry, "Grade", path, maximum=100),
        "waitlisted_at": waitlisted,
        "created": created,
        "last_modified": created,
    }


def _optional_count(entry: Mapping[str, Any], key: str, path: str, maximum: int = 2_147_483_647) -> int | None:
    value = optional(entry, key, path, int)
    if value is not None and not 0 <= check(value, f"{path}.{key}", int) <= maximum:
        raise FixtureError(f"{path}.{key}", f"must be between 0 and {maximum}")
    return None if value is None else int(value)
