"""A generated `learnlink` section for `lms-sim generate` (format in the package docstring).

Learn.link enrolments are not listed: they follow from audiences x assignments, and the
loader replays memberships, assignments, completions and departures through the API's
rules, so every status and history entry is one the API itself would have written.
Contents play the part of courses; each is assigned to "All staff" or one of two
departments. Assignments cycle through four shapes so that every status appears once
there are four or more contents:
  recent    assigned lately, long completion period: open or complete
  lapsed    assigned long ago, short period: overdue, or complete (some late)
  recurring completions schedule the next period: scheduled (or open again, overdue)
  upcoming  available from a future date: scheduled
Some department members leave their department: their enrolments there are archived.
Ids are derived from the keys and the tenant by the loader, so tenants never share one.
"""

from __future__ import annotations

from typing import Any

from simulator.core.fixtures import GenerateSpec, ago, ahead
from simulator.vendors.learnlink.backend.tokens import ALL_SCOPES

_SHAPES = ("recent", "lapsed", "recurring", "upcoming")
_DEPARTMENTS = ("dept_a", "dept_b")


def generate(spec: GenerateSpec) -> dict[str, Any]:
    rng, t = spec.rng, spec.tenant
    users = []
    for n in range(spec.users):
        first, last, email = spec.person(n)
        users.append(
            {
                "key": f"u{n}",
                "ref": f"EMP{n + 1:06d}",
                "firstName": first,
                "lastName": last,
                "email": email,
                "role": "admin" if n == 0 else "learner",
            }
        )
    members: dict[str, list[str]] = {"all": [u["key"] for u in users], "dept_a": [], "dept_b": []}
    for n, user in enumerate(users):
        members[_DEPARTMENTS[n % 2]].append(user["key"])
    audiences = [
        {"key": "all", "name": "All staff", "reference": "ALL", "members": members["all"]},
        {"key": "dept_a", "name": "Operations", "reference": "OPS", "members": members["dept_a"]},
        {"key": "dept_b", "name": "Sales", "reference": "SALES", "members": members["dept_b"]},
    ]
    contents, assignments, completions = [], [], []
    departures = []
    # About 5% leave their department; u1 always does (content c1 is assigned to its department
    # long before), so even a small document has archived enrolments.
    leaving = {key: ago(rng.uniform(1, 20)) for key in members["all"][1:] if key == "u1" or rng.random() < 0.05}
    left_days = {key: _days(at) for key, at in leaving.items()}
    for n in range(spec.courses):
        key = f"c{n}"
        contents.append({"key": key, "title": spec.course_title(n), "type": ("course", "video", "article")[n % 3]})
        audience = "all" if n % 3 == 0 else _DEPARTMENTS[n % 2]
        shape = _SHAPES[n % len(_SHAPES)]
        assignment: dict[str, Any] = {"key": f"a{n}", "audience": audience, "content": key}
        if shape == "recent":
            assigned, period = rng.uniform(3, 20), 60
        elif shape == "lapsed":
            assigned, period = rng.uniform(60, 200), rng.choice((14, 30))
        elif shape == "recurring":
            assigned, period = rng.uniform(100, 300), 30
            assignment["recurrence"] = rng.choice((180, 365))
        else:
            assigned, period = rng.uniform(1, 10), 30
            assignment["availableFrom"] = ahead(rng.uniform(5, 30))
        assignment.update(completionPeriod=period, assignedAt=ago(assigned))
        assignments.append(assignment)
        if shape == "upcoming":
            continue  # scheduled enrolments ignore completions
        for member in members[audience]:
            if rng.random() >= 0.5:
                continue
            # Between the assignment and now (or the user's departure), a little after both.
            latest = left_days.get(member, 0) if audience != "all" else 0
            if assigned - latest < 0.5:
                continue
            completions.append(
                {"user": member, "content": key, "completedAt": ago(rng.uniform(latest + 0.1, assigned - 0.2))}
            )
    for member, at in sorted(leaving.items()):
        departures.append({"audience": _DEPARTMENTS[int(member[1:]) % 2], "user": member, "at": at})
    return {
        "tenantId": f"eu-west-2_{t.title().replace('_', '')}Demo01",
        "credentials": [
            {"secret": f"{t}-secret", "scopes": list(ALL_SCOPES)},
            {"secret": f"{t}-readonly", "scopes": ["api/read"]},
        ],
        "historyStart": "@now-P730D",
        "users": users,
        "contents": contents,
        "audiences": audiences,
        "assignments": assignments,
        "completions": sorted(completions, key=lambda c: (-_days(c["completedAt"]), c["user"], c["content"])),
        "departures": departures,
    }


def _days(relative: str) -> float:
    """Days before now of an "@now-PT{h}H" string made by `ago`."""
    return 0.0 if relative == "@now" else int(relative[len("@now-PT") : -1]) / 24
