"""Fixtures for Docebo backend tests: a fresh in-memory database per test, a fixed now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session

from simulator.core import clock
from simulator.core import models as core_models
from simulator.core.context import Reply, RequestContext
from simulator.core.db import UTC, Base, Database
from simulator.core.errors import ApiError
from simulator.core.fixtures import FixtureContext
from simulator.core.ratelimit import RateWindows
from simulator.core.spec import load_spec, operations
from simulator.core.store import Store
from simulator.settings import Settings
from simulator.vendors.docebo import VENDOR, models
from simulator.vendors.docebo.fixtures import load_tenant

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[3] / "fixtures" / "demo" / "docebo.yaml"
TABLES = [
    core_models.ClockRow.__table__,
    core_models.CounterRow.__table__,
    core_models.MetaRow.__table__,
    core_models.RateWindowRow.__table__,
    models.DoceboUser.__table__,
    models.DoceboCourse.__table__,
    models.DoceboEnrollment.__table__,
    models.DoceboClient.__table__,
    models.DoceboToken.__table__,
]


def demo_document() -> dict[str, Any]:
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    # Only the core tables and Docebo's: the backend tests need no other vendor.
    Base.metadata.create_all(database.engine, tables=TABLES)  # type: ignore[arg-type]
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.transaction() as s:
        fx = FixtureContext(session=s, now=NOW)
        for tenant, sections in demo_document()["tenants"].items():
            load_tenant(fx, tenant, sections["docebo"])
        s.flush()
        yield s


class Caller:
    """Calls Docebo handlers directly with a RequestContext (no HTTP pipeline):
    authenticate as the real pipeline would, then run the handler, rendering ApiErrors."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.settings = Settings()
        self.tokens: dict[str, str] = {}
        self.rate_windows = RateWindows()  # one process's windows, as the pipeline shares them

    def context(self, operation_id: str, **kwargs: Any) -> RequestContext:
        headers = {k.lower(): v for k, v in kwargs.pop("headers", {}).items()}
        return RequestContext(
            store=Store.of(self.session),
            settings=self.settings,
            vendor="docebo",
            operation_id=operation_id,
            method="",
            path="",
            request_id="test",
            headers=headers,
            rate_windows=self.rate_windows,
            **kwargs,
        )

    def __call__(self, operation_id: str, *, token: str | None = None, **kwargs: Any) -> Reply:
        if token is not None:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {token}"
        # The pipeline commits between requests; the session does not autoflush, so flush
        # what the test (clock changes) or the previous call left pending.
        self.session.flush()
        ctx = self.context(operation_id, **kwargs)
        op = OPERATIONS[operation_id]
        try:
            principal = VENDOR.authenticate(ctx, op)
            if principal is not None:
                ctx.authenticate_as(principal)
            reply = VENDOR.operations.handlers[operation_id](ctx)
        except ApiError as err:
            reply = VENDOR.render_error(err, ctx)
        reply.headers = {**ctx.response_headers, **reply.headers}
        return reply

    def token(self, tenant: str = "acme") -> str:
        if tenant not in self.tokens:
            reply = self(
                "requestToken",
                body={
                    "grant_type": "password",
                    "client_id": f"{tenant}-client",
                    "client_secret": f"{tenant}-secret",
                    "username": "api.admin",
                    "password": "Passw0rd!",
                },
            )
            assert reply.status == 200, reply.body
            self.tokens[tenant] = reply.body["access_token"]
        return self.tokens[tenant]


OPERATIONS = {op.operation_id: op for op in operations(load_spec("docebo.yaml"))}


@pytest.fixture
def call(session: Session) -> Caller:
    # Freeze the clock at NOW so token expiry and completion dates are predictable.
    clock.set_clock(session, to=NOW, frozen=True, allow_backwards=True)
    return Caller(session)
