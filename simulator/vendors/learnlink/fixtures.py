"""Loading one tenant's `learnlink` fixture section.

Directory rows (credentials, users, contents, audiences) are inserted as given. Everything
that drives enrolments (memberships, assignments, completions, departures) is *replayed*
through the same rules the API uses, in time order, with the clock caught up before each
event, so fixture enrolments carry exactly the history the API would have written. The
replay runs in memory (`fixture_replay`) and every table is then written in one go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.fixtures import FixtureContext, FixtureError, check, items, optional, require
from simulator.vendors.learnlink.backend import assignments, tokens
from simulator.vendors.learnlink.backend.webhooks import SUBSCRIPTION_KINDS, add_subscription
from simulator.vendors.learnlink.fixture_replay import Replay
from simulator.vendors.learnlink.models import LearnlinkCredential

DEFAULT_HISTORY_START = "@now-P730D"  # when fixture audiences (and their first members) begin


@dataclass(frozen=True)
class _Event:
    at: dt.datetime
    order: int  # joins, then assignments, then completions, then departures at one instant
    where: str
    apply: Callable[[dt.datetime], object]


class _Keys:
    """Fixture keys (or explicit ids) to ObjectIds, per kind."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.ids: dict[str, dict[str, str]] = {}

    def assign(self, kind: str, entry: Mapping[str, Any], where: str) -> str:
        key = str(require(entry, "key", where, (str, int)) if "id" not in entry else entry.get("key", entry["id"]))
        explicit = optional(entry, "id", where, str)
        if explicit is not None and not _is_object_id(explicit):
            raise FixtureError(f"{where}.id", "must be a 24-hex ObjectId")
        value = explicit or ids.derived_object_id("learnlink", self.tenant, kind, key)
        self.ids.setdefault(kind, {})[key] = value
        self.ids[kind][value] = value
        return value

    def find(self, kind: str, ref: Any, where: str) -> str:
        found = self.ids.get(kind, {}).get(str(ref))
        if found is None:
            raise FixtureError(where, f"no {kind} with key or id {ref!r}")
        return found


