"""NUL characters in text on PostgreSQL.

SQLite stores a string with a NUL character like any other; PostgreSQL refuses it in a
text value (an error, which a request would turn into a 500). Clients do send NULs (in
ids, names, search text), and must get the same answer from both databases, so on
PostgreSQL a NUL is stored as U+FFFF (a Unicode noncharacter, which no client has a reason
to send) and read back as NUL. Lookups with a NUL then match exactly what SQLite matches.
"""

from __future__ import annotations

from typing import Any

from psycopg.adapt import Buffer
from psycopg.types.string import StrBinaryDumper, StrDumper, StrDumperUnknown, TextBinaryLoader, TextLoader

NUL, STAND_IN = "\x00", "\uffff"


def _to_db(obj: str) -> str:
    return obj.replace(NUL, STAND_IN) if NUL in obj else obj


def _from_db(value: Any) -> Any:
    return value.replace(STAND_IN, NUL) if isinstance(value, str) and STAND_IN in value else value


class _UnknownDumper(StrDumperUnknown):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(_to_db(obj))


class _TextDumper(StrDumper):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(_to_db(obj))


class _BinaryDumper(StrBinaryDumper):
    def dump(self, obj: str) -> Buffer | None:
        return super().dump(_to_db(obj))


class _TextLoader(TextLoader):
    def load(self, data: Buffer) -> Any:
        return _from_db(super().load(data))


class _BinaryLoader(TextBinaryLoader):
    def load(self, data: Buffer) -> Any:
        return _from_db(super().load(data))


def register(connection: Any) -> None:
    """Install the NUL-safe text adapters on one psycopg connection."""
    adapters = connection.adapters
    adapters.register_dumper(str, _BinaryDumper)
    adapters.register_dumper(str, _TextDumper)
    adapters.register_dumper(str, _UnknownDumper)  # registered last: the default for a str parameter
    for oid_name in ("text", "varchar", "bpchar", "name"):
        adapters.register_loader(oid_name, _TextLoader)
        adapters.register_loader(oid_name, _BinaryLoader)
