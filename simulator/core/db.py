"""Database engine, declarative base and the column types shared by every vendor.

All simulator state lives in the database so that several worker processes on one
database agree. SQLite is the default; PostgreSQL (`postgresql+psycopg://...`) serves
several processes or replicas. Both behave the same way to a client:

- Transactions run one at a time. SQLite takes its write lock at BEGIN (BEGIN IMMEDIATE);
  on PostgreSQL every transaction first takes one transaction-level advisory lock (see
  `_configure_postgresql` for why not a lock per tenant or SERIALIZABLE).
- Text compares, sorts and folds case as SQLite does: PostgreSQL columns get the "C"
  collation (byte order, ASCII-only case folding), and no length limit (SQLite has none).
- Integers are 64-bit on both (PostgreSQL's INTEGER is 32-bit).
- A NUL character, which PostgreSQL cannot store in text, is kept as U+FFFF in the
  database and turned back into NUL on the way out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, DateTime, Engine, Integer, String, Text, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.schema import CreateColumn

from simulator.core.checkpoint import WalCheckpointer

UTC = dt.UTC

# How long a SQLite statement waits for another connection's write lock before failing.
BUSY_TIMEOUT_MS = 30_000


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


def make_engine(url: str, *, sqlite_options: SqliteOptions | None = None) -> Engine:
    """Create an engine with the settings the simulator relies on."""
    url = normalize_url(url)
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        _configure_postgresql(engine)
        return engine
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        poolclass=StaticPool if in_memory else None,
    )
    _configure_sqlite(engine, in_memory=in_memory, options=sqlite_options or SqliteOptions())
    return engine


class Flushable(Protocol):
    """Writes held in memory that a transaction opened for reading should see (the journal writer)."""

    def flush(self) -> int: ...


# Set while a request that changes no vendor state runs: its transaction takes no write lock.
_READING: ContextVar[bool] = ContextVar("lms_sim_reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside are read transactions (see the module docstring)."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


class SqliteOptions:
    """What the connection hooks of one SQLite engine consult as it runs."""

    def __init__(self) -> None:
        # Set while a `WalCheckpointer` thread checkpoints the file: serving connections
        # then never checkpoint inside a request's COMMIT (read when a connection opens).
        self.background_checkpoints = False


def _configure_sqlite(engine: Engine, *, in_memory: bool, options: SqliteOptions) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if options.background_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read takes no lock: in WAL mode it reads a snapshot while a writer writes. A
        # transaction that may write takes the write lock at BEGIN: the read-to-write upgrade
        # fails at once (SQLITE_BUSY) when another connection wrote since the snapshot began;
        # a read that must write after all is run again as a write (see `core.pipeline`).
        conn.connection.driver_connection.execute("BEGIN" if _READING.get() else "BEGIN IMMEDIATE")


# -- PostgreSQL ------------------------------------------------------------------------------

# The advisory lock keys ("lms-sim" in ASCII). Advisory locks belong to one database, so
# simulators on different databases of one server never wait for each other.
TRANSACTION_LOCK = 0x6C6D732D73696D
# Held (at session level, on its own connection) while one process creates the schema and
# loads the fixtures, so that processes starting together do not do it twice.
BOOTSTRAP_LOCK = TRANSACTION_LOCK + 1

# Set while a vendor request runs: the pipeline takes its locks itself (see `lock_for`),
# once it knows the tenant.
_LOCKED_BY_CALLER: ContextVar[bool] = ContextVar("lms_sim_locked_by_caller", default=False)


@contextmanager
def request_locks() -> Iterator[None]:
    """Transactions begun inside take no lock at BEGIN: the caller calls `lock_for`."""
    token = _LOCKED_BY_CALLER.set(True)
    try:
        yield
    finally:
        _LOCKED_BY_CALLER.reset(token)


def lock_for(source: Session | Connection, tenant: str | None) -> None:
    """Serialise this write transaction with the others that must not interleave with it.

    PostgreSQL only (SQLite's write lock is taken at BEGIN). A tenant's writes wait for that
    tenant's other writes, never for another tenant's: the handlers read, decide and write
    within one tenant (seat counts, status machines, "already enrolled" checks). Writes of
    no tenant (the control API, token endpoints before the caller is known, background
    work) take the lock of every tenant at once. Shared counters (ids, fault hits) are
    single-row UPDATEs, which row locks keep exact.
    """
    connection = source.connection() if isinstance(source, Session) else source
    if connection.dialect.name != "postgresql":
        return
    if tenant is None:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({TRANSACTION_LOCK})")
        return
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({TRANSACTION_LOCK})")
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": _tenant_key(tenant)})


def _tenant_key(tenant: str) -> int:
    # Any 63-bit number other than the two keys above, the same in every process.
    digest = int.from_bytes(hashlib.sha256(tenant.encode()).digest()[:8], "big") >> 1
    return digest if digest not in (TRANSACTION_LOCK, BOOTSTRAP_LOCK) else digest + 2


def _configure_postgresql(engine: Engine) -> None:
    from simulator.core import pg_text

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        pg_text.register(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if _READING.get():
            # An MVCC snapshot, no lock. READ ONLY: a read that must write after all fails on
            # its first write and is run again as a write (see `core.pipeline`).
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif not _LOCKED_BY_CALLER.get():
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({TRANSACTION_LOCK})")


@compiles(String, "postgresql")
@compiles(Text, "postgresql")
def _pg_text(element: String, compiler: Any, **kw: Any) -> str:
    # No length limit (SQLite enforces none: a long value must not become a 500), and the
    # "C" collation: byte-order sorting and ASCII-only lower()/ILIKE, as on SQLite.
    return 'TEXT COLLATE "C"'


@compiles(Integer, "postgresql")
def _pg_integer(element: Integer, compiler: Any, **kw: Any) -> str:
    return "BIGINT"  # SQLite's INTEGER is 64-bit


@compiles(CreateColumn, "postgresql")
def _pg_create_column(element: CreateColumn, compiler: Any, **kw: Any) -> str:
    text: str = compiler.visit_create_column(element, **kw)
    # An autoincrement integer key is SERIAL (32-bit); make it 64-bit like every integer.
    return text.replace(" SERIAL", " BIGSERIAL", 1)


_MODEL_LOADERS: list[Callable[[], None]] = []


def register_models(loader: Callable[[], None]) -> None:
    """Have `Database.load_models` call `loader` (which imports more model modules)."""
    if loader not in _MODEL_LOADERS:
        _MODEL_LOADERS.append(loader)


class Database:
    """The engine and session factory of one simulator instance."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self._sqlite_options = SqliteOptions()
        self.engine = make_engine(self.url, sqlite_options=self._sqlite_options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checkpointer: WalCheckpointer | None = None
        self._held = threading.local()
        self._all_held: list[Connection] = []  # so that `dispose` closes every thread's
        self._held_lock = threading.Lock()
        # The process's journal writer: flushed before `transaction()` so that whatever
        # reads through it (dashboard, CLI, tests) sees every entry answered so far.
        self.journal: Flushable | None = None

    @staticmethod
    def load_models() -> None:
        # Importing the model modules registers their tables on Base.metadata. The vendors'
        # modules are registered by the vendor list itself (`register_models`): the core
        # does not import the vendors.
        from simulator.core import models as _core_models  # noqa: F401

        for loader in _MODEL_LOADERS:
            loader()
        from simulator.core import snapshots

        snapshots.register_fixture_copies()

    def create_schema(self) -> None:
        from simulator.core import changes, snapshots

        self.load_models()
        Base.metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            changes.install(connection, snapshots.vendor_tables())

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on error."""
        if self.journal is not None:
            self.journal.flush()
        with self.sessions() as session, session.begin():
            yield session

    def request_connection(self) -> Connection:
        """The calling thread's connection for requests, kept between them.

        A request's database work runs start to end without yielding to the event loop, so
        one connection per thread serves every request of that thread in turn; checking one
        out of the pool and back for each request cost more than a simple read itself. A
        connection that broke, or that belongs to a pool since replaced (`engine.dispose`),
        is replaced.
        """
        held: tuple[Any, Connection] | None = getattr(self._held, "value", None)
        if held is not None:
            pool, connection = held
            if pool is self.engine.pool and not connection.closed and not connection.invalidated:
                return connection
            self._release(connection)
        connection = self.engine.connect()
        self._held.value = (self.engine.pool, connection)
        with self._held_lock:
            self._all_held.append(connection)
        return connection

    def _release(self, connection: Connection) -> None:
        with self._held_lock:
            if connection in self._all_held:
                self._all_held.remove(connection)
        connection.close()

    @contextmanager
    def without_waiting(self, connection: Connection) -> Iterator[None]:
        """Inside, a statement that finds another connection's write lock fails at once
        (`is_busy`) instead of waiting for it: for work on the event loop's thread that can
        as well be done later. SQLite only (a PostgreSQL insert takes no such lock)."""
        if self.engine.dialect.name != "sqlite":
            yield
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA busy_timeout=0")
        try:
            yield
        finally:
            driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def release_request_connections(self) -> None:
        """Close every thread's request connection (no request may be running)."""
        with self._held_lock:
            held, self._all_held = self._all_held, []
        for connection in held:
            connection.close()

    @property
    def in_memory(self) -> bool:
        return self.url in ("sqlite://", "sqlite:///:memory:")

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def bootstrap_lock(self) -> Iterator[None]:
        """Only one process at a time creates the schema and loads the fixtures.

        SQLite's file lock already does this; PostgreSQL needs a session-level advisory
        lock on a connection of its own (held across the transactions of the bootstrap).
        """
        if not self.is_postgresql:
            yield
            return
        # A connection of its own, outside the pool (the bootstrap disposes of the pool), in
        # autocommit: waiting here must not hold the transaction lock the loader needs.
        lock_engine = create_engine(self.url, poolclass=NullPool)
        try:
            with lock_engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({BOOTSTRAP_LOCK})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({BOOTSTRAP_LOCK})")
        finally:
            lock_engine.dispose()

    def start_background_checkpoints(self) -> None:
        """While serving a SQLite file, checkpoint its log from a thread (see `checkpoint`)."""
        if self.engine.dialect.name != "sqlite" or self.in_memory or self._checkpointer is not None:
            return
        path = self.engine.url.database
        if not path:
            return
        self._sqlite_options.background_checkpoints = True
        self.engine.dispose()  # connections opened from now on leave checkpoints to the thread
        self._checkpointer = WalCheckpointer(path)
        self._checkpointer.start()

    def dispose(self) -> None:
        if self.journal is not None:
            self.journal.flush()
        self.release_request_connections()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
            self._sqlite_options.background_checkpoints = False
        # An in-memory database lives only in its one connection: closing it would lose it.
        if not self.in_memory:
            self.engine.dispose()


def is_busy(exc: BaseException) -> bool:
    """SQLite refused a statement because another connection holds the lock it needs."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and ("locked" in str(orig) or "busy" in str(orig))
