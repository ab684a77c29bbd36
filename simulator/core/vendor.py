"""The interface between the core and one simulated vendor.

A vendor package (`simulator/vendors/<name>/`) exposes `VENDOR: VendorPlugin`.
The core mounts it at `/<name>`, registers a route for every operation of its spec,
and for each request: validates it against the spec, calls `authenticate`, calls
the handler registered for the operationId, and renders any `ApiError` with
`render_error`. A vendor imports only `simulator.core` and itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from simulator.core.browse import DashboardHooks
from simulator.core.context import Principal, Reply, RequestContext
from simulator.core.errors import ApiError, Violation
from simulator.core.fixtures import FixtureContext, GenerateSpec
from simulator.core.spec import Operation
from simulator.core.store import Store
from simulator.core.tenants import CloneRules

Handler = Callable[[RequestContext], Reply]


class OperationTable:
    """Handlers by operationId. Use as a decorator: `@operations("getEnrollment")`."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def __call__(self, operation_id: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if operation_id in self.handlers:
                raise ValueError(f"operation {operation_id} registered twice")
            self.handlers[operation_id] = handler
            return handler

        return register


@dataclass(frozen=True)
class Credential:
    """A demo credential shown in the README, the admin API and the dashboard."""

    tenant: str
    kind: str  # e.g. "api key", "basic", "oauth2 client"
    values: Mapping[str, str]
    note: str = ""


@dataclass(frozen=True)
class VendorPlugin:
    name: str  # URL prefix and fixture section name, e.g. "msportal"
    title: str  # e.g. "MSPortal Public API"
    spec_file: str  # file name in specs/
    upstream_url: str  # the real API's base URL, for the README and the served spec
    operations: OperationTable
    # Return the caller, or raise ApiError (401/403). Called for every operation, the
    # public ones included (op.security == []), so a vendor may still require a key.
    authenticate: Callable[[RequestContext, Operation], Principal | None]
    # Render an ApiError in the vendor's own envelope and status conventions.
    render_error: Callable[[ApiError, RequestContext], Reply]
    # The vendor's error for a request that does not match its spec.
    validation_error: Callable[[list[Violation]], ApiError]
    # Load one tenant's section of a fixture document (raise FixtureError on bad input).
    load_tenant: Callable[[FixtureContext, str, Mapping[str, Any]], None]
    # Bring time-driven statuses of one tenant up to `now` (None: nothing moves with time).
    catch_up: Callable[[Store, str, dt.datetime], None] | None = None
    # Tables of credentials and issued tokens: a change to one moves the plumbing generation,
    # so credentials remembered by any process (`Plumbing.remember`) are looked up again.
    credential_tables: frozenset[str] = frozenset()
    # Demo credentials per tenant, read from the database (for docs and the dashboard).
    credentials: Callable[[Session], list[Credential]] | None = None
    # Paths match case-insensitively (Absorb's gateway accepts /Users/... too).
    case_insensitive_paths: bool = False
    # Query parameter and JSON property names match case-insensitively (ASP.NET model binding).
    case_insensitive_names: bool = False
    # Largest request body accepted; larger ones get the vendor's 413.
    max_body_bytes: int = 1_048_576
    # Operations whose responses hand out secrets (tokens): their bodies are never journaled.
    secret_operations: frozenset[str] = frozenset()
    # False for the simulator's own admin API: only vendor requests go to the journal.
    journaled: bool = True
    # The GET operations that change state (Skillable's writes are GETs): they run as writes
    # (the write lock, a savepoint that undoes a failed call's writes); every other GET is a read.
    writes_on_get: frozenset[str] = frozenset()
    # Handlers this vendor adds to the control API (their operations are in specs/simulator.yaml).
    admin_operations: OperationTable | None = None
    # Which fixture fields must change when a tenant is cloned (ids are found by shape).
    clone_rules: CloneRules = field(default_factory=CloneRules)
    # One tenant's generated fixture section for `lms-sim generate` (None: not generated).
    generate: Callable[[GenerateSpec], dict[str, Any]] | None = None
    # Enrollment browsing for the dashboard (None: the dashboard shows counts only).
    dashboard: DashboardHooks | None = None
    # Stop this vendor's background work on a database being closed (Learn.link's webhook
    # deliveries): a delivery waiting to retry must not keep the process from exiting.
    close: Callable[[Engine], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
