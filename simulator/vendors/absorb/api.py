"""What every Absorb handler shares: the operation table and reading typed inputs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from simulator.core.context import RequestContext
from simulator.core.errors import ApiError
from simulator.core.vendor import OperationTable
from simulator.vendors.absorb.listing import ListQuery, list_query

operations = OperationTable()

_FRACTION = re.compile(r"(\.\d{6})\d+")


def now(ctx: RequestContext) -> dt.datetime:
    """The request's instant at the precision Absorb shows (whole seconds).

    Stored dates keep no more than the wire shows, so a sync client that passes back the
    last `dateEdited` it saw as `modifiedSince` does not get the same records again.
    """
    return ctx.now().replace(microsecond=0)


def parse_date(value: Any, where: str, *, status: int = 400) -> dt.datetime:
    """An input date: `yyyy-MM-dd` or ISO 8601 date-time; no offset means UTC."""
    text = str(value).strip()
    normalized = _FRACTION.sub(r"\1", text.replace("z", "Z").replace("t", "T"))
    normalized = normalized.replace(":60", ":59")  # a leap second is valid RFC 3339
    try:
        parsed = dt.datetime.fromisoformat(normalized.replace("Z", "+00:00"))
        parsed = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        raise _bad(status, f"{where}: {text!r} is not a valid date") from None
    return parsed


def optional_date(body: dict[str, Any], name: str) -> dt.datetime | None:
    value = body.get(name)
    return None if value is None else parse_date(value, f"body.{name}")


def _bad(status: int, message: str) -> ApiError:
    if status == 422:
        return ApiError(
            422, "A validation error occurred with the provided parameters.", code="ErrorGeneric", details=[message]
        )
    return ApiError(
        400, "The required body parameters were not included or are invalid.", code="BadRequest", details=[message]
    )


def path_id(ctx: RequestContext, name: str) -> str:
    return str(ctx.path_params[name]).lower()


def flag(ctx: RequestContext, name: str) -> bool:
    return bool(ctx.query.get(name, False))


def modified_since(ctx: RequestContext) -> dt.datetime | None:
    value = ctx.query.get("modifiedSince")
    return None if value is None else parse_date(value, "query.modifiedSince", status=422)


def collection(ctx: RequestContext) -> ListQuery:
    return list_query(ctx.query, modified_since(ctx))


def user_id(ctx: RequestContext) -> str:
    """The acting user: the token's owner."""
    if ctx.principal is None:
        raise ApiError(401, "Unauthorized", code="Unauthorized")
    return ctx.principal.subject
