"""Learn.link's fixture timeline replayed in memory, then written with one insert per table.

The rules are the API's (`backend.directory`, `assignments`, `completions`, `enrolments`):
joining an audience enrols the member in its assignments, an assignment enrols every
member, a completion completes the enrolments it satisfies (a recurring one schedules the
next period), leaving archives, and before every event the clock catches up, moving due
enrolments (scheduled -> open -> overdue) at the instants they were due. Replaying them
against dicts and transient rows instead of the database takes seconds for tens of
thousands of enrolments; tests/fixtures_load proves the rows equal the API's.

History entries get their ids from the database in the order they are inserted, which is
the order the rules wrote them, as before.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from simulator.core import ids
from simulator.core.errors import ApiError
from simulator.core.fixtures import FixtureContext, SeededSequence
from simulator.vendors.learnlink import delivery, states
from simulator.vendors.learnlink.backend import enrolments
from simulator.vendors.learnlink.backend.completions import COMPLETION_IDS
from simulator.vendors.learnlink.backend.outbox import Outbox
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkAssignmentContent,
    LearnlinkAudience,
    LearnlinkCompletion,
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkEnrolmentEvent,
    LearnlinkMembership,
    LearnlinkUser,
)

Row = dict[str, Any]


class Replay:
    """One tenant's Learn.link state while its fixture timeline is replayed."""

    def __init__(self, fx: FixtureContext, tenant: str) -> None:
        self.fx = fx
        self.session: Session = fx.session
        self.tenant = tenant
        # Fixture tenants start without subscriptions (they are added after the replay),
        # so this outbox queues nothing; it is the API's, should that ever change.
        self.outbox = Outbox(fx.session, tenant)
        self.users: list[Row] = []
        self.contents: list[Row] = []
        self.audiences: dict[str, Row] = {}
        self.assignments: dict[str, Row] = {}
        self.assignment_contents: list[Row] = []
        self._contents_of: dict[str, set[str]] = {}
        self.memberships: dict[tuple[str, str], Row] = {}
        self._members: dict[str, set[str]] = {}
        self.enrolments: dict[str, LearnlinkEnrolment] = {}
        self._by_pair: dict[tuple[str, str], LearnlinkEnrolment] = {}
        self._by_user: dict[str, list[LearnlinkEnrolment]] = {}
        self.history: list[dict[str, object]] = []
        self.completions: list[Row] = []
        self._completed: set[tuple[str, str, dt.datetime]] = set()
        self._completion_ids = SeededSequence(fx.session, COMPLETION_IDS)
        self._due: list[tuple[dt.datetime, str]] = []  # (next_transition_at, enrolment id), maybe stale

    # -- the clock ------------------------------------------------------------------------

    def _watch(self, row: LearnlinkEnrolment) -> None:
        if row.next_transition_at is not None:
            heapq.heappush(self._due, (row.next_transition_at, row.id))

    def catch_up(self, now: dt.datetime) -> None:
        """`enrolments.catch_up`: every enrolment due by `now`, in (due instant, id) order."""
        due: list[LearnlinkEnrolment] = []
        seen: set[str] = set()
        while self._due and self._due[0][0] <= now:
            at, enrolment_id = heapq.heappop(self._due)
            row = self.enrolments[enrolment_id]
            if row.next_transition_at == at and enrolment_id not in seen:
                seen.add(enrolment_id)
                due.append(row)
        for row in due:
            enrolments.advance(self.session, self.outbox, row, now, history_sink=self.history)
        for row in due:
            self._watch(row)

    # -- directory and membership ---------------------------------------------------------

    def join(self, audience_id: str, user_id: str, now: dt.datetime) -> None:
        """`directory.add_member`."""
        if (audience_id, user_id) in self.memberships:
            return
        self.memberships[(audience_id, user_id)] = {
            "tenant": self.tenant,
            "audience_id": audience_id,
            "user_id": user_id,
            "joined_at": now,
        }
        self._members.setdefault(audience_id, set()).add(user_id)
        self.audiences[audience_id]["updated_at"] = now
        for assignment in self._active_for_audience(audience_id):
            self._enrol(assignment, user_id, now)

    def leave(self, audience_id: str, user_id: str, now: dt.datetime) -> None:
        """`directory.remove_member`: the member's enrolments in the audience's assignments are archived."""
        if self.memberships.pop((audience_id, user_id), None) is None:
            return
        self._members[audience_id].discard(user_id)
        self.audiences[audience_id]["updated_at"] = now
        live = sorted(
            (
                row
                for row in self._by_user.get(user_id, [])
                if self.assignments[row.assignment_id]["audience_id"] == audience_id and row.status != states.ARCHIVED
            ),
            key=lambda r: r.id,
        )
        for row in live:
            enrolments.transition(self.session, self.outbox, row, states.ARCHIVED, now, history_sink=self.history)

    # -- assignments ----------------------------------------------------------------------

    def _active_for_audience(self, audience_id: str) -> list[Row]:
        return sorted(
            (a for a in self.assignments.values() if a["audience_id"] == audience_id and not a["is_deleted"]),
            key=lambda a: a["id"],
        )

    def assign(
        self,
        now: dt.datetime,
        *,
        assignment_id: str,
        audience_id: str,
        content_id: str,
        alternative_content_ids: Sequence[str],
        hide_alternative_content: bool,
        completion_period: int,
        recurrence: int | None,
        available_from: dt.datetime | None,
    ) -> None:
        """`assignments.create`: every current member of the audience is enrolled."""
        duplicate = next(
            (a["id"] for a in self._active_for_audience(audience_id) if a["primary_content_id"] == content_id),
            None,
        )
        if duplicate is not None:
            raise ApiError(409, f"The content is already assigned to this audience (assignment {duplicate})")
        if assignment_id in self.assignments:
            raise ApiError(409, f"assignment {assignment_id} is given twice")
        row: Row = {
            "tenant": self.tenant,
            "id": assignment_id,
            "audience_id": audience_id,
            "primary_content_id": content_id,
            "hide_alternative_content": hide_alternative_content,
            "completion_period": completion_period,
            "recurrence": recurrence,
            "available_from": available_from,
            "is_active": True,
            "is_deleted": False,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }
        self.assignments[assignment_id] = row
        contents = self._contents_of[assignment_id] = {content_id}
        self.assignment_contents.append(
            {"tenant": self.tenant, "assignment_id": assignment_id, "content_id": content_id, "is_primary": True}
        )
        for position, alternative in enumerate(alternative_content_ids):
            if alternative not in contents:
                contents.add(alternative)
                self.assignment_contents.append(
                    {
                        "tenant": self.tenant,
                        "assignment_id": assignment_id,
                        "content_id": alternative,
                        "is_primary": False,
                        "position": position,
                    }
                )
        for user_id in sorted(self._members.get(audience_id, ())):
            self._enrol(row, user_id, now)

    def _enrol(self, assignment: Row, user_id: str, now: dt.datetime) -> None:
        """`enrolments.enrol`: a new enrolment, or the archived one brought back."""
        available = max(now, assignment["available_from"]) if assignment["available_from"] else now
        first = states.SCHEDULED if available > now else states.OPEN
        row = self._by_pair.get((assignment["id"], user_id))
        if row is not None and row.status != states.ARCHIVED:
            return
        if row is None:
            row = LearnlinkEnrolment(
                tenant=self.tenant,
                id=ids.derived_object_id(enrolments.ENROLMENT_IDS, assignment["id"], user_id),
                user_id=user_id,
                assignment_id=assignment["id"],
                audience_id=assignment["audience_id"],
                primary_content_id=assignment["primary_content_id"],
                status=states.UNASSIGNED,
                last_completed_at=None,
                next_transition_at=None,
                created_at=now,
                updated_at=now,
            )
            self.enrolments[row.id] = row
            self._by_pair[(assignment["id"], user_id)] = row
            self._by_user.setdefault(user_id, []).append(row)
        row.available_date = available
        row.due_date = enrolments.due_date_for(available, assignment["completion_period"])
        enrolments.transition(self.session, self.outbox, row, first, now, history_sink=self.history)
        self._watch(row)

    # -- completions ----------------------------------------------------------------------

    def complete(self, user_id: str, content_id: str, at: dt.datetime) -> None:
        """`completions.record` of a manual completion at `at` (the same instant again is ignored)."""
        if (user_id, content_id, at) in self._completed:
            return
        self._completed.add((user_id, content_id, at))
        satisfied = sorted(
            (
                row
                for row in self._by_user.get(user_id, [])
                if row.status in states.COMPLETABLE and content_id in self._contents_of[row.assignment_id]
            ),
            key=lambda r: r.id,
        )
        completion_id = self._completion_ids.next_object_id()
        self.completions.append(
            {
                "tenant": self.tenant,
                "id": completion_id,
                "user_id": user_id,
                "content_id": content_id,
                "completed_at": at,
                "is_rpl": False,
                "completion_type": "manual",
                "had_due_date": bool(satisfied),
                "created_at": at,
            }
        )
        for row in satisfied:
            self._complete_enrolment(row, self.assignments[row.assignment_id], completion_id, at)

    def _complete_enrolment(
        self, row: LearnlinkEnrolment, assignment: Row, completion_id: str, at: dt.datetime
    ) -> None:
        """`enrolments.complete`: complete, and for a recurring assignment schedule the next period."""
        sink = self.history
        row.last_completed_at = at
        enrolments.transition(
            self.session, self.outbox, row, states.COMPLETE, at, completion_id=completion_id, history_sink=sink
        )
        if assignment["recurrence"]:
            row.available_date = at + dt.timedelta(days=assignment["recurrence"])
            row.due_date = enrolments.due_date_for(row.available_date, assignment["completion_period"])
            enrolments.transition(self.session, self.outbox, row, states.SCHEDULED, at, history_sink=sink)
            enrolments.advance(self.session, self.outbox, row, at, history_sink=sink)
        self._watch(row)

    # -- writing --------------------------------------------------------------------------

    def write(self) -> None:
        """Every table once, parents first; history in the order the rules wrote it."""
        delivery.drain(self.session)
        self._completion_ids.close()
        enrolment_rows = [
            {c.key: getattr(row, c.key) for c in LearnlinkEnrolment.__table__.columns}
            for row in self.enrolments.values()
        ]
        primary = [r for r in self.assignment_contents if r["is_primary"]]
        alternatives = [r for r in self.assignment_contents if not r["is_primary"]]
        for model, rows in (
            (LearnlinkUser, self.users),
            (LearnlinkContent, self.contents),
            (LearnlinkAudience, list(self.audiences.values())),
            (LearnlinkAssignment, list(self.assignments.values())),
            (LearnlinkAssignmentContent, primary),
            (LearnlinkAssignmentContent, alternatives),
            (LearnlinkMembership, list(self.memberships.values())),
            (LearnlinkEnrolment, enrolment_rows),
            (LearnlinkEnrolmentEvent, self.history),
            (LearnlinkCompletion, self.completions),
        ):
            self.fx.insert(model, rows)
