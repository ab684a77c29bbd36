"""Errors a vendor reports to its client.

Backends raise `ApiError`; each vendor renders it in its own envelope (see the
vendor's `errors.py`). A request that ends in an `ApiError` changes nothing: its
transaction is rolled back before the journal entry is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    """Something a client sent that the real API would reject (or, as a warning, frown upon)."""

    location: str  # e.g. "query._limit", "body.progress", "header.x-api-version"
    message: str
    severity: str = "error"  # "error" | "warning"

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "message": self.message, "severity": self.severity}


@dataclass
class ApiError(Exception):
    """A failure answered with the vendor's own status and error envelope.

    `code` is the vendor's machine-readable code where it has one; `details` is
    vendor-specific extra data (validation messages, ids that were not found).
    """

    status: int
    message: str
    code: str | None = None
    details: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)


def not_found(message: str = "Not found", **kwargs: Any) -> ApiError:
    return ApiError(404, message, **kwargs)


def unauthorized(message: str = "Unauthorized", **kwargs: Any) -> ApiError:
    return ApiError(401, message, **kwargs)


def forbidden(message: str = "Forbidden", **kwargs: Any) -> ApiError:
    return ApiError(403, message, **kwargs)
