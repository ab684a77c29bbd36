"""Loading one tenant's `docebo` fixture section (format in the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.core.fixtures import (
    FixtureContext,
    FixtureError,
    check,
    items,
    one_of,
    optional,
    require,
)
from simulator.vendors.docebo import states
from simulator.vendors.docebo.models import (
    DoceboClient,
    DoceboCourse,
    DoceboEnrollment,
    DoceboUser,
)
from simulator.vendors.docebo.tokens import GRANTS

MAX_ID = 2_147_483_647
ROLES = ("godadmin", "poweruser", "user")


def _id(section: Mapping[str, Any], key: str, where: str) -> int:
    value = require(section, key, where, int)
    if not 1 <= value <= MAX_ID:
        raise FixtureError(f"{where}.{key}", f"must be between 1 and {MAX_ID}, got {value}")
    return int(value)


def _code(value: Any, names: Mapping[str, int], codes: Mapping[int, str], where: str) -> int:
    """A status or level given as its code (2) or its name ("completed")."""
    if isinstance(value, str):
        return names[one_of(value, list(names), where)]
    check(value, where, int)
    return int(one_of(value, list(codes), where))


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    where = f"tenants.{tenant}.docebo"
    if not isinstance(section, Mapping):
        raise FixtureError(where, "expected a mapping")
    _load_clients(fx, tenant, section, where)
    users = _load_users(fx, tenant, section, where)
    courses = _load_courses(fx, tenant, section, where)
    _load_enrollments(fx, tenant, section, where, users, courses)


def _load_clients(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> None:
    for path, entry in items(section, "clients", where):
        client_id = require(entry, "client_id", path, str)
        if fx.session.get(DoceboClient, client_id) is not None:
            raise FixtureError(
                f"{path}.client_id", f"{client_id!r} is already used (client ids are unique across tenants)"
            )
        grants = optional(entry, "grants", path, list, list(GRANTS))
        for i, grant in enumerate(grants):
            one_of(grant, GRANTS, f"{path}.grants[{i}]")
        fx.session.add(
            DoceboClient(
                tenant=tenant,
                client_id=client_id,
                client_secret=require(entry, "client_secret", path, str),
                grants=list(grants),
            )
        )
        fx.session.flush()


def _load_users(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> set[int]:
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    usernames: set[str] = set()
    for path, entry in items(section, "users", where):
        user_id = _id(entry, "id", path)
        username = require(entry, "username", path, str)
        if user_id in seen:
            raise FixtureError(f"{path}.id", f"duplicate user id {user_id}")
        if username in usernames:
            raise FixtureError(f"{path}.username", f"duplicate username {username!r}")
        seen.add(user_id)
        usernames.add(username)
        rows.append(
            dict(
                tenant=tenant,
                id=user_id,
                username=username,
                firstname=optional(entry, "firstname", path, str, ""),
                lastname=optional(entry, "lastname", path, str, ""),
                email=optional(entry, "email", path, str, ""),
                role=one_of(optional(entry, "role", path, str, "user"), ROLES, f"{path}.role"),
                active=optional(entry, "active", path, bool, True),
                password=optional(entry, "password", path, str),
                created_at=fx.time(optional(entry, "created_at", path, object, "@now-P90D"), f"{path}.created_at"),
            )
        )
    fx.insert(DoceboUser, rows)
    return seen


def _load_courses(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> set[int]:
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for path, entry in items(section, "courses", where):
        course_id = _id(entry, "id", path)
        if course_id in seen:
            raise FixtureError(f"{path}.id", f"duplicate course id {course_id}")
        seen.add(course_id)
        rows.append(
            dict(
                tenant=tenant,
                id=course_id,
                name=require(entry, "name", path, str),
                code=optional(entry, "code", path, str, ""),
                description=optional(entry, "description", path, str, ""),
                type=one_of(optional(entry, "type", path, str, "elearning"), states.COURSE_TYPES, f"{path}.type"),
                lang_code=optional(entry, "lang_code", path, str, "english"),
                duration=optional(entry, "duration", path, int, 0),
                created_at=fx.time(optional(entry, "created_at", path, object, "@now-P120D"), f"{path}.created_at"),
            )
        )
    fx.insert(DoceboCourse, rows)
    return seen


def _load_enrollments(
    fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str, users: set[int], courses: set[int]
) -> None:
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for path, entry in items(section, "enrollments", where):
        course_id, user_id = _id(entry, "course_id", path), _id(entry, "user_id", path)
        if course_id not in courses:
            raise FixtureError(f"{path}.course_id", f"no course {course_id} in this tenant")
        if user_id not in users:
            raise FixtureError(f"{path}.user_id", f"no user {user_id} in this tenant")
        if (course_id, user_id) in seen:
            raise FixtureError(path, f"user {user_id} is enrolled twice in course {course_id}")
        seen.add((course_id, user_id))
        status = _code(
            entry.get("status", states.SUBSCRIBED), states.STATUS_CODES, states.STATUS_NAMES, f"{path}.status"
        )
        level = _code(entry.get("level", states.STUDENT), states.LEVEL_CODES, states.LEVEL_NAMES, f"{path}.level")

        def when(key: str, default: Any = None, entry: Mapping[str, Any] = entry, path: str = path) -> Any:
            value = entry.get(key, default)
            return None if value is None else fx.time(value, f"{path}.{key}")

        date_complete = when("date_complete", "@now" if states.sets_completion(status) else None)
        first_access = when("date_first_access", "@now" if status in (states.IN_PROGRESS, states.COMPLETED) else None)
        score = entry.get("score")
        if score is not None:
            check(score, f"{path}.score", (int, float))
        rows.append(
            dict(
                tenant=tenant,
                course_id=course_id,
                user_id=user_id,
                status=status,
                level=level,
                waiting=states.is_waiting(status),
                date_inscr=when("date_inscr", "@now-P30D"),
                date_first_access=first_access,
                date_last_access=when("date_last_access"),
                date_complete=date_complete,
                date_begin_validity=when("date_begin_validity"),
                date_expire_validity=when("date_expire_validity"),
                score_given=None if score is None else float(score),
                enrollment_fields={},
            )
        )
    fx.insert(DoceboEnrollment, rows)
