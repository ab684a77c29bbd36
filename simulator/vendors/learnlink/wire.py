"""Rows to Learn.link's JSON: camelCase names, lowercase statuses, ISO 8601 UTC with milliseconds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from simulator.core import clock
from simulator.vendors.learnlink.models import (
    LearnlinkAssignment,
    LearnlinkAudience,
    LearnlinkCompletion,
    LearnlinkContent,
    LearnlinkEnrolment,
    LearnlinkUser,
)
from simulator.vendors.learnlink.values import AssignmentValues, EnrolmentValues, EventValues


def iso(value: dt.datetime | None) -> str | None:
    """`clock.iso` with milliseconds. Values read from the database are UTC already: rendered
    without a conversion (a list renders hundreds of them)."""
    if value is not None and value.tzinfo is dt.UTC:
        return value.isoformat(timespec="milliseconds")[:-6] + "Z"  # drop "+00:00"
    return clock.iso(value, millis=True)


def history_entry(event: EventValues) -> dict[str, Any]:
    return {
        "type": event.type,
        "completionId": event.completion_id,
        "previousStatus": event.previous_status,
        "nextStatus": event.next_status,
        "createdAt": iso(event.created_at),
        "updatedAt": iso(event.updated_at),
    }


def enrolment(
    row: LearnlinkEnrolment | EnrolmentValues, history: Sequence[EventValues] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "userId": row.user_id,
        "assignmentId": row.assignment_id,
        "audienceId": row.audience_id,
        "primaryContentId": row.primary_content_id,
        "status": row.status,
        "availableDate": iso(row.available_date),
        "dueDate": iso(row.due_date),
        "lastCompletedAt": iso(row.last_completed_at),
    }
    if history is not None:
        body["history"] = [history_entry(e) for e in history]
    body["updatedAt"] = iso(row.updated_at)
    return body


def assignment(row: LearnlinkAssignment | AssignmentValues, alternative_content_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "audienceId": row.audience_id,
        "primaryContentId": row.primary_content_id,
        "alternativeContentIds": list(alternative_content_ids),
        "hideAlternativeContent": row.hide_alternative_content,
        "completionPeriod": row.completion_period,
        "recurrence": row.recurrence,
        "isActive": row.is_active,
        "isDeleted": row.is_deleted,
        "createdAt": iso(row.created_at),
        "deletedAt": iso(row.deleted_at),
        "updatedAt": iso(row.updated_at),
    }


def completion(row: LearnlinkCompletion) -> dict[str, Any]:
    return {
        "id": row.id,
        "userId": row.user_id,
        "contentId": row.content_id,
        "contentVersion": row.content_version,
        "skills": [],
        "completionType": row.completion_type,
        "hadDueDate": row.had_due_date,
        "isRPL": row.is_rpl,
        "completedAt": iso(row.completed_at),
        "activeUntil": iso(row.active_until),
    }


def completion_stub(row: LearnlinkCompletion) -> dict[str, Any]:
    """What POST /learning/completions answers: a statement reference, not the record."""
    return {"statementId": row.id}


def user(row: LearnlinkUser, audience_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "ref": row.ref,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "email": row.email,
        "role": row.role,
        "status": row.status,
        "audiences": list(audience_ids),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def audience(row: LearnlinkAudience, member_ids: Sequence[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "reference": row.reference,
        "apiControlled": row.api_controlled,
        "category": "audience",
        "type": row.type,
        "parent": None,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }
    if member_ids is not None:
        body["userIds"] = list(member_ids)
    return body


def content(row: LearnlinkContent) -> dict[str, Any]:
    """An entry of `/rest/v1/contents` (the airbyte connector's field set)."""
    return {
        "id": row.id,
        "type": row.type,
        "title": row.title,
        "description": row.description,
        "author": row.author,
        "isOfficial": True,
        "tags": [],
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def activity(row: LearnlinkCompletion, content_type: str | None) -> dict[str, Any]:
    """An entry of `/rest/v1/activities`: a completion seen as a learner activity."""
    return {
        "id": row.id,
        "date": iso(row.completed_at),
        "type": "completed",
        "user": row.user_id,
        "contentType": content_type,
        "contextId": row.content_id,
        "contextType": "content",
        "data": {"completion": True, "completedDate": iso(row.completed_at), "completiontype": row.completion_type},
    }


def results_page(results: list[dict[str, Any]], *, total: int, page: int, per_page: int) -> dict[str, Any]:
    """The `{results, pagination}` envelope of the directory lists (users, audiences, contents, activities)."""
    pages = (total + per_page - 1) // per_page
    return {
        "results": results,
        "pagination": {"totalResults": total, "totalPages": pages, "page": page, "perPage": per_page},
    }
