"""Skillable TMS authentication: the organization's key in the `api_key` header.

A missing or unknown key answers body status 30 (Invalid integration key), HTTP 200.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.context import Principal, RequestContext
from simulator.core.errors import ApiError
from simulator.core.spec import Operation
from simulator.core.vendor import Credential
from simulator.vendors.skillable.models import SkillableApiKey

HEADER = "api_key"


def authenticate(ctx: RequestContext, op: Operation) -> Principal:
    key = ctx.headers.get(HEADER, "").strip()
    row = ctx.session.get(SkillableApiKey, key) if key else None
    if row is None:
        raise ApiError(401, "Invalid integration key")
    return Principal(tenant=row.tenant, subject=row.name or row.key)


def credentials(session: Session) -> list[Credential]:
    rows = session.scalars(select(SkillableApiKey).order_by(SkillableApiKey.tenant, SkillableApiKey.key))
    return [Credential(tenant=r.tenant, kind="api key", values={HEADER: r.key}, note=r.name) for r in rows]
