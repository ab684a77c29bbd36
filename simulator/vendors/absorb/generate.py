"""A generated `absorb` section for `lms-sim generate` (format in fixtures.py).

Absorb ids are global GUIDs: each embeds the record kind and the tenant's index. Online
courses get a chapter and lesson tree (the loader derives chapter and lesson enrollments
from it and the status); the last course is instructor-led with two sessions whose seats
run out, so the learners past capacity are on the waitlist (status 8), as the loader
itself decides.
"""

from __future__ import annotations

import uuid
from typing import Any

from simulator.core.fixtures import GenerateSpec, ago, ahead
from simulator.vendors.absorb.states import TICKS_PER_SECOND, Status

_USER, _COURSE, _CHAPTER, _LESSON, _SESSION, _ENROLLMENT = 0x11, 0x12, 0x13, 0x14, 0x15, 0x16
_LESSON_TYPES = ("ObjectLesson", "VideoLesson", "AssessmentLesson")
S = Status
_ONLINE_WEIGHTS = {
    S.NOT_STARTED: 0.2,
    S.IN_PROGRESS: 0.2,
    S.COMPLETE: 0.3,
    S.FAILED: 0.04,
    S.NOT_COMPLETE: 0.04,
    S.PENDING_APPROVAL: 0.04,
    S.DECLINED: 0.02,
    S.PENDING_EVALUATION_REQUIRED: 0.03,
    S.ABSENT: 0.02,
    S.NOT_APPLICABLE: 0.03,
    S.PENDING_PROCTOR: 0.03,
    S.READY_FOR_REVIEW: 0.03,
}
# Seated learners of an instructor-led session: the statuses the loader carries onto the session.
_SEATED = (S.NOT_STARTED, S.IN_PROGRESS, S.COMPLETE, S.ABSENT)
# A namespace for portal keys: the key is derived from the tenant name alone.
_PORTALS = uuid.UUID("6f1d3c52-3a4e-4b8e-9d0a-1c2b3a4d5e6f")


def portal_key(tenant: str) -> str:
    """The tenant's x-api-key and privateKey (the same GUID, as in the demo data)."""
    return str(uuid.uuid5(_PORTALS, tenant))


def generate(spec: GenerateSpec) -> dict[str, Any]:
    rng, t = spec.rng, spec.tenant
    users: list[dict[str, Any]] = []
    for n in range(spec.users):
        first, last, email = spec.person(n)
        users.append(
            {
                "id": spec.guid(_USER, n),
                "username": email.split("@")[0],
                "firstName": first,
                "lastName": last,
                "emailAddress": email,
                "dateAdded": ago(rng.uniform(300, 700)),
            }
        )
    users[0].update(username="api.admin", password="Passw0rd!", isAdmin=True, jobTitle="LMS Administrator")  # noqa: S106
    if len(users) > 1:
        users[1]["password"] = "Learn3r!"  # noqa: S105 (one learner who can log in, as in the demo)
    ilc = spec.courses - 1 if spec.courses > 1 else None
    courses = [_course(spec, n, n == ilc) for n in range(spec.courses)]
    pairs = spec.pairs()
    online = [p for p in pairs if p[1] != ilc]
    weights: dict[Any, float] = dict(_ONLINE_WEIGHTS)
    if ilc is None:
        weights[S.ON_WAITLIST] = 0.02  # no sessions to fill up: the waitlist is given directly
    statuses = iter(spec.statuses(len(online), weights))
    seats = {s["id"]: s["capacity"] for s in courses[ilc]["sessions"]} if ilc is not None else {}
    enrollments = []
    for k, (u, c) in enumerate(pairs):
        course = courses[c]
        added = rng.uniform(2, 300)
        row: dict[str, Any] = {
            "id": spec.guid(_ENROLLMENT, k),
            "userId": users[u]["id"],
            "courseId": course["id"],
            "dateAdded": ago(added),
        }
        if c == ilc:
            session = course["sessions"][k % 2]
            row["sessionId"] = session["id"]
            if seats[session["id"]] > 0:
                seats[session["id"]] -= 1
                status = rng.choice(_SEATED)
            else:
                status = S.ON_WAITLIST
        else:
            status = next(statuses)
        row["status"] = int(status)
        passing = course.get("passingScore")
        if status == S.COMPLETE:
            row["score"] = rng.randint(int(passing or 60), 100)
        elif status == S.FAILED:
            row["score"] = rng.randint(20, int(passing or 60) - 1)
        if status in (S.COMPLETE, S.FAILED, S.IN_PROGRESS):
            row["timeSpentTicks"] = rng.randrange(5, 240) * 60 * TICKS_PER_SECOND
        if rng.random() < 0.3:
            row["dateDue"] = ahead(rng.uniform(-30, 90))
        enrollments.append(row)
    return {
        "portal": {"apiKey": portal_key(t), "name": f"{t}.example portal"},
        "users": users,
        "courses": courses,
        "enrollments": enrollments,
    }


def _course(spec: GenerateSpec, n: int, instructor_led: bool) -> dict[str, Any]:
    rng = spec.rng
    course: dict[str, Any] = {
        "id": spec.guid(_COURSE, n),
        "name": spec.course_title(n),
        "description": f"{spec.course_title(n)} for {spec.tenant} staff.",
        "dateAdded": ago(rng.uniform(300, 700)),
    }
    if instructor_led:
        # Two sessions that seat about 70% of the learners: the rest wait.
        capacity = max(1, round(spec.users * 0.5 * 0.35))
        course.update(
            courseType="InstructorLedCourse",
            sessions=[
                {
                    "id": spec.guid(_SESSION, 2 * n + i),
                    "name": f"{course['name']} - {part}",
                    "capacity": capacity,
                    "dateStart": ahead(rng.uniform(7, 45)),
                }
                for i, part in enumerate(("morning", "afternoon"))
            ],
        )
        return course
    if n % 2 == 0:
        course["passingScore"] = rng.choice((70, 75, 80))
    if n % 4 == 3:
        course["requiresApproval"] = True
    course["credits"] = rng.choice((0.5, 1, 2))
    chapters = []
    for ch in range(rng.randint(1, 3)):
        number = n * 10 + ch
        lessons = [
            {
                "id": spec.guid(_LESSON, number * 10 + i),
                "name": f"Lesson {ch + 1}.{i + 1}",
                "type": _LESSON_TYPES[(ch + i) % 3],
            }
            for i in range(rng.randint(1, 3))
        ]
        chapters.append({"id": spec.guid(_CHAPTER, number), "name": f"Part {ch + 1}", "lessons": lessons})
    course["chapters"] = chapters
    return course
