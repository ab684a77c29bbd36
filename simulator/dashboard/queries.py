"""Query-string parsing for the dashboard: bad input becomes a 400 with a message, never a 500."""

from __future__ import annotations

from collections.abc import Mapping

from simulator.core.browse import DashboardHooks, EnrollmentQuery
from simulator.core.vendor import VendorPlugin

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
MAX_TEXT = 200


class BadQuery(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(400, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise BadQuery(400, f"{name} must be between {low} and {high}")
    return value


def text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name, "").strip()
    if len(value) > MAX_TEXT:
        raise BadQuery(400, f"{name} is longer than {MAX_TEXT} characters")
    return value or None


def browsable(vendors: Mapping[str, VendorPlugin], name: str | None) -> tuple[VendorPlugin, DashboardHooks]:
    vendor = vendors.get(name or "")
    if vendor is None:
        raise BadQuery(404, f"unknown vendor: {name!r} (known: {', '.join(sorted(vendors))})")
    if vendor.dashboard is None:
        raise BadQuery(404, f"{vendor.name} offers no enrollment browsing")
    return vendor, vendor.dashboard


def enrollment_query(params: Mapping[str, str], tenants: list[str]) -> EnrollmentQuery:
    tenant = text(params, "tenant")
    if tenant is not None and tenant not in tenants:
        raise BadQuery(404, f"unknown tenant: {tenant}")
    return EnrollmentQuery(
        tenant=tenant,
        status=text(params, "status"),
        search=text(params, "q"),
        limit=integer(params, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE),
        offset=integer(params, "offset", 0, 0, 10_000_000),
    )
