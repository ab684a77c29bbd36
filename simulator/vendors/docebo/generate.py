"""A generated `docebo` section for `lms-sim generate` (format in the package docstring)."""

from __future__ import annotations

from typing import Any

from simulator.core.fixtures import GenerateSpec, ago
from simulator.vendors.docebo import states
from simulator.vendors.docebo.fixtures import MAX_ID

# Docebo ids are per tenant, but distinct blocks per tenant make mixed-up tenants obvious.
_BLOCK = 1_000_000
_WEIGHTS = {
    "completed": 0.3,
    "in_progress": 0.25,
    "subscribed": 0.25,
    "waiting_list": 0.05,
    "to_confirm": 0.05,
    "suspended": 0.05,
    "overbooking": 0.05,
}


def generate(spec: GenerateSpec) -> dict[str, Any]:
    rng, t = spec.rng, spec.tenant
    base = (spec.index + 1) * _BLOCK
    if spec.users >= _BLOCK or spec.courses >= _BLOCK or base + _BLOCK > MAX_ID:
        raise ValueError("docebo: at most 999,999 users and courses per tenant, and 2,146 tenants")
    users = []
    for n in range(spec.users):
        first, last, email = spec.person(n)
        user: dict[str, Any] = {
            "id": base + n,
            "username": email.split("@")[0],
            "firstname": first,
            "lastname": last,
            "email": email,
            "created_at": ago(rng.uniform(200, 900)),
        }
        users.append(user)
    # The first user is the account that logs in, as in the demo data.
    users[0].update(username="api.admin", role="godadmin", password="Passw0rd!")  # noqa: S106 (demo login)
    courses = [
        {
            "id": base + n,
            "name": spec.course_title(n),
            "code": f"C-{n + 1:04d}",
            "type": states.COURSE_TYPES[n % 3],
            "duration": rng.choice((30, 45, 60, 90, 240)),
            "description": f"{spec.course_title(n)} for {t} staff",
            "created_at": ago(rng.uniform(400, 600)),
        }
        for n in range(spec.courses)
    ]
    pairs = spec.pairs()
    enrollments = []
    for (u, c), status in zip(pairs, spec.statuses(len(pairs), _WEIGHTS), strict=True):
        inscribed = rng.uniform(2, 180)
        row: dict[str, Any] = {
            "course_id": courses[c]["id"],
            "user_id": users[u]["id"],
            "status": status,
            "date_inscr": ago(inscribed),
        }
        if rng.randrange(20) == 0:  # one in twenty teaches the course
            row["level"] = "instructor"
        if status in ("in_progress", "completed"):
            first_access = rng.uniform(1, inscribed)
            row.update(date_first_access=ago(first_access), date_last_access=ago(rng.uniform(0, first_access)))
            if status == "completed":
                row.update(date_complete=row["date_last_access"], score=rng.randint(55, 100))
        elif status == "suspended":
            row["date_expire_validity"] = ago(rng.uniform(0, inscribed))
        enrollments.append(row)
    return {
        "clients": [
            {
                "client_id": f"{t}-client",
                "client_secret": f"{t}-secret",
                "grants": ["password", "client_credentials", "refresh_token"],
            }
        ],
        "users": users,
        "courses": courses,
        "enrollments": enrollments,
    }