def _is_object_id(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


def load_tenant(fx: FixtureContext, tenant: str, section: Mapping[str, Any]) -> None:
    if not isinstance(section, Mapping):
        raise FixtureError("learnlink", "expected a mapping")
    where = f"tenants.{tenant}.learnlink"
    keys = _Keys(tenant)
    _load_credentials(fx, tenant, section, where)
    start = fx.time(optional(section, "historyStart", where, str, DEFAULT_HISTORY_START), f"{where}.historyStart")
    replay = Replay(fx, tenant)
    _load_directory(fx, tenant, section, where, keys, start, replay)
    timeline = [
        *_membership_events(fx, section, where, keys, start, replay),
        *_assignment_events(fx, section, where, keys, replay),
        *_completion_events(fx, section, where, keys, replay),
    ]
    for event in sorted(timeline, key=lambda e: (e.at, e.order)):
        if event.at > fx.now:
            raise FixtureError(event.where, "lies in the future of the simulated clock")
        replay.catch_up(event.at)
        try:
            event.apply(event.at)
        except ApiError as exc:
            raise FixtureError(event.where, exc.message) from None
    replay.catch_up(fx.now)
    replay.write()
    for path, entry in items(section, "webhooks", where):
        kind = require(entry, "kind", path, str)
        if kind not in SUBSCRIPTION_KINDS:
            raise FixtureError(f"{path}.kind", f"must be one of {list(SUBSCRIPTION_KINDS)}")
        add_subscription(
            fx.session,
            tenant,
            fx.now,
            kind=kind,
            target_url=require(entry, "targetUrl", path, str),
            secret=require(entry, "secret", path, str),
            events=[check(e, f"{path}.events", str) for e in optional(entry, "events", path, list, ["*"])],
        )
    fx.session.flush()


def _load_credentials(fx: FixtureContext, tenant: str, section: Mapping[str, Any], where: str) -> None:
    tenant_id = require(section, "tenantId", where, str)
    creds = items(section, "credentials", where)
    if not creds:
        raise FixtureError(f"{where}.credentials", "at least one API secret is required")
    for path, entry in creds:
        scopes = optional(entry, "scopes", path, list, list(tokens.ALL_SCOPES))
        for i, scope in enumerate(scopes):
            if scope not in tokens.ALL_SCOPES:
                raise FixtureError(f"{path}.scopes[{i}]", f"must be one of {list(tokens.ALL_SCOPES)}")
        fx.session.add(
            LearnlinkCredential(
                tenant=tenant, tenant_id=tenant_id, secret=require(entry, "secret", path, str), scopes=scopes
            )
        )


def _load_directory(
    fx: FixtureContext,
    tenant: str,
    section: Mapping[str, Any],
    where: str,
    keys: _Keys,
    start: dt.datetime,
    replay: Replay,
) -> None:
    for path, entry in items(section, "users", where):
        replay.users.append(
            {
                "tenant": tenant,
                "id": keys.assign("user", entry, path),
                "ref": optional(entry, "ref", path, str),
                "first_name": optional(entry, "firstName", path, str),
                "last_name": optional(entry, "lastName", path, str),
                "email": optional(entry, "email", path, str),
                "role": optional(entry, "role", path, str, "learner"),
                "status": optional(entry, "status", path, str, "active"),
                "created_at": start,
                "updated_at": start,
            }
        )
    for path, entry in items(section, "contents", where):
        replay.contents.append(
            {
                "tenant": tenant,
                "id": keys.assign("content", entry, path),
                "title": require(entry, "title", path, str),
                "type": optional(entry, "type", path, str, "article"),
                "description": optional(entry, "description", path, str),
                "author": optional(entry, "author", path, str),
                "created_at": start,
                "updated_at": start,
            }
        )
    for path, entry in items(section, "audiences", where):
        audience_id = keys.assign("audience", entry, path)
        replay.audiences[audience_id] = {
            "tenant": tenant,
            "id": audience_id,
            "name": require(entry, "name", path, str),
            "reference": optional(entry, "reference", path, str),
            "api_controlled": optional(entry, "apiControlled", path, bool, True),
            "created_at": start,
            "updated_at": start,
        }


def _membership_events(
    fx: FixtureContext, section: Mapping[str, Any], where: str, keys: _Keys, start: dt.datetime, replay: Replay
) -> list[_Event]:
    out: list[_Event] = []

    def join(audience: str, user: str) -> Callable[[dt.datetime], object]:
        return lambda at: replay.join(audience, user, at)

    def leave(audience: str, user: str) -> Callable[[dt.datetime], object]:
        return lambda at: replay.leave(audience, user, at)

    for path, entry in items(section, "audiences", where):
        audience = keys.find("audience", entry.get("key", entry.get("id")), path)
        for i, member in enumerate(optional(entry, "members", path, list, [])):
            out.append(
                _Event(
                    start, 0, f"{path}.members[{i}]", join(audience, keys.find("user", member, f"{path}.members[{i}]"))
                )
            )
    for kind, order, action in (("joins", 0, join), ("departures", 3, leave)):
        for path, entry in items(section, kind, where):
            audience = keys.find("audience", require(entry, "audience", path, (str, int)), f"{path}.audience")
            user = keys.find("user", require(entry, "user", path, (str, int)), f"{path}.user")
            out.append(_Event(fx.time(require(entry, "at", path), f"{path}.at"), order, path, action(audience, user)))
    return out


def _assignment_events(
    fx: FixtureContext, section: Mapping[str, Any], where: str, keys: _Keys, replay: Replay
) -> list[_Event]:
    out: list[_Event] = []
    for path, entry in items(section, "assignments", where):
        assignment_id = keys.assign("assignment", entry, path)
        audience = keys.find("audience", require(entry, "audience", path, (str, int)), f"{path}.audience")
        content = keys.find("content", require(entry, "content", path, (str, int)), f"{path}.content")
        alternatives = [
            keys.find("content", c, f"{path}.alternatives[{i}]")
            for i, c in enumerate(optional(entry, "alternatives", path, list, []))
        ]
        period = optional(entry, "completionPeriod", path, int, assignments.DEFAULT_COMPLETION_PERIOD)
        recurrence = optional(entry, "recurrence", path, int)
        if not 1 <= period <= 1095:
            raise FixtureError(f"{path}.completionPeriod", "must be 1 to 1095 days")
        if recurrence is not None and not 1 <= recurrence <= 3650:
            raise FixtureError(f"{path}.recurrence", "must be 1 to 3650 days")
        available_from = fx.optional_time(entry.get("availableFrom"), f"{path}.availableFrom")
        assigned_at = fx.time(require(entry, "assignedAt", path), f"{path}.assignedAt")

        def create(
            at: dt.datetime,
            *,
            aid: str = assignment_id,
            audience: str = audience,
            content: str = content,
            alternatives: list[str] = alternatives,
            period: int = period,
            recurrence: int | None = recurrence,
            available_from: dt.datetime | None = available_from,
            hide: bool = bool(optional(entry, "hideAlternativeContent", path, bool, False)),
        ) -> object:
            replay.assign(
                at,
                assignment_id=aid,
                audience_id=audience,
                content_id=content,
                alternative_content_ids=alternatives,
                hide_alternative_content=hide,
                completion_period=period,
                recurrence=recurrence,
                available_from=available_from,
            )
            return None

        out.append(_Event(assigned_at, 1, path, create))
    return out


def _completion_events(
    fx: FixtureContext, section: Mapping[str, Any], where: str, keys: _Keys, replay: Replay
) -> list[_Event]:
    out: list[_Event] = []
    for path, entry in items(section, "completions", where):
        user = keys.find("user", require(entry, "user", path, (str, int)), f"{path}.user")
        content = keys.find("content", require(entry, "content", path, (str, int)), f"{path}.content")
        completed_at = fx.time(require(entry, "completedAt", path), f"{path}.completedAt")

        def record(at: dt.datetime, *, user: str = user, content: str = content) -> object:
            replay.complete(user, content, at)
            return None

        out.append(_Event(completed_at, 2, path, record))
    return out
