"""Skillable TMS authentication: the organization's key in the `api_key` header.

A missing or unknown key answers body status 30 (Invalid integration key), HTTP 200.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.core.store import Statement
from simulator.core.vendor import Credential
from simulator.vendors.skillable.models import SkillableApiKey

HEADER = "api_key"


# Built once: every request authenticates, and a plain row is all it needs.
_KEY = Statement(select(SkillableApiKey.tenant, SkillableApiKey.name).where(SkillableApiKey.key == bindparam("key")))

# Keys change only with their table (`credential_tables`), so each process remembers the
# ones it found until that table changes; keys do not expire.
REMEMBERED_AS = "skillable.key"


def authenticate(ctx: RequestContext, op: Operation) -> Principal:
    key = ctx.headers.get(HEADER, "").strip()
    found = ctx.remember((REMEMBERED_AS, key), lambda: _KEY.first(ctx.store, {"key": key})) if key else None
    if found is None:
        raise ApiError(401, "Invalid integration key")
    tenant, name = found
    return Principal(tenant=tenant, subject=name or key)


def credentials(session: Session) -> list[Credential]:
    rows = session.scalars(select(SkillableApiKey).order_by(SkillableApiKey.tenant, SkillableApiKey.key))
    return [Credential(tenant=r.tenant, kind="api key", values={HEADER: r.key}, note=r.name) for r in rows]
