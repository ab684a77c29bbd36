"""One simulator instance: settings, database, vendors, and the operations on its whole state
(start-up, loading fixtures, reset) that the CLI, the admin API and the pytest plugin share."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sqlite3
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, CreateTable, Index

from simulator.core import changes, clock, ids, journal, plumbing, snapshots
from simulator.core.db import Base, Database, is_busy
from simulator.core.fixtures import FixtureContext, FixtureError, check, read_documents
from simulator.core.models import MetaRow
from simulator.core.store import Store
from simulator.core.tenants import OFFSET_STEP, rekey
from simulator.core.vendor import VendorPlugin
from simulator.progress import Progress
from simulator.settings import Settings
from simulator.vendors import all_vendors

log = logging.getLogger("simulator")

# Loaded in-memory databases, by what decides their content (fixtures, seed, schema). Tests
# create a fresh simulator per test; copying a loaded template with SQLite's backup API takes
# a millisecond where loading the fixtures again takes hundreds. A template is never changed
# after it is made, so sharing it within the process cannot leak state between simulators.
_TEMPLATES: dict[tuple[str, int, str], sqlite3.Connection] = {}

SCHEMA_KEY = "schema"
TENANTS_KEY = "tenants"
FIXTURE_CLOCK_KEY = "fixture_clock"
FIXTURE_SECTIONS_KEY = "fixture_sections"  # tenant -> vendor -> section, for cloning
FIXTURE_TENANTS_KEY = "fixture_tenants"  # the tenants of those sections, which a reset returns to
CLONES_KEY = "clones"  # clone tenant -> {"from": tenant, "offset": n}


def _json_safe(value: Any) -> Any:
    """Fixture sections as JSON (YAML may have parsed dates into datetime objects)."""
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


@functools.cache
def _fingerprint(dialect_name: str, table_count: int) -> str:
    """A digest of the schema's DDL, indexes included: a database made by another version gets
    reloaded, and one made by this version needs nothing created at start-up."""
    from sqlalchemy.dialects import registry

    dialect = registry.load(dialect_name)()
    ddl: list[str] = []
    for table in Base.metadata.sorted_tables:
        ddl.append(str(CreateTable(table).compile(dialect=dialect)))
        ddl += [str(CreateIndex(index).compile(dialect=dialect)) for index in sorted(table.indexes, key=_index_name)]
    ddl.append(changes.VERSION)  # the triggers `create_schema` adds
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:16]


def _index_name(index: Index) -> str:
    return str(index.name)


class Runtime:
    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.db)
        self.vendors: dict[str, VendorPlugin] = {v.name: v for v in all_vendors()}
        # Clock and fault rules cached per process, rate windows counted per process.
        self.plumbing = plumbing.Plumbing()
        plumbing.watch(self.db.sessions)
        for vendor in self.vendors.values():
            plumbing.watch_tables(vendor.credential_tables)
        # Entries of reads wait to be written together only when this process is its SQLite
        # file's one server: with several, a journal read may reach another process.
        batching = settings.workers == 1 and self.db.engine.dialect.name == "sqlite" and not self.db.in_memory
        self.journal = journal.JournalWriter(self.db.engine, batching=batching)
        self.db.journal = self.journal
        self._server_id: str | None = None
        # Request ids the client did not give: seeded, so a run is reproducible from its seed.
        self.request_ids = ids.RequestIds(settings.seed)

    def start_serving(self) -> None:
        """Tell the other processes on this database that one more serves it (see `Plumbing.shared`)."""
        self._server_id = f"{os.getpid()}:{id(self):x}"
        with self.db.transaction() as session:
            others = plumbing.register_server(session, self._server_id, serving=True)
        if others:  # the processes serving one database together must not repeat each other's ids
            self.request_ids = ids.RequestIds(self.settings.seed, stream=f"-{others + 1}")

    def stop_serving(self) -> None:
        if self._server_id is None:
            return
        with self.db.transaction() as session:
            plumbing.register_server(session, self._server_id, serving=False)
        self._server_id = None

    def close(self) -> None:
        """Stop the vendors' background work, write what waits, and close the database."""
        for vendor in self.vendors.values():
            if vendor.close is not None:
                vendor.close(self.db.engine)
        self.db.dispose()

    def flush_journal(self, *, wait: bool = True) -> bool:
        """Write the waiting journal entries now, on this thread's request connection.

        The pipeline schedules this on the event loop after reads, with `wait=False`: if
        another connection (a second process, an export) holds the write lock, nothing waits
        and the entries stay for the next try (False). Writing from the loop's own
        connection, not a thread's, is what keeps the batch cheap: no second connection
        whose commits make the serving one drop its page cache, no thread taking turns with
        the loop for the GIL (about a third of a read's CPU on the benchmark).
        """
        self.journal.flush_scheduled = False
        connection = self.db.request_connection()
        try:
            if wait:
                self.journal.flush(connection)
            else:
                with self.db.without_waiting(connection):
                    self.journal.flush(connection)
        except Exception as exc:  # kept waiting: the next flush writes them
            if not wait and is_busy(exc):
                return False
            log.exception("writing the journal entries failed")
        return True

    # -- start-up -------------------------------------------------------------------------

    def bootstrap(self, progress: Progress | None = None) -> bool:
        """Create the schema and load the fixtures unless the database already holds state.

        True when the fixtures were loaded, False when the stored state was kept.
        """
        if self.db.in_memory:
            self._bootstrap_in_memory()
            return True
        # Replicas starting together on one PostgreSQL database: one loads, the others wait
        # and then find the schema and fixtures in place.
        with self.db.bootstrap_lock():
            return self._bootstrap_shared(progress)

    def _bootstrap_shared(self, progress: Progress | None) -> bool:
        if not self.settings.fresh and self._stored_schema() == self.schema_fingerprint():
            return False  # made by this version, state in place: nothing to create or load
        self.db.create_schema()
        with self.db.transaction() as session:
            stored = session.get(MetaRow, SCHEMA_KEY)
            fingerprint = self.schema_fingerprint()
            if stored is not None and stored.value != fingerprint and not self.settings.fresh:
                log.warning("the database was made by another version of the simulator: reloading the fixtures")
            needs_load = self.settings.fresh or stored is None or stored.value != fingerprint
        if needs_load:
            self.db.dispose()
            Base.metadata.drop_all(self.db.engine)
            self.db.create_schema()
            with self.db.transaction() as session:
                ids.set_seed(session, self.settings.seed)
                doc = read_documents(self.settings.fixtures) if self.settings.fixtures else {}
                self.load_document(session, doc, replace=True, progress=progress)
                session.add(MetaRow(key=SCHEMA_KEY, value=fingerprint))
        return needs_load

    def _stored_schema(self) -> str | None:
        """The schema fingerprint the database records; None for a new (or foreign) database."""
        try:
            with self.db.engine.connect() as connection:
                value = connection.execute(select(MetaRow.value).where(MetaRow.key == SCHEMA_KEY)).scalar()
        except DBAPIError:
            return None  # no sim_meta table yet
        return value if isinstance(value, str) else None

    def _bootstrap_in_memory(self) -> None:
        key = (str(self.settings.fixtures), self.settings.seed, self.schema_fingerprint())
        raw = self.db.engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            template = _TEMPLATES.get(key)
            if template is not None:
                template.backup(connection)  # schema and rows in one copy
                return
            self.db.create_schema()
            with self.db.transaction() as session:
                ids.set_seed(session, self.settings.seed)
                doc = read_documents(self.settings.fixtures) if self.settings.fixtures else {}
                self.load_document(session, doc, replace=True)
                session.add(MetaRow(key=SCHEMA_KEY, value=key[2]))
            template = sqlite3.connect(":memory:", check_same_thread=False)
            connection.backup(template)
            _TEMPLATES[key] = template
        finally:
            raw.close()

    def schema_fingerprint(self) -> str:
        self.db.load_models()
        return _fingerprint(self.db.engine.dialect.name, len(Base.metadata.tables))

    # -- fixtures -------------------------------------------------------------------------

    def load_document(
        self, session: Session, doc: Mapping[str, Any], *, replace: bool, progress: Progress | None = None
    ) -> list[str]:
        """Load a fixture document (all or nothing) and remember it as the state reset returns to.

        With `replace`, existing vendor state is dropped first; otherwise the document's
        tenants are added (a tenant that already exists is replaced).
        """
        check(doc, "document", Mapping)
        unknown = sorted(set(doc) - {"clock", "tenants", "seed"})
        if unknown:
            raise FixtureError(unknown[0], "unknown top-level key (expected clock, tenants, seed)")
        tenants = check(doc.get("tenants") or {}, "tenants", Mapping)
        if replace:
            snapshots.clear(session)
            self._apply_clock(session, doc.get("clock"))
        elif doc.get("clock") is not None:
            raise FixtureError("clock", "only a full load (replace) may set the clock")
        fx = FixtureContext(session=session, now=clock.now(session))
        loaded = []
        steps = sum(len(s) for s in tenants.values() if isinstance(s, Mapping))
        done = 0
        for tenant, sections in tenants.items():
            if not isinstance(tenant, str) or not tenant.isidentifier():
                raise FixtureError(f"tenants.{tenant}", "a tenant name is a short identifier")
            check(sections, f"tenants.{tenant}", Mapping)
            if not replace:
                snapshots.clear(session, tenant)
            for vendor_name, section in sections.items():
                vendor = self.vendors.get(vendor_name)
                if vendor is None:
                    raise FixtureError(
                        f"tenants.{tenant}.{vendor_name}", f"unknown vendor (known: {sorted(self.vendors)})"
                    )
                vendor.load_tenant(fx, tenant, check(section, f"tenants.{tenant}.{vendor_name}", Mapping))
                done += 1
                if progress is not None:
                    progress(done, steps, f"{tenant}/{vendor_name}")
            loaded.append(tenant)
        session.flush()
        known = set(self.tenants(session)) if not replace else set()
        self._set_meta(session, TENANTS_KEY, sorted(known | set(loaded)))
        sections = {} if replace else dict(self._meta(session, FIXTURE_SECTIONS_KEY) or {})
        sections.update(_json_safe({t: tenants[t] for t in loaded}))
        self._set_meta(session, FIXTURE_SECTIONS_KEY, sections)
        # Reset needs only the names: reading them out of the sections parsed the whole
        # fixture document again (a second on a 100,000-enrollment one).
        self._set_meta(session, FIXTURE_TENANTS_KEY, sorted(sections))
        if replace:
            self._set_meta(session, CLONES_KEY, {})
        snapshots.save_fixture_state(session)
        # The fixture state lives in copy tables; this row only records that there is one.
        snapshots.save(session, snapshots.FIXTURES, b"", clock.now(session))
        return loaded

    def _apply_clock(self, session: Session, spec: Any) -> None:
        if spec is None:
            spec = {}
        check(spec, "clock", Mapping)
        start = spec.get("now", "@real")
        frozen = bool(check(spec.get("frozen", False), "clock.frozen", bool))
        to = None
        if start != "@real":
            try:
                to = clock.parse_instant(check(start, "clock.now", str))
            except clock.ClockError as exc:
                raise FixtureError("clock.now", str(exc)) from exc
        try:
            clock.set_clock(session, to=to or clock.wall_now(), frozen=frozen, allow_backwards=True)
        except clock.ClockError as exc:
            raise FixtureError("clock.now", str(exc)) from exc
        self._set_meta(session, FIXTURE_CLOCK_KEY, {"now": start, "frozen": frozen})

    @staticmethod
    def _set_meta(session: Session, key: str, value: Any) -> None:
        row = session.get(MetaRow, key)
        if row is None:
            session.add(MetaRow(key=key, value=value))
        else:
            row.value = value

    @staticmethod
    def _meta(session: Session, key: str) -> Any:
        row = session.get(MetaRow, key)
        return None if row is None else row.value

    # -- clones ---------------------------------------------------------------------------

    def clone_tenant(self, session: Session, src: str, name: str | None = None) -> str:
        """Make a fresh tenant from `src`'s fixture sections, sharing no record or credential."""
        sections = self._meta(session, FIXTURE_SECTIONS_KEY) or {}
        if src not in sections:
            raise FixtureError(f"tenants.{src}", "no fixture tenant of that name to clone")
        clones: dict[str, Any] = dict(self._meta(session, CLONES_KEY) or {})
        existing = set(self.tenants(session))
        number = ids.next_value(session, "sim:clone")
        dst = name or f"{src}_{number}"
        if dst in existing:
            raise FixtureError("name", f"tenant {dst!r} already exists")
        if not dst.isidentifier() or len(dst) > 64:
            raise FixtureError("name", "a tenant name is a short identifier")
        clones[dst] = {"from": src, "offset": number * OFFSET_STEP}
        self._load_clone(session, dst, clones[dst], sections[src])
        self._set_meta(session, CLONES_KEY, clones)
        self._set_meta(session, TENANTS_KEY, sorted(existing | {dst}))
        return dst

    def _load_clone(self, session: Session, dst: str, origin: Mapping[str, Any], sections: Mapping[str, Any]) -> None:
        fx = FixtureContext(session=session, now=clock.now(session))
        for vendor_name, section in sections.items():
            vendor = self.vendors[vendor_name]
            copy = rekey(section, vendor.clone_rules, origin["from"], dst, int(origin["offset"]))
            vendor.load_tenant(fx, dst, copy)
        session.flush()

    def clones(self, session: Session) -> dict[str, Any]:
        return dict(self._meta(session, CLONES_KEY) or {})

    @staticmethod
    def tenants(session: Session) -> list[str]:
        row = session.get(MetaRow, TENANTS_KEY)
        return list(row.value) if row is not None else []

    # -- reset and time -------------------------------------------------------------------

    def reset(self, session: Session, tenant: str | None = None) -> None:
        """Back to the state right after the fixtures were loaded (one tenant, or everything)."""
        if snapshots.load(session, snapshots.FIXTURES) is None:
            raise FixtureError("fixtures", "no fixtures were loaded")
        self.plumbing.rate_windows.clear()  # this process's; other processes keep counting theirs
        if tenant is None:
            snapshots.restore_fixture_state(session)
            meta = session.get(MetaRow, FIXTURE_CLOCK_KEY)
            if meta is not None and meta.value.get("now") == "@real":
                # A real-time fixture clock restarts at wall time, as on a fresh start.
                clock.set_clock(
                    session, to=clock.wall_now(), frozen=bool(meta.value.get("frozen")), allow_backwards=True
                )
            journal.clear(session)
            # Clones are not fixtures: a full reset returns to the fixture tenants only.
            fixture_tenants = self._meta(session, FIXTURE_TENANTS_KEY)
            if fixture_tenants is None:  # loaded before the names were kept apart
                fixture_tenants = sorted(self._meta(session, FIXTURE_SECTIONS_KEY) or {})
            self._set_meta(session, TENANTS_KEY, fixture_tenants)
            self._set_meta(session, CLONES_KEY, {})
        else:
            clones = self._meta(session, CLONES_KEY) or {}
            if tenant in clones:
                snapshots.clear(session, tenant)
                sections = self._meta(session, FIXTURE_SECTIONS_KEY) or {}
                self._load_clone(session, tenant, clones[tenant], sections[clones[tenant]["from"]])
            else:
                snapshots.restore_fixture_state(session, tenant)

    def catch_up_all(self, session: Session) -> None:
        """Let every vendor move its time-driven statuses up to now, for every tenant."""
        for tenant in self.tenants(session):
            now = clock.now(session, tenant)
            for vendor in self.vendors.values():
                if vendor.catch_up is not None:
                    vendor.catch_up(Store.of(session), tenant, now)

    def table_counts(self, session: Session) -> dict[str, int]:
        from sqlalchemy import func

        out = {}
        for table in snapshots.vendor_tables():
            out[table.name] = int(session.scalar(select(func.count()).select_from(table)) or 0)
        return out

    def has_table(self, name: str) -> bool:
        return inspect(self.db.engine).has_table(name)
