"""Throwaway PostgreSQL databases for tests: one per test, copied from a loaded template.

Loading the demo fixtures into PostgreSQL takes seconds; copying a database that already
holds them (`CREATE DATABASE ... TEMPLATE`) takes about a tenth of one. Each template is
made once per test session and dropped at the end, as is every database handed out.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from simulator.core import clock
from simulator.core.db import Database
from simulator.runtime import Runtime
from simulator.settings import Settings


class PostgresServer:
    """A PostgreSQL server on which the tests may create and drop databases."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._admin = psycopg.connect(
            host=self.url.host,
            port=self.url.port,
            user=self.url.username,
            password=self.url.password,
            dbname="postgres",
            autocommit=True,
        )
        self._prefix = f"lms_sim_test_{os.getpid()}"
        self._numbers = itertools.count(1)
        self._templates: dict[tuple[str, int], str] = {}

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def template(self, fixtures: Path | None, seed: int = 0) -> str:
        """A database with the schema and (unless `fixtures` is None) the fixtures loaded."""
        key = (str(fixtures), seed)
        name = self._templates.get(key)
        if name is None:
            digest = hashlib.sha256(repr(key).encode()).hexdigest()[:8]
            name = f"{self._prefix}_tpl_{digest}"
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._execute(f'CREATE DATABASE "{name}"')
            if fixtures is None:
                database = Database(self.url_of(name))
                database.create_schema()
            else:
                runtime = Runtime(Settings(db=self.url_of(name), fixtures=fixtures, seed=seed, fresh=True))
                runtime.bootstrap()
                database = runtime.db
            database.dispose()  # a template must have no connections while it is copied
            self._templates[key] = name
        return name

    def create(self, template: str | None) -> str:
        """A new database copied from `template` (or empty); returns its SQLAlchemy URL."""
        name = f"{self._prefix}_{next(self._numbers)}"
        # FILE_COPY: a plain copy of the template's files, quicker than WAL_LOG for a small database.
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else "")
        deadline = clock.monotonic() + 60
        while True:
            try:
                self._execute(statement)
                return self.url_of(name)
            except psycopg.errors.ObjectInUse:
                # The template's last connection was closed, but its server process may not
                # have exited yet (PostgreSQL waits 5 s for it; a busy machine can take longer).
                if clock.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self._templates.values():
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._templates.clear()
        self._admin.close()

    def _execute(self, sql: str, *params: Any) -> None:
        self._admin.execute(sql.encode(), params or None)
