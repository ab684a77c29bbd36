"""Database engine, declarative base and the column types shared by every vendor.

All simulator state lives in the database so that several worker processes on one
database agree. SQLite is the default; any SQLAlchemy URL works (PostgreSQL for
several processes or replicas).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

UTC = dt.UTC


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: attach a timezone first")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so text ordering equals time ordering.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table: core tables and vendor tables alike."""

    type_annotation_map = {dt.datetime: UtcDateTime}


class TenantScoped:
    """Mixin for vendor tables: every vendor row belongs to exactly one tenant.

    Per-tenant reset, tenant cloning and snapshots rely on this column.
    """

    tenant: Mapped[str] = mapped_column(String(64), index=True)

    # True on tables of tokens the API issued (bearer secrets a client presents): `lms-sim
    # export` leaves them out, so an exported file never carries a live credential's token.
    issued_secrets: bool = False


def normalize_url(db: str) -> str:
    """Accept a SQLite file path or any SQLAlchemy URL."""
    if "://" in db:
        return db
    if db == ":memory:":
        return "sqlite://"
    return f"sqlite:///{Path(db).expanduser()}"


def make_engine(url: str) -> Engine:
    """Create an engine with the settings the simulator relies on."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if in_memory else None,
    )
    _configure_sqlite(engine, in_memory=in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Nearly every request writes (the journal at least). Taking the write lock at
        # BEGIN avoids the read-to-write upgrade that SQLite cannot retry across processes.
        # Sent on the DBAPI connection directly: this runs on every request.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


class Database:
    """The engine and session factory of one simulator instance."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @staticmethod
    def load_models() -> None:
        # Importing the model modules registers their tables on Base.metadata.
        from simulator.core import models as _core_models  # noqa: F401
        from simulator.vendors import load_vendor_models

        load_vendor_models()
        from simulator.core import snapshots

        snapshots.register_fixture_copies()

    def create_schema(self) -> None:
        self.load_models()
        Base.metadata.create_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @property
    def in_memory(self) -> bool:
        return self.url in ("sqlite://", "sqlite:///:memory:")

    def dispose(self) -> None:
        # An in-memory database lives only in its one connection: closing it would lose it.
        if not self.in_memory:
            self.engine.dispose()
