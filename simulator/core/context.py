"""What a vendor handler receives (`RequestContext`) and returns (`Reply`).

Handlers and backends see no Starlette types: only this context, its `Store` (the request's
connection, statements, and an ORM session when needed), and plain Python values already
validated against the vendor's spec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from simulator.core import clock, ids
from simulator.core.errors import ApiError, Violation
from simulator.core.ratelimit import RateWindows, Windows
from simulator.core.store import Store

if TYPE_CHECKING:
    from simulator.core.plumbing import Plumbing

T = TypeVar("T")


class Options(Protocol):
    """The settings the core and the vendors read (the app's `Settings` has these and more)."""

    seed: int
    contract_mode: str  # strict: reject requests that violate the spec; lax: record only
    validate_responses: bool
    journal_bodies: bool
    journal_body_limit: int

    def option(self, vendor: str, name: str, default: Any) -> Any: ...


@dataclass
class Principal:
    """Who is calling: the tenant, the credential, and what it may do."""

    tenant: str
    subject: str  # the key, client or user the credential belongs to
    scopes: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reply:
    """A handler's answer. `body` is rendered as JSON unless `raw` is given."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"
    raw: bytes | None = None


@dataclass
class RequestContext:
    """One vendor request, validated against the spec, inside one database transaction."""

    store: Store
    settings: Options
    vendor: str
    operation_id: str
    method: str
    path: str
    request_id: str
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)  # typed per the spec; arrays as lists
    raw_query: list[tuple[str, str]] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: Any = None  # parsed JSON, or a dict of form fields
    principal: Principal | None = None
    response_headers: dict[str, str] = field(default_factory=dict)  # added to every reply, errors too
    warnings: list[Violation] = field(default_factory=list)
    fault: Any = None  # the injected fault that fired for this request (set by the pipeline)
    # The serving process's rate windows (limits are counted per process).
    rate_windows: Windows = field(default_factory=RateWindows)
    # The process's cached clock (None: read from the database, e.g. in backend unit tests).
    plumbing: Plumbing | None = None
    _now: dt.datetime | None = None

    @property
    def session(self) -> Session:
        """The ORM session of the request's transaction (made on first use: reads rarely need it)."""
        return self.store.session

    @property
    def tenant(self) -> str:
        if self.principal is None:
            raise ApiError(401, "Unauthorized")
        return self.principal.tenant

    def now(self) -> dt.datetime:
        """Simulated now for the caller's tenant; read once per request so a request sees one instant."""
        if self._now is None:
            tenant = self.principal.tenant if self.principal else None
            self._now = self.plumbing.now(tenant) if self.plumbing else clock.now(self.store, tenant)
        return self._now

    def remember(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """A credential lookup, remembered by the process until a credential table changes
        (see `core.plumbing`); `key` names everything the answer depends on."""
        return self.plumbing.remember(key, load) if self.plumbing is not None else load()

    def authenticate_as(self, principal: Principal) -> None:
        self.principal = principal
        self._now = None  # the tenant may have a clock of its own

    def warn(self, location: str, message: str) -> None:
        """Record a contract warning: served anyway, but listed in the journal."""
        self.warnings.append(Violation(location, message, "warning"))

    def new_uuid(self, namespace: str) -> str:
        return ids.new_uuid(self.session, namespace)

    def new_object_id(self, namespace: str) -> str:
        return ids.new_object_id(self.session, namespace)

    def new_hex(self, namespace: str, length: int) -> str:
        return ids.new_hex(self.session, namespace, length)

    def next_int(self, namespace: str, start: int = 1) -> int:
        return ids.next_value(self.session, namespace, start=start)
