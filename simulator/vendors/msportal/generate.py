"""A generated `msportal` section for `lms-sim generate` (format in fixtures.py)."""

from __future__ import annotations

from typing import Any

from simulator.core.fixtures import GenerateSpec, ago, ahead
from simulator.vendors.msportal import states

# Record kinds in the first byte of every GUID: MSPortal ids are global primary keys.
_COMPANY, _USER, _COURSE, _ENROLLMENT = 1, 2, 3, 4
_WEIGHTS = {states.COMPLETED: 0.4, states.IN_PROGRESS: 0.3, states.NOT_STARTED: 0.3}


def generate(spec: GenerateSpec) -> dict[str, Any]:
    rng, t = spec.rng, spec.tenant
    companies = [
        {"id": spec.guid(_COMPANY, i), "name": f"{t.title()} {name}"} for i, name in enumerate(("HQ", "Field"))
    ]
    users = []
    for n in range(spec.users):
        first, last, email = spec.person(n)
        users.append(
            {
                "id": spec.guid(_USER, n),
                "fullName": f"{first} {last}",
                "email": email,
                "companyId": companies[n % 2]["id"],
            }
        )
    courses = []
    for n in range(spec.courses):
        course: dict[str, Any] = {
            "id": spec.guid(_COURSE, n),
            "title": spec.course_title(n),
            "courseType": "classroom" if n % 5 == 4 else "online",
            "isMandatory": n % 3 == 0,
            "duration": rng.choice((30, 45, 60, 90)),
            "createdAt": ago(400),
        }
        if n % 2 == 0:  # half the courses have a pass mark and certificates that expire
            course.update(passingScore=rng.choice((60, 70, 80)), expiresAfterDays=rng.choice((365, 730)))
        courses.append(course)
    pairs = spec.pairs()
    enrollments = []
    for k, ((u, c), status) in enumerate(zip(pairs, spec.statuses(len(pairs), _WEIGHTS), strict=True)):
        enrolled = rng.uniform(2, 360)
        row: dict[str, Any] = {
            "id": spec.guid(_ENROLLMENT, k),
            "courseId": courses[c]["id"],
            "userId": users[u]["id"],
            "status": status,
            "enrolledAt": ago(enrolled),
            "companyId": users[u]["companyId"],
        }
        if rng.random() < 0.5:
            row["dueDate"] = ahead(rng.uniform(-30, 60))
        if status != states.NOT_STARTED:
            started = rng.uniform(1, enrolled)
            row.update(startedAt=ago(started), timeSpentSeconds=rng.randrange(60, 7200, 60))
            if status == states.COMPLETED:
                # Some scores miss the pass mark: completed without a certificate, as in the demo.
                row.update(completedAt=ago(rng.uniform(0, started)), score=rng.randint(50, 100), progress=100)
            else:
                row["progress"] = rng.randint(1, 99)
        enrollments.append(row)
    return {
        "apiKeys": [
            {"key": f"msp_{t}_full", "name": f"{t} integration", "scopes": [states.READ_SCOPE, states.WRITE_SCOPE]},
            {"key": f"msp_{t}_read", "name": f"{t} reporting (read only)", "scopes": [states.READ_SCOPE]},
        ],
        "companies": companies,
        "users": users,
        "courses": courses,
        "enrollments": enrollments,
    }
